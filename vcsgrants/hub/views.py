"""Pages that gather one person's, one organisation's or one programme's records from several apps."""

from __future__ import annotations

from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from vcsgrants.calls.selectors.apply import applications_for
from vcsgrants.core.audit import events_for
from vcsgrants.core.history import history_rows
from vcsgrants.core.models import Organisation, Role
from vcsgrants.core.permissions import require
from vcsgrants.core.years import year_from_label
from vcsgrants.engagement.selectors.meetings import organisation_engagement, programme_engagement
from vcsgrants.funding.models import Allocation, Programme, StreamBudget
from vcsgrants.funding.selectors import agreements as agreement_selectors
from vcsgrants.funding.selectors import programmes as programme_selectors
from vcsgrants.hub.setup import setup_checklist
from vcsgrants.monitoring.selectors import monitoring_settings_for, overdue_returns
from vcsgrants.monitoring.services import percent_text


def home(request):
    user = request.user
    context = {
        "page_title": "Home",
        "setup_steps": setup_checklist(user),
        "programmes": programme_selectors.programmes_visible_to(user) if user.has_perm("funding.view_programme_list") else [],
        "agreements": agreement_selectors.agreements_visible_to(user)[:50]
        if user.has_perm("funding.view_agreement_list")
        else [],
        # Applicants (and providers) see their organisation's applications to calls for funding.
        "applications": list(applications_for(user)[:10]) if user.has_perm("calls.apply") else [],
        # A provider's returns that are late or queried: what they need to do first.
        "returns_to_do": (
            overdue_returns(timezone.localdate(), organisation_id=user.organisation_id)
            if user.has_role(Role.PROVIDER) and user.organisation_id
            else []
        ),
    }
    return render(request, "hub/home.html", context)


def organisation_detail(request, pk):
    organisation = get_object_or_404(Organisation.objects.select_related("successor", "parent"), pk=pk)
    require(request.user, "core.view_organisation", organisation)
    agreements = agreement_selectors.agreements_visible_to(request.user).filter(organisation=organisation)
    return render(
        request,
        "hub/organisation_detail.html",
        {
            "organisation": organisation,
            "page_title": organisation.name,
            "agreements": agreements,
            "engagement": organisation_engagement(organisation=organisation, user=request.user),  # meetings and actions
            "predecessors": organisation.predecessors.all(),
            "history": history_rows(organisation.history.all()),
            "events": events_for(organisation)[:20],
            "can_manage": request.user.has_perm("core.manage_organisation"),
        },
    )


def programme_detail(request, slug):
    programme = get_object_or_404(Programme.objects.select_related("funder"), slug=slug)
    require(request.user, "funding.view_programme", programme)
    years = programme_selectors.programme_years(programme)
    year = year_from_label(request.GET.get("year"), programme_selectors.programme_default_year(programme))
    summary = programme_selectors.programme_year_summary(programme=programme, year=year)
    streams = programme.streams.select_related("funder").prefetch_related(
        Prefetch("budgets", queryset=StreamBudget.objects.select_related("financial_year"))
    )
    monitoring = monitoring_settings_for(programme)  # when returns are due, the amber band (monitoring settings)
    context = {
        "programme": programme,
        "page_title": programme.name,
        "year": year,
        "years": years,
        "summary": summary,
        "streams": streams,
        "periods": programme.periods.select_related("decision", "recorded_by"),
        "allocations": Allocation.objects.filter(stream__programme=programme, financial_year=year).select_related(
            "stream", "area", "decision"
        ),
        "agreements": agreement_selectors.agreements_visible_to(request.user).filter(programme=programme),
        "engagement": programme_engagement(programme=programme, user=request.user),  # meetings: engagement at a glance
        "events": events_for(programme)[:20],
        "history": history_rows(programme.history.all(), 10),
        "can_manage": request.user.has_perm("funding.manage_programme"),
        "monitoring_settings": monitoring,
        "amber_percent": percent_text(monitoring.amber_within),
        "can_budget": request.user.has_perm("funding.manage_budget"),
        "can_allocate": request.user.has_perm("funding.manage_allocations"),
        "can_extend": request.user.has_perm("funding.manage_agreement"),
    }
    return render(request, "hub/programme_detail.html", context)
