"""Two-factor sign-in pages under /account/two-factor/: the code asked for after the password, setting up an
authenticator app, recovery codes, turning it off. The rules are in core.two_factor."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_http_methods, require_POST

from vcsgrants.core import two_factor
from vcsgrants.core.council import current as council_settings


def _next_query(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    return f"?{urlencode({'next': target})}" if target else ""


def account(request):
    """Your account's two-factor sign-in: on or off, recovery codes left, and what you can do."""
    user = request.user
    return render(
        request,
        "core/two_factor/account.html",
        {
            "page_title": "Two-factor sign-in",
            "is_on": two_factor.has_two_factor(user),
            "device": two_factor.authenticator(user),
            "codes_left": two_factor.recovery_codes_left(user),
            "required": two_factor.is_required(user),
        },
    )


@require_http_methods(["GET", "POST"])
def verify(request):
    """The second page of a password sign-in: a code from the app, or a recovery code."""
    if two_factor.pending(request) != two_factor.VERIFY:
        return redirect(two_factor.safe_next(request))
    error = ""
    if request.method == "POST":
        try:
            checked = two_factor.check_code(user=request.user, code=request.POST.get("code", ""))
        except ValidationError as problem:
            error = " ".join(problem.messages)
        else:
            two_factor.sign_in_with(request, checked)
            if checked.recovery:
                messages.success(
                    request,
                    f"You signed in with a recovery code. It will not work again: you have {checked.left} left. "
                    "If you have lost your phone, set up your authenticator app again from Two-factor sign-in.",
                )
            return redirect(two_factor.safe_next(request))
    return render(
        request,
        "core/two_factor/verify.html",
        {"page_title": "Enter your code", "error": error, "next": request.POST.get("next") or request.GET.get("next", "")},
    )


@require_http_methods(["GET", "POST"])
def setup(request):
    """Scan the QR code (or type the secret), then type the app's first code to prove it works."""
    user = request.user
    if two_factor.needs_code_first(request):  # never a new app before a code from the current one
        return redirect(reverse("core:two-factor-verify") + _next_query(request))
    device = two_factor.setup_device(user)
    error = ""
    if request.method == "POST":
        try:
            codes = two_factor.confirm_setup(request=request, device=device, code=request.POST.get("code", ""))
        except ValidationError as problem:
            error = " ".join(problem.messages)
        else:
            request.session[two_factor.RECOVERY_CODES_SESSION_KEY] = codes
            return redirect(reverse("core:two-factor-recovery-codes") + _next_query(request))
    url = two_factor.otpauth_url(device, council_settings().service_name)
    return render(
        request,
        "core/two_factor/setup.html",
        {
            "page_title": "Set up two-factor sign-in",
            "qr": two_factor.qr_svg(url),
            "secret": two_factor.secret_text(device),
            "error": error,
            "replacing": two_factor.has_two_factor(user),
            "required": two_factor.is_required(user),
            "pending": two_factor.pending(request) == two_factor.SET_UP,
            "next": request.POST.get("next") or request.GET.get("next", ""),
        },
    )


@require_http_methods(["GET", "POST"])
def recovery_codes(request):
    """New recovery codes, shown once (GET after setting up, or after asking for new ones here with a POST)."""
    if two_factor.needs_code_first(request):
        return redirect(reverse("core:two-factor-verify") + _next_query(request))
    if request.method == "POST":
        try:
            request.session[two_factor.RECOVERY_CODES_SESSION_KEY] = two_factor.regenerate_recovery_codes(user=request.user)
        except ValidationError as problem:
            messages.error(request, " ".join(problem.messages))
            return redirect("core:two-factor")
        return redirect("core:two-factor-recovery-codes")
    codes = request.session.pop(two_factor.RECOVERY_CODES_SESSION_KEY, None)
    return render(
        request,
        "core/two_factor/recovery_codes.html",
        {
            "page_title": "Your recovery codes",
            "codes": codes,
            "continue_to": two_factor.safe_next(request),
            "codes_left": two_factor.recovery_codes_left(request.user),
        },
    )


@require_POST
def turn_off(request):
    if two_factor.needs_code_first(request):
        return redirect("core:two-factor-verify")
    try:
        two_factor.turn_off(user=request.user)
    except ValidationError as problem:
        messages.error(request, " ".join(problem.messages))
    else:
        messages.success(request, "Two-factor sign-in is off: you sign in with your password alone.")
    return redirect("core:two-factor")
