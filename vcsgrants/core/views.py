from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from vcsgrants.calls.selectors_apply import applications_for
from vcsgrants.core import services
from vcsgrants.core.audit import events_for
from vcsgrants.core.history import history_rows
from vcsgrants.core.models import AuditEvent, Organisation, Role
from vcsgrants.core.permissions import require
from vcsgrants.engagement.selectors_meetings import organisation_engagement
from vcsgrants.funding import selectors
from vcsgrants.funding.forms import OrganisationForm
from vcsgrants.monitoring.selectors import overdue_returns


def healthz(request):
    return HttpResponse("ok", content_type="text/plain")


def home(request):
    user = request.user
    context = {
        "page_title": "Home",
        "programmes": selectors.programmes_visible_to(user) if user.has_perm("funding.view_programme_list") else [],
        "agreements": selectors.agreements_visible_to(user)[:50] if user.has_perm("funding.view_agreement_list") else [],
        # Applicants (and providers) see their organisation's applications to calls for funding.
        "applications": list(applications_for(user)[:10]) if user.has_perm("calls.apply") else [],
        # A provider's returns that are late or queried: what they need to do first.
        "returns_to_do": (
            overdue_returns(timezone.localdate(), organisation_id=user.organisation_id)
            if user.has_role(Role.PROVIDER) and user.organisation_id
            else []
        ),
    }
    return render(request, "core/home.html", context)


def organisation_list(request):
    require(request.user, "core.view_organisation_list")
    organisations = Organisation.objects.select_related("successor", "parent")
    kind = request.GET.get("kind")
    if kind in Organisation.Kind.values:
        organisations = organisations.filter(kind=kind)
    return render(
        request,
        "core/organisation_list.html",
        {
            "organisations": organisations,
            "kinds": Organisation.Kind.choices,
            "kind": kind,
            "page_title": "Organisations",
            "can_manage": request.user.has_perm("core.manage_organisation"),
        },
    )


def organisation_detail(request, pk):
    organisation = get_object_or_404(Organisation.objects.select_related("successor", "parent"), pk=pk)
    require(request.user, "core.view_organisation", organisation)
    agreements = selectors.agreements_visible_to(request.user).filter(organisation=organisation)
    return render(
        request,
        "core/organisation_detail.html",
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


@require_http_methods(["GET", "POST"])
def organisation_edit(request, pk=None):
    require(request.user, "core.manage_organisation")
    organisation = get_object_or_404(Organisation, pk=pk) if pk else Organisation()
    form = OrganisationForm(request.POST or None, instance=organisation)
    if request.method == "POST" and form.is_valid():
        organisation = services.organisation_save(organisation=form.save(commit=False), actor=request.user)
        messages.success(request, f"{organisation} saved.")
        return redirect(organisation)
    title = f"Edit {organisation}" if pk else "Add an organisation"
    return render(request, "funding/form_page.html", {"form": form, "page_title": title, "back": "/organisations/"})


def audit_log(request):
    require(request.user, "core.view_audit")
    events = AuditEvent.objects.select_related("actor")
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    return render(request, "core/audit_log.html", {"page": page, "page_title": "Audit log"})
