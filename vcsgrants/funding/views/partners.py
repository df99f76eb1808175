"""Thin views for funding partners: the partner pages (read-only) and recording partners' contributions."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from vcsgrants.core.concurrency import form_token
from vcsgrants.core.forms import apply_validation_error
from vcsgrants.core.models import Organisation
from vcsgrants.core.permissions import require
from vcsgrants.core.rules import sees_everything
from vcsgrants.funding.cofunding import SHARE_RULE
from vcsgrants.funding.forms.multiyear import ContributionForm
from vcsgrants.funding.models import FundingStream, Programme
from vcsgrants.funding.selectors import partners
from vcsgrants.funding.services import partners as services_partners


@require_GET
def partner_list(request):
    """Council staff see every funder and partner body; a partner user goes straight to their own page."""
    require(request.user, "funding.view_partner_list")
    if not sees_everything(request.user):
        if request.user.organisation_id:
            return redirect("funding:partner-detail", pk=request.user.organisation_id)
        return render(request, "funding/partner_list.html", {"bodies": [], "page_title": "Funding partners"})
    return render(
        request, "funding/partner_list.html", {"bodies": partners.partner_bodies(), "page_title": "Funders and funding partners"}
    )


@require_GET
def partner_detail(request, pk):
    organisation = get_object_or_404(Organisation, pk=pk)
    require(request.user, "funding.view_partner", organisation)
    overview = partners.partner_overview(organisation)
    return render(
        request,
        "funding/partner_detail.html",
        {
            "overview": overview,
            "organisation": organisation,
            "share_rule": SHARE_RULE,
            "page_title": f"Funding from {organisation}",
            "is_staff": sees_everything(request.user),
        },
    )


@require_http_methods(["GET", "POST"])
def stream_contributions(request, slug, pk):
    programme = get_object_or_404(Programme, slug=slug)
    stream = get_object_or_404(FundingStream.objects.select_related("funder", "programme"), pk=pk, programme=programme)
    require(request.user, "funding.manage_contributions", programme)
    version = form_token(services_partners.contributions_state(stream))
    form = ContributionForm(request.POST or None, stream=stream, initial={"version": version})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            contribution = services_partners.contribution_set(
                stream=stream,
                year=data["financial_year"],
                funder=data["funder"],
                amount=data["amount"],
                note=data["note"],
                actor=request.user,
                version=data["version"],
            )
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            done = "recorded" if contribution else "removed"
            messages.success(request, f"{data['funder']}'s contribution to {stream} for {data['financial_year']} {done}.")
            return redirect(reverse("funding:stream-contributions", args=[programme.slug, stream.pk]))
    shares = partners.shares_for(streams=[stream])
    return render(
        request,
        "funding/contributions.html",
        {
            "programme": programme,
            "stream": stream,
            "form": form,
            "years": [s for s in shares.values() if s.budget is not None or s.contributions],
            "share_rule": SHARE_RULE,
            "page_title": f"Partner contributions: {stream}",
        },
    )
