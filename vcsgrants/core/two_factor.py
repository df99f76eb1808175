"""Two-factor sign-in for password accounts: a code from an authenticator app (TOTP), or a single-use recovery code.

See docs/adr/0021-two-factor-sign-in.md. In short:

- **Devices** are django-otp's: one confirmed TOTPDevice (the authenticator app) and one StaticDevice holding the
  person's recovery codes (StaticTokens, deleted as they are used). An unconfirmed TOTPDevice is a set-up in progress.
- **Who must use it**: people holding a role listed in VCSGRANTS_TWO_FACTOR_REQUIRED_ROLES (the production settings:
  the council staff roles; a superuser counts as an administrator) who signed in with a password. Anyone else may
  turn it on from their account page; once on, they are asked for a code at every password sign-in.
- **When it is asked for**: `TwoFactorMiddleware` stops a session that has not given its code (or, where it is
  required, has not set it up) from reaching any page but the code page, the set-up page and signing out. What a
  session must do is decided when it signs in (`note_sign_in`) and kept in the session, so the many sessions with
  nothing to do cost no query at all.
- **Single sign-on**: a session signed in through any backend other than the password ones
  (TWO_FACTOR_PASSWORD_BACKENDS) is never asked: the identity provider does its own multi-factor check.
- **Throttling**: every wrong code, from the app or a recovery code, counts against the authenticator's device
  (django-otp's exponential back-off: 1, 2, 4, 8 … seconds times OTP_TOTP_THROTTLE_FACTOR), shared by every worker
  because it is a database row. A right code resets it. An administrator's reset clears it too.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import secrets
from base64 import b32encode
from urllib.parse import quote, urlencode

import segno
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY
from django.core import checks
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from vcsgrants.core.audit import record_event
from vcsgrants.core.models import Role, User
from vcsgrants.core.signin import govuk_time

SESSION_KEY = "two_factor"  # what this session must still do: VERIFY, SET_UP, or NOTHING; or VERIFIED (code given)
VERIFY, SET_UP, NOTHING, VERIFIED = "verify", "set-up", "nothing", "verified"
RECOVERY_CODES_SESSION_KEY = "two_factor_new_codes"  # shown once, on the next recovery-codes page

RECOVERY_CODE_COUNT = 10
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: read off a printout
RECOVERY_CODE_LENGTH = 10  # about 49 bits each, shown as xxxxx-xxxxx

# The backends a password sign-in comes through. A session signed in through any other (single sign-on) is never
# asked for a code. Django's test client's force_login names the first backend (LockoutBackend).
PASSWORD_BACKENDS = ("vcsgrants.core.backends.PasswordBackend", "vcsgrants.core.signin.LockoutBackend")


def password_backends() -> tuple[str, ...]:
    return tuple(getattr(settings, "TWO_FACTOR_PASSWORD_BACKENDS", PASSWORD_BACKENDS))


def required_roles() -> list[str]:
    return list(getattr(settings, "VCSGRANTS_TWO_FACTOR_REQUIRED_ROLES", []) or [])


@checks.register()
def required_roles_check(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """VCSGRANTS_TWO_FACTOR_REQUIRED_ROLES names roles that exist: a mistyped one would quietly require nothing."""
    unknown = [role for role in required_roles() if role not in Role.values]
    if not unknown:
        return []
    return [
        checks.Error(
            f"VCSGRANTS_TWO_FACTOR_REQUIRED_ROLES names roles that do not exist: {', '.join(unknown)}",
            hint=f"Use some of {', '.join(Role.values)} (comma-separated), or none. See docs/operations/security.md.",
            id="core.E002",
        )
    ]


def is_required(user) -> bool:
    """Must this person use two-factor sign-in when they sign in with a password?"""
    wanted = set(required_roles())
    if not wanted or not getattr(user, "is_authenticated", False):
        return False
    if user.is_superuser and Role.ADMIN in wanted:
        return True
    return any(user.has_role(role) for role in wanted)


def authenticator(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("-pk").first()


def has_two_factor(user) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def recovery_codes_left(user) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def state_for(user, backend: str | None) -> str:
    """What a newly signed-in session must do before it reaches any page."""
    if backend not in password_backends():
        return NOTHING  # single sign-on: the identity provider asks for its own second factor
    if has_two_factor(user):
        return VERIFY
    return SET_UP if is_required(user) else NOTHING


def note_sign_in(sender, request, user, **kwargs):
    """user_logged_in: decide, once, what this session must do (kept in the session, so later requests ask nothing)."""
    if request is None or not hasattr(request, "session"):
        return
    request.session[SESSION_KEY] = state_for(user, request.session.get(BACKEND_SESSION_KEY))


def pending(request) -> str:
    """VERIFY or SET_UP while the signed-in session still has that to do; NOTHING once done or never needed."""
    user = request.user
    if not user.is_authenticated:
        return NOTHING
    state = request.session.get(SESSION_KEY)
    if state == NOTHING:
        return NOTHING
    if getattr(user, "is_verified", lambda: False)():  # OTPMiddleware: the session gave a code
        return NOTHING
    # Signed in before this was deployed (no state yet), or asked before: look again, since an administrator may have
    # reset the person's devices, or the person turned two-factor sign-in off, since.
    state = state_for(user, request.session.get(BACKEND_SESSION_KEY))
    if request.session.get(SESSION_KEY) != state:
        request.session[SESSION_KEY] = state
    return state


def needs_code_first(request) -> bool:
    """A password session of someone with two-factor sign-in on that has not given a code (one opened before they
    turned it on, say): it must give one before it changes the app, the recovery codes, or turns it off."""
    user = request.user
    if getattr(user, "is_verified", lambda: False)():
        return False
    if request.session.get(BACKEND_SESSION_KEY) not in password_backends():
        return False
    if has_two_factor(user):
        request.session[SESSION_KEY] = VERIFY
        return True
    return False


# --- The gate ----------------------------------------------------------------------------------------------------

# Reachable whatever is pending: signing out, the sign-in page (to sign in as someone else), and what every page loads.
ALWAYS_OPEN = ("/accounts/logout/", "/accounts/login/", "/static/", "/healthz", "/council/logo", "/about/")


def safe_next(request, default: str = "") -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=False):
        return target
    return default or reverse(settings.LOGIN_REDIRECT_URL)


class TwoFactorMiddleware:
    """A password session that has not given its code (or must set two-factor sign-in up first) reaches only that page.

    List it after django_otp's OTPMiddleware (which tells whether the session has given a code). While something is
    pending the request is marked `two_factor_pending`: the header then shows no menu and no account links.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        state = pending(request)
        if state == NOTHING:
            return self.get_response(request)
        request.two_factor_pending = state
        page = reverse("core:two-factor-verify" if state == VERIFY else "core:two-factor-setup")
        if request.path == page or request.path.startswith(ALWAYS_OPEN):
            return self.get_response(request)
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": "Finish signing in: two-factor sign-in is not done yet."}, status=403)
        target = request.get_full_path() if request.method == "GET" else ""
        return redirect(f"{page}?{urlencode({'next': target})}" if target and target != "/" else page)


