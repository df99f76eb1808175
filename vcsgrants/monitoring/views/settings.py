"""A programme's monitoring settings: when returns are due, the amber band of its RAG ratings, and the minimum coverage
of the quarter its dashboard opens at."""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from vcsgrants.core.concurrency import form_token
from vcsgrants.core.forms import apply_validation_error
from vcsgrants.core.permissions import require
from vcsgrants.funding.models import Programme
from vcsgrants.monitoring import services
from vcsgrants.monitoring.forms.settings import MonitoringSettingsForm
from vcsgrants.monitoring.selectors import monitoring_settings_for


@require_http_methods(["GET", "POST"])
def monitoring_settings_edit(request, slug):
    programme = get_object_or_404(Programme, slug=slug)
    require(request.user, "monitoring.manage_settings", programme)
    current = monitoring_settings_for(programme)
    initial = {
        "return_due_days": current.return_due_days,
        "amber_percent": Decimal(services.percent_text(current.amber_within)),
        "minimum_coverage": current.minimum_coverage,
        "version": form_token(services.monitoring_settings_state(current)),
    }
    form = MonitoringSettingsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.monitoring_settings_set(
                programme=programme,
                return_due_days=form.cleaned_data["return_due_days"],
                amber_percent=form.cleaned_data["amber_percent"],
                minimum_coverage=form.cleaned_data["minimum_coverage"],
                actor=request.user,
                version=form.cleaned_data["version"],
            )
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, f"Monitoring settings for {programme} saved.")
            return redirect(programme)
    return render(
        request,
        "core/form_page.html",
        {"form": form, "page_title": f"Monitoring settings: {programme}", "back": programme.get_absolute_url()},
    )
