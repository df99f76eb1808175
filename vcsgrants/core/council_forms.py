"""The council settings page's form: every field of CouncilSettings, the logo as an upload (checked by the service)."""

from __future__ import annotations

from django import forms

from vcsgrants.core.concurrency import VersionField
from vcsgrants.core.council import (
    FIELDS,
    LOGO_HINT,
    REPORT_SECTION_MAX,
    REPORT_SECTIONS,
    report_section_default,
    report_section_headings,
)
from vcsgrants.core.forms import GovukModelForm
from vcsgrants.core.models import CouncilSettings


class CouncilSettingsForm(GovukModelForm):
    logo_upload = forms.FileField(
        label="Logo", required=False, help_text=f"{LOGO_HINT} Shown in the header of every page and on Cabinet reports."
    )
    remove_logo = forms.BooleanField(label="Remove the logo", required=False)
    version = VersionField()

    class Meta:
        model = CouncilSettings
        fields = list(FIELDS)
        widgets = {
            "footer_text": forms.Textarea(attrs={"rows": 3}),
            "email_sign_off": forms.Textarea(attrs={"rows": 3}),
            "privacy_notice": forms.Textarea(attrs={"rows": 8}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.instance.logo:
            del self.fields["remove_logo"]
        for name in ("area_word", "area_word_plural", "whole_area_name", "service_name", "service_phase"):
            self.fields[name].widget.attrs["class"] += " govuk-input--width-20"
        self.fields["area_word_plural"].label = "Area word, for more than one"
        self.fields["area_word_plural"].help_text = "Districts, wards, community areas…"
        self.fields["contact_email"].label = "Contact e-mail address"
        self.fields[
            "contact_email"
        ].help_text = "Where people can write to the team that runs the service: shown at the foot of every page and in e-mails."
        headings = report_section_headings(self.instance)
        for key, _ in REPORT_SECTIONS:
            default = report_section_default(key)
            field = forms.CharField(
                label=f"Report section: {default}",
                required=False,
                max_length=REPORT_SECTION_MAX,
                initial=headings[key],
                help_text="Its heading in Cabinet reports. Leave blank to leave the section out.",
            )
            field.widget.attrs["class"] = "govuk-input govuk-input--width-30"
            self.fields[f"section_{key}"] = field
        self.order_fields([*FIELDS[:3], "logo_upload", "remove_logo", *FIELDS[3:]])

    def report_sections(self) -> dict[str, str]:
        """Each standard report section's heading as given ("" switches it off)."""
        return {key: self.cleaned_data.get(f"section_{key}", "") or "" for key, _ in REPORT_SECTIONS}