# --- Setting up ----------------------------------------------------------------------------------------------------


def setup_device(user: User) -> TOTPDevice:
    """The authenticator being set up: the same secret each time the page is opened, until it is confirmed."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)
    return device


def secret_text(device: TOTPDevice) -> str:
    """The secret as people type it into an app: base32, in groups of four."""
    secret = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def otpauth_url(device: TOTPDevice, issuer: str) -> str:
    issuer = issuer.replace(":", "").strip() or "VCS Grants"
    label = quote(f"{issuer}:{device.user.get_username()}")
    params = urlencode(
        {"secret": b32encode(device.bin_key).decode().rstrip("="), "issuer": issuer, "digits": device.digits, "period": 30}
    )
    return f"otpauth://totp/{label}?{params}"


def qr_svg(url: str) -> str:
    """The QR code as an inline SVG element (no request anywhere; no style attribute for the CSP to refuse)."""
    svg = segno.make(url, error="m").svg_inline(scale=5, dark="#0b0c0c", light="#ffffff", border=4)
    svg = svg.replace("<svg ", '<svg role="img" aria-label="QR code for your authenticator app" focusable="false" ', 1)
    return mark_safe(svg)  # noqa: S308 - segno's own markup of our own URL


def _new_recovery_codes(user: User) -> list[str]:
    device, _ = StaticDevice.objects.get_or_create(user=user, name="Recovery codes", defaults={"confirmed": True})
    device.token_set.all().delete()
    codes = ["".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(RECOVERY_CODE_LENGTH)) for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return [format_code(code) for code in codes]


def format_code(code: str) -> str:
    half = len(code) // 2
    return f"{code[:half]}-{code[half:]}"


def confirm_setup(*, request, device: TOTPDevice, code: str) -> list[str]:
    """Check the first code from the app; on success the app replaces any earlier one, the session counts as having
    given its code, and the person gets new recovery codes (returned, to be shown once)."""
    code = "".join((code or "").split())
    if not (code.isdigit() and len(code) == device.digits):
        raise ValidationError("Enter the 6-digit code your authenticator app shows")
    with transaction.atomic():  # a wrong code's count is kept: the error is raised after the transaction
        codes, problem = _confirm(request, device, code)
    if problem:
        raise ValidationError(problem)
    return codes


def _confirm(request, device: TOTPDevice, code: str) -> tuple[list[str], str]:
    user = request.user
    device = TOTPDevice.objects.select_for_update().get(pk=device.pk, user=user, confirmed=False)
    allowed, info = device.verify_is_allowed()
    if not allowed:
        return [], wait_message(info)
    if not device.verify_token(code):
        return [], "That code is not right: check the app shows this service, and enter the code it shows now"
    replaced = TOTPDevice.objects.filter(user=user, confirmed=True).exclude(pk=device.pk)
    replacing = replaced.exists()
    replaced.delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    codes = _new_recovery_codes(user)
    record_event(
        actor=user,
        verb="two_factor.set_up",
        obj=user,
        summary=f"{user.display_name} ({user.username}) "
        + ("set up a new authenticator app for two-factor sign-in" if replacing else "turned on two-factor sign-in"),
    )
    _verified(request, device)
    return codes, ""


@transaction.atomic
def regenerate_recovery_codes(*, user: User) -> list[str]:
    if not has_two_factor(user):
        raise ValidationError("Two-factor sign-in is not on, so there are no recovery codes to replace.")
    codes = _new_recovery_codes(user)
    record_event(
        actor=user,
        verb="two_factor.recovery_codes",
        obj=user,
        summary=f"{user.display_name} ({user.username}) made new recovery codes (the old ones no longer work)",
    )
    return codes


# --- Signing in with a code ---------------------------------------------------------------------------------------


def wait_message(info: dict | None) -> str:
    until = (info or {}).get("locked_until")
    seconds = math.ceil((until - timezone.now()).total_seconds()) if until else 1
    if seconds <= 120:
        wait = f"wait {seconds} second{'s' if seconds != 1 else ''}, then try again"
    else:
        wait = f"try again after {govuk_time(until + dt.timedelta(minutes=1))}"
    return f"Too many wrong codes: {wait}. A code typed before then is not checked."


@dataclasses.dataclass
class Checked:
    device: object | None
    recovery: bool = False
    left: int = 0


def check_code(*, user: User, code: str) -> Checked:
    """Check a code from the app (6 digits) or a recovery code. Raises ValidationError, with the reason, if refused.

    Every wrong code counts against the authenticator's device, so the back-off covers both kinds of code.
    """
    typed = "".join((code or "").split()).replace("-", "").lower()
    if not typed:
        raise ValidationError("Enter the 6-digit code from your authenticator app, or a recovery code")
    with transaction.atomic():  # a wrong code's count is kept: the error is raised after the transaction
        checked, problem = _check(user, typed)
    if problem:
        raise ValidationError(problem)
    return checked


def _check(user: User, typed: str) -> tuple[Checked | None, str]:
    device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True).order_by("-pk").first()
    if device is None:
        return None, "Two-factor sign-in is not set up for this account."
    allowed, info = device.verify_is_allowed()
    if not allowed:
        return None, wait_message(info)
    if typed.isdigit() and len(typed) == device.digits:
        if device.verify_token(typed):  # counts the failure itself when wrong
            return Checked(device), ""
    else:
        static = StaticDevice.objects.select_for_update().filter(user=user, confirmed=True).first()
        # Looked up first, so that only the authenticator's device counts failures (one back-off for both kinds).
        if static is not None and static.token_set.filter(token=typed).exists() and static.verify_token(typed):
            device.throttle_reset()
            left = static.token_set.count()
            record_event(
                actor=user,
                verb="two_factor.recovery_code_used",
                obj=user,
                summary=f"{user.display_name} ({user.username}) signed in with a recovery code ({left} left)",
            )
            return Checked(static, recovery=True, left=left), ""
        device.throttle_increment()
    return None, "That code is not right. Enter the code your authenticator app shows now, or one of your recovery codes"


def _verified(request, device) -> None:
    request.session.cycle_key()  # a new session id once the second factor is given
    otp_login(request, device)
    # Not NOTHING: each request then checks (OTPMiddleware) that the device still exists, so an administrator's
    # reset stops this session at its next page if the person's role must set it up again.
    request.session[SESSION_KEY] = VERIFIED


def sign_in_with(request, checked: Checked) -> None:
    _verified(request, checked.device)


# --- Turning off and resetting ------------------------------------------------------------------------------------


def _remove_devices(user: User) -> bool:
    had = has_two_factor(user)
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    return had


@transaction.atomic
def turn_off(*, user: User) -> None:
    if is_required(user):
        raise ValidationError("Your role must use two-factor sign-in, so you cannot turn it off.")
    if not _remove_devices(user):
        raise ValidationError("Two-factor sign-in is already off.")
    record_event(
        actor=user,
        verb="two_factor.turned_off",
        obj=user,
        summary=f"{user.display_name} ({user.username}) turned off two-factor sign-in",
    )


@transaction.atomic
def reset(*, person: User, actor: User | None) -> None:
    """An administrator's reset (a lost phone and lost recovery codes): the person's app and codes stop working. If their
    role must use two-factor sign-in they set it up again at their next sign-in; an open session of theirs is stopped
    at its next page until they do. With no actor: `manage.py reset_two_factor` (the audit event names the person)."""
    person = User.objects.select_for_update().get(pk=person.pk)
    if actor is not None and person.is_superuser and not actor.is_superuser:
        raise ValidationError(f"{person.display_name} is a superuser: only a superuser can change their account.")
    if not _remove_devices(person):
        raise ValidationError(f"{person.display_name} has not set up two-factor sign-in: there is nothing to reset.")
    record_event(
        actor=actor or person,
        verb="person.two_factor_reset",
        obj=person,
        summary=f"Reset two-factor sign-in for {person.display_name} ({person.username}): their authenticator app and "
        "recovery codes no longer work" + ("" if actor else " (with manage.py reset_two_factor)"),
        data={"via": "page" if actor else "command"},
    )


def status_line(user) -> str:
    if has_two_factor(user):
        return format_html("On ({} recovery codes left)", recovery_codes_left(user))
    return "Off" + (" (their role must use it: they will set it up at their next sign-in)" if is_required(user) else "")
