"""The page where any signed-in user lists, creates and revokes their own API tokens."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from vcsgrants.api.models import ApiToken
from vcsgrants.api.services import EXPIRY_CHOICES_DAYS, api_token_create, api_token_revoke
from vcsgrants.core.forms import GovukForm, apply_validation_error
from vcsgrants.core.permissions import require

EXPIRY_CHOICES = [("", "No expiry: until you revoke it")] + [(str(days), f"After {days} days") for days in EXPIRY_CHOICES_DAYS]


class TokenForm(GovukForm):
    name = forms.CharField(
        max_length=100,
        label="Name",
        help_text="What the token is for, so that you can tell your tokens apart. For example: quarterly returns script",
    )
    expires_in_days = forms.TypedChoiceField(
        choices=EXPIRY_CHOICES,
        coerce=int,
        empty_value=None,
        required=False,
        label="Expires",
        error_messages={"invalid_choice": "Select when the token expires: one of the choices shown"},
        help_text="A token that expires stops working by itself. Every token stops when your password changes.",
    )


@require_http_methods(["GET", "POST"])
def token_list(request):
    require(request.user, "api.manage_tokens")
    form = TokenForm(request.POST or None)
    created = None
    if request.method == "POST" and form.is_valid():
        try:
            api_token, token = api_token_create(
                user=request.user, name=form.cleaned_data["name"], expires_in_days=form.cleaned_data["expires_in_days"]
            )
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            created = {"api_token": api_token, "token": token}
            form = TokenForm()
    response = render(
        request,
        "api/tokens.html",
        {
            "page_title": "API tokens",
            "form": form,
            "created": created,
            "tokens": ApiToken.objects.filter(user=request.user),
            "now": timezone.now(),
        },
    )
    response["Cache-Control"] = "no-store"  # the new token is in this page once: keep it out of every cache
    return response


@require_http_methods(["GET", "POST"])
def token_revoke(request, pk):
    """GET: the warning step; POST: revoke the token."""
    api_token = get_object_or_404(ApiToken, pk=pk, user=request.user)  # someone else's token is not found
    require(request.user, "api.revoke_token", api_token)
    if request.method == "GET":
        heading = f"Revoke the token {api_token.name}?"
        return render(
            request,
            "core/confirm_remove.html",
            {
                "back": reverse("api-tokens"),
                "heading": heading,
                "page_title": heading,
                "body": "Scripts using it are refused from then on.",
                "warning": "A revoked token cannot be used again: create a new one if you need it.",
                "button": "Revoke",
            },
        )
    was_revoked = api_token.revoked_at is not None
    api_token_revoke(api_token=api_token, actor=request.user)
    if was_revoked:
        messages.info(request, f"The token {api_token.name} was already revoked.")
    else:
        messages.success(request, f"Token {api_token.name} revoked: scripts using it are now refused.")
    return redirect("api-tokens")
