from __future__ import annotations

from django import forms

from vcsgrants.core.forms import GovukForm


class PublishForm(GovukForm):
    """The officer's choice on the open-data page: which grants, and what to do with them."""

    PUBLISH, UNPUBLISH, PUBLISH_ALL = "publish", "unpublish", "publish_all"

    agreements = forms.ModelMultipleChoiceField(queryset=None, required=False, label="Grants")
    acknowledge = forms.BooleanField(
        required=False,
        label="I have checked the data-quality findings of the grants I am publishing",
        help_text="Needed only when those grants have findings: they are published as they are, not corrected.",
    )
    action = forms.ChoiceField(
        choices=[(PUBLISH, "Publish selected"), (UNPUBLISH, "Unpublish selected"), (PUBLISH_ALL, "Publish all")],
        error_messages={"required": "Choose publish or unpublish."},
    )

    def __init__(self, *args, agreements, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agreements"].queryset = agreements

    def clean(self):
        data = super().clean()
        if data.get("action") in (self.PUBLISH, self.UNPUBLISH) and not data.get("agreements"):
            self.add_error("agreements", "Choose at least one grant.")
        return data
