"""Thin views for the shared outcomes framework and KPI co-design: check permission, hand the form to a service, render."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from vcsgrants.core.concurrency import form_token
from vcsgrants.core.forms import apply_validation_error
from vcsgrants.core.permissions import require
from vcsgrants.funding.models import Programme
from vcsgrants.monitoring import services
from vcsgrants.monitoring.forms.kpis import (
    KpiCommentForm,
    KpiDecideForm,
    KpiProposeForm,
    KpiRefineForm,
    KpiRetireForm,
    OutcomeForm,
)
from vcsgrants.monitoring.models import Kpi, KpiVersion, Outcome

FORM_TEMPLATE = "monitoring/kpis/form_page.html"


def _framework_url(programme: Programme) -> str:
    return reverse("monitoring:framework", args=[programme.slug])


def _kpi(pk: int) -> Kpi:
    return get_object_or_404(
        Kpi.objects.select_related("outcome__programme", "proposed_by", "proposed_by_organisation").prefetch_related("versions"),
        pk=pk,
    )


def framework(request, slug):
    programme = get_object_or_404(Programme, slug=slug)
    require(request.user, "monitoring.view_framework", programme)
    kpis = Kpi.objects.select_related("proposed_by_organisation").prefetch_related("versions")
    outcomes = programme.outcomes.prefetch_related(Prefetch("kpis", queryset=kpis))
    user = request.user
    context = {
        "programme": programme,
        "outcomes": outcomes,
        "page_title": f"Outcomes framework: {programme}",
        "can_manage": user.has_perm("monitoring.manage_framework", programme),
        "can_propose": user.has_perm("monitoring.propose_kpi", programme),
        # A provider may read the framework but not the programme's page: its back link goes home instead.
        "can_view_programme": user.has_perm("funding.view_programme", programme),
    }
    return render(request, "monitoring/kpis/framework.html", context)


@require_http_methods(["GET", "POST"])
def outcome_create(request, slug):
    programme = get_object_or_404(Programme, slug=slug)
    require(request.user, "monitoring.manage_framework", programme)
    form = OutcomeForm(request.POST or None, instance=Outcome(programme=programme))
    if request.method == "POST" and form.is_valid():
        outcome = services.outcome_save(outcome=form.save(commit=False), actor=request.user)
        messages.success(request, f"Outcome “{outcome}” added.")
        return redirect(_framework_url(programme))
    return render(
        request,
        FORM_TEMPLATE,
        {"form": form, "page_title": f"Add an outcome to {programme}", "back": _framework_url(programme), "submit_label": "Add"},
    )


@require_http_methods(["GET", "POST"])
def kpi_propose(request, slug):
    programme = get_object_or_404(Programme, slug=slug)
    require(request.user, "monitoring.propose_kpi", programme)
    initial = {"outcome": request.GET.get("outcome")} if request.GET.get("outcome", "").isdigit() else {}
    form = KpiProposeForm(request.POST or None, programme=programme, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            kpi = services.kpi_propose(
                outcome=form.cleaned_data["outcome"],
                code=form.cleaned_data["code"],
                actor=request.user,
                **form.definition_fields(),
            )
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, f"KPI {kpi.code} proposed. An officer will agree, amend or reject it.")
            return redirect(kpi)
    return render(
        request,
        FORM_TEMPLATE,
        {
            "form": form,
            "programme": programme,
            "no_outcomes": not form.fields["outcome"].queryset.exists(),
            "page_title": f"Propose a KPI for {programme}",
            "back": _framework_url(programme),
            "submit_label": "Propose",
        },
    )


def _detail(request, kpi: Kpi, comment_form: KpiCommentForm | None = None):
    user = request.user
    programme = kpi.outcome.programme
    versions = kpi.versions.select_related("created_by__organisation").annotate(value_count=Count("values")).order_by("number")
    can_comment = user.has_perm("monitoring.comment_kpi", kpi)
    context = {
        "kpi": kpi,
        "programme": programme,
        "current": kpi.current_version,
        "versions": versions,
        "comments": kpi.comments.select_related("author__organisation"),
        "comment_form": (comment_form or KpiCommentForm()) if can_comment else None,
        "can_comment": can_comment,
        "can_manage": user.has_perm("monitoring.manage_framework", kpi),
        "page_title": f"{kpi.code}: {kpi.current_version.name}",
    }
    return render(request, "monitoring/kpis/kpi_detail.html", context)


@require_http_methods(["GET", "POST"])
def kpi_detail(request, pk):
    """The KPI, its versions and its discussion; a comment may be posted here too."""
    if request.method == "POST":
        return kpi_comment(request, pk)
    kpi = _kpi(pk)
    require(request.user, "monitoring.view_framework", kpi.outcome.programme)
    return _detail(request, kpi)


@require_POST
def kpi_comment(request, pk):
    kpi = _kpi(pk)
    require(request.user, "monitoring.comment_kpi", kpi)
    form = KpiCommentForm(request.POST)
    if form.is_valid():
        try:
            services.kpi_comment(kpi=kpi, text=form.cleaned_data["text"], actor=request.user)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, "Comment added.")
            return redirect(f"{kpi.get_absolute_url()}#discussion")
    return _detail(request, kpi, form)


@require_http_methods(["GET", "POST"])
def kpi_decide(request, pk):
    kpi = _kpi(pk)
    require(request.user, "monitoring.manage_framework", kpi)
    form = KpiDecideForm(request.POST or None, initial=KpiDecideForm.initial_from(kpi.current_version))
    if request.method == "POST" and form.is_valid():
        amendments = form.definition_fields() if form.agree else {}
        try:
            services.kpi_decide(kpi=kpi, agree=form.agree, actor=request.user, reason=form.cleaned_data["reason"], **amendments)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, f"KPI {kpi.code} {'agreed' if form.agree else 'rejected'}.")
            return redirect(kpi)
    return _form_page(request, kpi, form, f"Agree or reject {kpi.code}", "Record the decision")


@require_http_methods(["GET", "POST"])
def kpi_refine(request, pk):
    kpi = _kpi(pk)
    require(request.user, "monitoring.manage_framework", kpi)
    initial = {**KpiRefineForm.initial_from(kpi.current_version), "version": form_token(services.kpi_definition_state(kpi))}
    form = KpiRefineForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            version = services.kpi_refine(
                kpi=kpi,
                change_note=form.cleaned_data["change_note"],
                actor=request.user,
                version=form.cleaned_data["version"],
                **form.definition_fields(),
            )
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, f"{kpi.code} refined: version {version.number} is now current.")
            return redirect(kpi)
    return _form_page(request, kpi, form, f"Refine {kpi.code}", "Save as a new version")


@require_http_methods(["GET", "POST"])
def kpi_retire(request, pk):
    kpi = _kpi(pk)
    require(request.user, "monitoring.manage_framework", kpi)
    form = KpiRetireForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.kpi_retire(kpi=kpi, actor=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, f"{kpi.code} retired. It stays in the framework's history.")
            return redirect(kpi)
    return _form_page(request, kpi, form, f"Retire {kpi.code}", "Retire the KPI")


def _form_page(request, kpi: Kpi, form, title: str, submit_label: str):
    current: KpiVersion | None = kpi.current_version
    return render(
        request,
        FORM_TEMPLATE,
        {
            "form": form,
            "kpi": kpi,
            "current": current,
            "page_title": title,
            "back": kpi.get_absolute_url(),
            "submit_label": submit_label,
        },
    )
