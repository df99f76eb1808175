"""The two single sign-on pages (core.sso explains the flow): start, and the provider's return to the callback."""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib.auth import login
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from vcsgrants.core import sso
from vcsgrants.core.sso_roles import RoleMapError

logger = logging.getLogger(__name__)

NEXT_KEY = "sso_next"


def _config_or_404() -> sso.Config:
    try:
        found = sso.config()
    except RoleMapError:
        found = None
    if found is None:
        raise Http404("Single sign-on is not set up")
    return found


def _problem(request, title: str, reason: str, *, status: int):
    return render(request, "registration/sso_problem.html", {"title": title, "reason": reason}, status=status)


def _unreachable(request):
    return _problem(
        request,
        "Single sign-on is not working at the moment",
        "The service could not reach your council's identity provider. Try again in a few minutes; if it keeps "
        "happening, tell the IT service desk.",
        status=502,
    )


@never_cache
@require_GET
def sso_start(request):
    """Off to the identity provider, with a fresh state, nonce and PKCE challenge kept in the session."""
    found = _config_or_404()
    next_url = request.GET.get("next", "")
    if url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        request.session[NEXT_KEY] = next_url
    else:
        request.session.pop(NEXT_KEY, None)
    client = sso.client(found)
    try:
        sso.check_discovery(found, client.load_server_metadata())
        return client.authorize_redirect(request, sso.redirect_uri())
    except sso.Refused as refused:
        return _problem(request, refused.title, refused.reason, status=502)
    except Exception:  # the provider unreachable, or its discovery document unreadable
        logger.exception("Single sign-on: could not start at %s", found.metadata_url)
        return _unreachable(request)


@never_cache
@require_GET
def sso_callback(request):
    """Back from the identity provider: check everything (core.sso), then sign the person in or say why not."""
    from authlib.common.errors import AuthlibBaseError
    from joserfc.errors import JoseError
    from requests import RequestException

    found = _config_or_404()
    client = sso.client(found)
    try:
        token = client.authorize_access_token(request, claims_options=sso.claims_options(found))
    except AuthlibBaseError as exc:
        logger.warning("Single sign-on refused: %s", exc)
        if getattr(exc, "error", "") == "access_denied":
            reason = "You cancelled signing in, or your identity provider did not let you sign in to this service."
        else:
            reason = (
                "Signing in took too long, was started in another window, or the identity provider's answer "
                "could not be checked. Nothing was signed in."
            )
        return _problem(request, "You are not signed in", reason + " Start again from the sign-in page.", status=400)
    except JoseError as exc:
        logger.warning("Single sign-on: the ID token failed its checks: %s", exc)
        return _problem(
            request,
            "You are not signed in",
            "The identity provider's answer could not be checked, so nothing was signed in. Start again from the "
            "sign-in page; if it keeps happening, tell the IT service desk.",
            status=400,
        )
    except RequestException:
        logger.exception("Single sign-on: could not reach the token endpoint")
        return _unreachable(request)
    claims = token.get("userinfo")
    if not claims:
        return _problem(request, "You are not signed in", "The identity provider sent no ID token.", status=400)
    try:
        person = sso.sign_in_user(dict(claims), found)
    except sso.Refused as refused:
        return _problem(request, refused.title, refused.reason, status=403)
    next_url = request.session.pop(NEXT_KEY, "")
    login(request, person, backend=sso.BACKEND)
    return redirect(next_url or settings.LOGIN_REDIRECT_URL)


# Under accounts/, beside Django's sign-in page (vcsgrants/urls.py): public, like it.
urlpatterns = [
    path("sso/start/", sso_start, name="sso-start"),
    path("sso/callback/", sso_callback, name="sso-callback"),
]
