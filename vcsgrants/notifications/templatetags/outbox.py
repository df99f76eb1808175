from django import template

from vcsgrants.core.dates import moment_text

register = template.Library()


@register.filter
def moment(value) -> str:
    """A date and time in UK time as GOV.UK writes it: '5:30pm on 15 July 2022'."""
    return moment_text(value) if value else ""


@register.inclusion_tag("notifications/_status.html")
def notification_status(notification):
    return {"notification": notification}
