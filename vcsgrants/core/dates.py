"""Dates and times as pages and e-mails write them, in UK time (Europe/London); stored in UTC."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone


def clock_text(moment: dt.datetime) -> str:
    """A time as GOV.UK writes it, in UK time: 5pm, 5:30pm, midday, midnight."""
    local = timezone.localtime(moment)
    if (local.hour, local.minute) == (12, 0):
        return "midday"
    if (local.hour, local.minute) == (0, 0):
        return "midnight"
    hour = local.hour % 12 or 12
    suffix = "am" if local.hour < 12 else "pm"
    return f"{hour}{suffix}" if local.minute == 0 else f"{hour}:{local.minute:02d}{suffix}"


def moment_text(moment: dt.datetime) -> str:
    """'5pm on 15 July 2022' in UK time."""
    local = timezone.localtime(moment)
    return f"{clock_text(local)} on {local.day} {local:%B %Y}"


def uk_moment(day: dt.date, time: dt.time) -> dt.datetime:
    """A UK wall-clock date and time as an aware datetime (British Summer Time or GMT as it falls)."""
    return timezone.make_aware(dt.datetime.combine(day, time), timezone.get_default_timezone())
