"""Sign-in protections: lock out a username, or an address, after repeated failed sign-ins.

`client_ip` is the one rule for a visitor's address: the lockout here and the consultation form's rate limit
both use it (one setting, TRUSTED_PROXIES, for both).

django-axes records every failure in the database (table axes_accessattempt), so the count is
shared by every gunicorn worker and every app server. The settings (AXES_* in settings.py) say
5 failures within 15 minutes lock that username, and that address, for 15 minutes after the last
failure; a successful sign-in clears the count. `python manage.py axes_reset_username NAME`
unlocks someone early.
"""

from __future__ import annotations

import datetime as dt
import ipaddress

from axes.backends import AxesStandaloneBackend
from axes.helpers import get_client_username, get_cool_off, get_failure_limit
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Max, Sum
from django.shortcuts import render
from django.utils import timezone

from vcsgrants.core.account_forms import SignInForm


class LockoutBackend(AxesStandaloneBackend):
    """Refuses sign-in while a username or address is locked out.

    Every sign-in over the web passes the request (the sign-in page, the admin's sign-in page).
    Code that signs in without one (Django's test client, a script in `manage.py shell`) is
    not rate-limited: there is no address to count, and no web visitor behind it.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def _is_trusted_proxy(address: str) -> bool:
    if not address:  # gunicorn on a unix socket: the only caller is the proxy in front of it
        return True
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


def _address(text: str) -> str | None:
    try:
        return str(ipaddress.ip_address(text.strip()))
    except ValueError:
        return None


def trusted_proxies() -> int:
    """How many proxies in front of the app append the visitor's address to X-Forwarded-For.

    The setting is TRUSTED_PROXIES (environment variable of the same name; 0 by default, 1 with the production
    settings, for the nginx in deploy/). CONSULTATION_TRUSTED_PROXIES, its old name when only the consultation
    form's rate limit used it, is still honoured when a settings module sets it.
    """
    old = getattr(settings, "CONSULTATION_TRUSTED_PROXIES", None)
    value = old if old is not None else getattr(settings, "TRUSTED_PROXIES", 0)
    return max(0, int(value or 0))


def client_ip(request) -> str | None:
    """The visitor's address, for every per-address limit: the sign-in lockout and the consultation rate limit.

    In order:
    1. Behind TRUSTED_PROXIES proxies (N > 0), the Nth address from the right of X-Forwarded-For: the one the
       outermost trusted proxy saw. Addresses further left were written by the visitor and are never believed.
    2. Otherwise the X-Real-IP that our own nginx sets, believed only when the request came from the machine
       itself or over the unix socket (nginx overwrites the header with the address it sees): a visitor who
       reaches gunicorn directly cannot choose their own address by sending the header.
    3. Otherwise the connection's own address (REMOTE_ADDR).
    None when there is no address at all (the attempts are then counted together, as one address).
    """
    remote = request.META.get("REMOTE_ADDR", "") or ""
    proxies = trusted_proxies()
    if proxies:
        chain = [part.strip() for part in (request.META.get("HTTP_X_FORWARDED_FOR") or "").split(",") if part.strip()]
        if len(chain) >= proxies and (forwarded := _address(chain[-proxies])):
            return forwarded
    forwarded = _address(request.META.get("HTTP_X_REAL_IP") or "")
    if forwarded and _is_trusted_proxy(remote):
        return forwarded
    return _address(remote)


def locked_until(request, credentials: dict | None) -> dt.datetime | None:
    """When the lock on this username or this address ends (the later, if both are locked)."""
    cool_off = get_cool_off(request)
    if cool_off is None:
        return None
    limit = get_failure_limit(request, credentials)
    since = timezone.now() - cool_off
    username = get_client_username(request, credentials)
    groups = [{"ip_address": client_ip(request)}]
    if username:
        groups.append({"username": username})
    ends = []
    for group in groups:
        totals = AccessAttempt.objects.filter(attempt_time__gte=since, **group).aggregate(
            failures=Sum("failures_since_start"), last=Max("attempt_time")
        )
        if (totals["failures"] or 0) >= limit and totals["last"] is not None:
            ends.append(totals["last"] + cool_off)
    return max(ends) if ends else None


def govuk_time(moment: dt.datetime) -> str:
    """'2:05pm on 3 March 2025', in the service's time zone (the GOV.UK style for times and dates)."""
    local = timezone.localtime(moment)
    return f"{local.hour % 12 or 12}:{local.minute:02d}{'am' if local.hour < 12 else 'pm'} on {local.day} {local:%B %Y}"


def lockout_response(request, original_response=None, credentials=None):
    """The sign-in page again, saying why sign-in is refused and when to try again (HTTP 429)."""
    until = locked_until(request, credentials) or timezone.now() + (get_cool_off(request) or dt.timedelta(0))
    form = SignInForm(request, initial={"username": get_client_username(request, credentials) or ""})
    context = {
        "form": form,
        "locked_until": govuk_time(until),
        "next": request.POST.get("next", "") or request.GET.get("next", ""),
        "failure_limit": settings.AXES_FAILURE_LIMIT,
    }
    return render(request, "registration/login.html", context, status=429)
