"""The form for a programme's monitoring settings; the limits are the service's, so the page and the API refuse alike."""

from __future__ import annotations

from django import forms

from vcsgrants.core.concurrency import VersionField
from vcsgrants.core.forms import GovukForm


class MonitoringSettingsForm(GovukForm):
    return_due_days = forms.IntegerField(
        label="When a return is due (days after the quarter ends)",
        help_text="From 1 to 120. For example 30: the return for April to June is due on 30 July.",
        error_messages={
            "required": "Enter the number of days after the quarter ends that a return is due.",
            "invalid": "Enter the number of days after the quarter ends as a whole number, like 30",
        },
    )
    amber_percent = forms.DecimalField(
        label="Amber band (percentage of the target)",
        help_text="A KPI short of its target to date by up to this percentage is amber; further short, it is red. "
        "From 0 (any shortfall is red) to 50. For example 10.",
        error_messages={"required": "Enter the amber band as a percentage, such as 10."},
    )
    minimum_coverage = forms.IntegerField(
        label="Returns accepted before a quarter is shown by default (percentage)",
        help_text="The performance dashboard and reports open at the latest quarter with at least this percentage of "
        "its expected returns accepted. From 1 to 100. For example 100: every expected return accepted. "
        "Left blank, it stays as it is.",
        required=False,
    )
    version = VersionField()
