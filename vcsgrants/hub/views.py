"""Pages that gather one person's, one organisation's or one programme's records from several apps."""

from __future__ import annotations

from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from vcsgrants.calls.selectors.apply import applications_for
from vcsgrants.core import exports
from vcsgrants.core.audit import events_for
from vcsgrants.core.council import area_word
from vcsgrants.core.history import history_rows
from vcsgrants.core.models import Organisation, Role
from vcsgrants.core.pagination import paginate
from vcsgrants.core.permissions import require
from vcsgrants.core.rules import is_cabinet, is_finance, is_partner, manages_programmes
from vcsgrants.core.years import year_from_label
from vcsgrants.engagement.selectors.meetings import organisation_engagement, programme_engagement
from vcsgrants.funding.models import Allocation, Programme, StreamBudget
from vcsgrants.funding.selectors import agreements as agreement_selectors
from vcsgrants.funding.selectors import programmes as programme_selectors
from vcsgrants.hub import selectors as queues
from vcsgrants.hub.setup import setup_checklist
from vcsgrants.monitoring.selectors import monitoring_settings_for, returns_to_do
from vcsgrants.monitoring.services import percent_text


def home(request):
    """Each role's work: an officer's, finance's, a Cabinet member's and a partner's queues; providers' and
    applicants' own returns and applications. A person with several roles sees each role's part."""
    user = request.user
    today = timezone.localdate()
    officer, finance, cabinet = manages_programmes(user), is_finance(user), is_cabinet(user)
    partner = is_partner(user) and not (officer or finance or cabinet)
    has_queues = officer or finance or cabinet or partner
    context = {
        "page_title": "Home",
        "setup_steps": setup_checklist(user),
        "officer_queues": queues.officer_queues(user, today) if officer else [],
        "finance_queues": queues.finance_queues(today) if finance else [],
        "cabinet": queues.cabinet_overview(today) if cabinet else None,
        "partner": queues.partner_home(user) if partner else None,
        # Those without queues (providers) keep the list of their agreements.
        "agreements": agreement_selectors.agreements_visible_to(user)[:50]
        if user.has_perm("funding.view_agreement_list") and not has_queues
        else [],
        "programmes": [],
        "has_queues": has_queues,
        "queue_limit": queues.LIMIT,
        # Applicants (and providers) see their organisation's applications to calls for funding.
        "applications": list(applications_for(user)[:10]) if user.has_perm("calls.apply") else [],
        # A provider's returns that are late or queried: what they need to do first.
        "returns_to_do": (
            returns_to_do(today, user.organisation_id) if user.has_role(Role.PROVIDER) and user.organisation_id else []
        ),
    }
    # An administrator on a new install (no programme yet) is pointed to the People page, queues or not.
    context["administrator_starts"] = user.has_perm("core.manage_people") and not Programme.objects.exists()
    if not has_queues and user.has_perm("funding.view_programme_list"):
        context["programmes"] = programme_selectors.programmes_visible_to(user)
    return render(request, "hub/home.html", context)


QUEUE_PAGE_SIZE = 50


def _full_queue(request, key):
    if key not in queues.FULL_QUEUES:
        raise Http404(f"There is no queue called {key!r}.")
    title, permission = queues.FULL_QUEUES[key]
    require(request.user, permission)
    rows, make = queues.full_queue(key, request.user, timezone.localdate())
    return title, rows, make


def queue(request, key):
    """One home-page queue in full, oldest first, a page at a time."""
    title, rows, make = _full_queue(request, key)
    page = paginate(request, rows, QUEUE_PAGE_SIZE)
    return render(
        request,
        "hub/queue.html",
        {
            "page_title": title,
            "page": page,
            "items": [make(row) for row in page.object_list],
            "downloads": exports.download_links(request, "hub:queue-export", key),
        },
    )


def queue_export(request, key, fmt):
    """Every item of one queue (all its pages), oldest first, as CSV or XLSX."""
    title, rows, make = _full_queue(request, key)
    items = [make(row) for row in rows]
    return exports.download(
        fmt,
        f"{key}-{timezone.localdate().isoformat()}",
        queues.QUEUE_HEADERS,
        queues.queue_rows(items, request.build_absolute_uri),
        title,
    )


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


def _programme_year(request, slug):
    """The programme in the path (if the user may see it), the year asked for (?year=) and its money summary."""
    programme = get_object_or_404(Programme.objects.select_related("funder"), slug=slug)
    require(request.user, "funding.view_programme", programme)
    year = year_from_label(request.GET.get("year"), programme_selectors.programme_default_year(programme))
    return programme, year, queues.programme_year_money(programme, year)


def programme_money_export(request, slug, table, fmt):
    """The programme page's money by stream or by district for the year, as CSV or XLSX."""
    programme, year, summary = _programme_year(request, slug)
    if table not in programme_selectors.MONEY_TABLES:
        raise Http404(f"There is no {table} table: use streams or districts.")
    headers, rows = programme_selectors.money_table(summary, table, area_word(capital=True))
    return exports.download(fmt, f"{programme.slug}-{table}-{year.label}", headers, rows, sheet_title=f"By {table} {year}")


def programme_detail(request, slug):
    programme, year, summary = _programme_year(request, slug)
    years = programme_selectors.programme_years(programme)
    streams = programme.streams.select_related("funder").prefetch_related(
        Prefetch("budgets", queryset=StreamBudget.objects.select_related("financial_year"))
    )
    monitoring = monitoring_settings_for(programme)  # when returns are due, the amber band (monitoring settings)
    engagement = programme_engagement(programme=programme, user=request.user)  # meetings: engagement at a glance
    agreements = agreement_selectors.agreements_visible_to(request.user).filter(programme=programme)
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
        # Two long tables, each paged on its own (?agreements=, ?providers=), keeping the year and the other's page.
        "agreements": paginate(request, agreements, param="agreements", anchor="agreements"),
        "engagement": engagement,
        "engagement_page": paginate(request, engagement.providers, param="providers", anchor="engagement-table")
        if engagement
        else None,
        "events": events_for(programme)[:20],
        "history": history_rows(programme.history.all(), 10),
        "can_manage": request.user.has_perm("funding.manage_programme"),
        "monitoring_settings": monitoring,
        "amber_percent": percent_text(monitoring.amber_within),
        "can_budget": request.user.has_perm("funding.manage_budget"),
        "can_allocate": request.user.has_perm("funding.manage_allocations"),
        "can_extend": request.user.has_perm("funding.manage_agreement"),
        "money_downloads": {
            table: exports.download_links(request, "hub:programme-money-export", programme.slug, table)
            for table in programme_selectors.MONEY_TABLES
        },
    }
    return render(request, "hub/programme_detail.html", context)
