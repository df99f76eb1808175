"""The roll-on's last step: carrying a programme's KPI targets forward into a new year, reviewed and confirmed."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from vcsgrants.core.concurrency import form_token
from vcsgrants.core.forms import apply_validation_error
from vcsgrants.core.permissions import require
from vcsgrants.core.years import year_from_label
from vcsgrants.funding.models import Programme
from vcsgrants.monitoring import services
from vcsgrants.monitoring.forms.returns import carry_forward_form, carry_forward_initial


@require_http_methods(["GET", "POST"])
def targets_carry_forward(request, slug, year_label):
    programme = get_object_or_404(Programme, slug=slug)
    require(request.user, "monitoring.manage_targets", programme)
    year = year_from_label(year_label)
    carried = services.targets_to_carry_forward(programme=programme, year=year)
    initial = {**carry_forward_initial(carried), "version": form_token(services.targets_carry_forward_state(programme, year))}
    form = carry_forward_form(request.POST or None, carried=carried, initial=initial)
    if request.method == "POST" and form.is_valid():
        rows = form.filled_rows()
        if not form.errors:
            try:
                targets = services.targets_carry_forward(
                    programme=programme, year=year, rows=rows, actor=request.user, version=form.cleaned_data["version"]
                )
            except ValidationError as exc:
                apply_validation_error(form, exc)
            else:
                agreements = len({t.agreement_id for t in targets})
                messages.success(
                    request,
                    f"Set {len(targets)} KPI targets for {year} on {agreements} agreement{'s' if agreements != 1 else ''}: "
                    f"their returns for {year} are now due.",
                )
                return redirect(f"{programme.get_absolute_url()}?year={year.label}")
    return render(
        request,
        "monitoring/returns/targets_carry_forward.html",
        {
            "programme": programme,
            "year": year,
            "previous_year": f"{year.start_year - 1}-{year.start_year % 100:02d}",
            "form": form,
            "to_set": sum(1 for c in carried if not c.current),
            "page_title": f"Carry KPI targets forward into {year}: {programme}",
        },
    )
