"""The council settings page (administrators): who runs this service and the words it uses."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from vcsgrants.core import council
from vcsgrants.core.concurrency import form_token
from vcsgrants.core.council_forms import CouncilSettingsForm
from vcsgrants.core.forms import apply_validation_error
from vcsgrants.core.permissions import require


@require_http_methods(["GET", "POST"])
def council_settings(request):
    require(request.user, "core.manage_council_settings")
    settings = council.council_settings_get()
    initial = {"version": form_token(council.council_settings_state(settings))}
    form = CouncilSettingsForm(request.POST or None, request.FILES or None, instance=settings, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            _, changed = council.council_settings_save(
                actor=request.user,
                changes={
                    **{name: form.cleaned_data[name] for name in council.FIELDS},
                    "report_sections": form.report_sections(),
                },
                logo=form.cleaned_data.get("logo_upload"),
                remove_logo=form.cleaned_data.get("remove_logo", False),
                version=form.cleaned_data["version"],
            )
        except ValidationError as exc:
            if hasattr(exc, "error_dict") and "logo" in exc.error_dict:
                exc = ValidationError({("logo_upload" if k == "logo" else k): v for k, v in exc.error_dict.items()})
            apply_validation_error(form, exc)
        else:
            messages.success(request, "Council settings saved." if changed else "Nothing was changed.")
            return redirect("core:council-settings")
    return render(
        request,
        "core/council_settings.html",
        {"form": form, "page_title": "Council settings", "multipart": True, "settings": settings},
    )
