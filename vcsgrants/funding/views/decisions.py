"""Decision pages: the list, a decision, recording one."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from vcsgrants.core import exports
from vcsgrants.core.permissions import require
from vcsgrants.funding.forms import programmes as forms
from vcsgrants.funding.models import (
    Decision,
)
from vcsgrants.funding.selectors import decisions as decision_selectors
from vcsgrants.funding.services import programmes as services

# --- Programmes ---------------------------------------------------------------------


def decision_list(request):
    require(request.user, "funding.view_decision")
    return render(
        request,
        "funding/decision_list.html",
        {
            "decisions": Decision.objects.all(),
            "page_title": "Decisions",
            "can_record": request.user.has_perm("funding.record_decision"),
            "downloads": exports.download_links(request, "funding:decision-list-export"),
        },
    )


def decision_list_export(request, fmt):
    """The decisions list as CSV or XLSX."""
    require(request.user, "funding.view_decision")
    rows = decision_selectors.decision_list_rows(Decision.objects.all())
    return exports.download(fmt, "decisions", decision_selectors.DECISION_LIST_HEADERS, rows, sheet_title="Decisions")


def decision_detail(request, pk):
    require(request.user, "funding.view_decision")
    decision = get_object_or_404(Decision, pk=pk)
    extensions = (
        decision_selectors.decision_extension_status(decision) if request.user.has_perm("funding.manage_agreement") else []
    )
    return render(
        request,
        "funding/decision_detail.html",
        {
            "decision": decision,
            "page_title": decision.title,
            "periods": decision.periods.select_related("programme"),
            "variations": decision.variations.select_related("agreement__organisation"),
            "allocations": decision.allocations.select_related("stream", "area", "financial_year"),
            "extensions_to_apply": [e for e in extensions if not e.applied],
            "extensions_applied": [e for e in extensions if e.applied],
        },
    )


@require_http_methods(["GET", "POST"])
def decision_create(request):
    require(request.user, "funding.record_decision")
    form = forms.DecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        decision = services.decision_record(decision=form.save(commit=False), actor=request.user)
        messages.success(request, "Decision recorded.")
        return redirect(decision)
    return render(
        request,
        "core/form_page.html",
        {"form": form, "page_title": "Record a decision", "back": reverse("funding:decision-list")},
    )
