"""Agreement pages: the list, the agreement, its terms, variations, status and documents."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from vcsgrants.core import downloads, exports
from vcsgrants.core.audit import events_for
from vcsgrants.core.concurrency import form_token
from vcsgrants.core.council import area_word
from vcsgrants.core.forms import apply_validation_error
from vcsgrants.core.history import history_rows
from vcsgrants.core.pagination import paginate
from vcsgrants.core.permissions import require
from vcsgrants.funding.cofunding import SHARE_RULE
from vcsgrants.funding.forms import agreements as forms
from vcsgrants.funding.models import (
    Agreement,
    AgreementDocument,
    Programme,
)
from vcsgrants.funding.selectors import agreements as selectors
from vcsgrants.funding.selectors.multiyear import agreement_multiyear
from vcsgrants.funding.selectors.partners import agreement_funders
from vcsgrants.funding.services import agreements as services

# --- Programmes ---------------------------------------------------------------------


def _listed(request):
    return selectors.agreement_list_filtered(
        request.user,
        status=request.GET.get("status"),
        programme=request.GET.get("programme"),
        search=request.GET.get("q", "").strip(),
    )


def agreement_list(request):
    """A page of the agreements the user may see (50 to a page), filtered by status and found by reference or name."""
    require(request.user, "funding.view_agreement_list")
    status = request.GET.get("status")
    page = paginate(request, _listed(request))
    return render(
        request,
        "funding/agreement_list.html",
        {
            "agreements": page.object_list,
            "page": page,
            "search": request.GET.get("q", "").strip(),
            "programme": request.GET.get("programme", ""),
            "statuses": Agreement.Status.choices,
            "status": status,
            "page_title": "Agreements",
            "can_create": request.user.has_perm("funding.manage_agreement"),
            "downloads": exports.download_links(request, "funding:agreement-list-export"),
        },
    )


def agreement_list_export(request, fmt):
    """The agreements list (with the page's filters) as CSV or XLSX."""
    require(request.user, "funding.view_agreement_list")
    agreements = _listed(request)
    headers, rows = selectors.agreement_list_table(agreements)
    return exports.download(fmt, "agreements", headers, rows, sheet_title="Agreements")


def agreement_or_404(request, pk, perm="funding.view_agreement") -> Agreement:
    """The agreement in the path, if the user has the permission on it (the payment pages use it too)."""
    agreement = get_object_or_404(Agreement.objects.select_related("programme", "organisation", "created_by"), pk=pk)
    require(request.user, perm, agreement)
    return agreement


def agreement_detail(request, pk):
    agreement = agreement_or_404(request, pk)
    user = request.user
    terms = selectors.agreement_terms(agreement)
    context = {
        "agreement": agreement,
        "page_title": f"{agreement.reference}: {agreement.organisation}",
        "terms": terms,
        "multiyear": agreement_multiyear(agreement, dict(terms["value_by_year"])),
        "funders": agreement_funders(
            agreement, pairs={(line["stream"].pk, line["financial_year"].pk) for line in terms["current_lines"]}
        ),
        "share_rule": SHARE_RULE,
        "areas": agreement.areas.all(),
        "can_manage": user.has_perm("funding.manage_agreement", agreement),
        "can_see_organisation": user.has_perm("core.view_organisation", agreement.organisation),
        "can_schedule": user.has_perm("funding.manage_schedule", agreement),
        "can_pay": user.has_perm("funding.record_payment", agreement),
        "can_see_payments": user.has_perm("funding.view_payments", agreement),
        "can_see_documents": user.has_perm("funding.view_documents", agreement),
        "can_upload": user.has_perm("funding.upload_document", agreement),
        "events": events_for(agreement)[:50],
        "history": history_rows(agreement.history.all()),
    }
    if context["can_see_payments"]:
        context["instalments"] = selectors.instalment_rows(agreement.instalments.all())
    if context["can_see_documents"]:
        context["documents"] = agreement.documents.select_related("uploaded_by")
    return render(request, "funding/agreement_detail.html", context)


@require_http_methods(["GET", "POST"])
def agreement_create(request):
    require(request.user, "funding.manage_agreement")
    form = forms.AgreementForm(request.POST or None, initial={"programme": Programme.objects.first()})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            agreement = services.agreement_create(
                programme=data["programme"],
                organisation=data["organisation"],
                areas=list(data["areas"]),
                title=data["title"],
                start_date=data["start_date"],
                end_date=data["end_date"],
                actor=request.user,
            )
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, f"Draft agreement {agreement.reference} created: now add its funding.")
            return redirect(agreement)
    return render(
        request,
        "core/form_page.html",
        {"form": form, "page_title": "New agreement (SLA)", "back": reverse("funding:agreement-list")},
    )


def _to_variation(request, agreement: Agreement, what: str):
    """Only a draft's own terms change in place; an active or ended agreement changes by variation."""
    messages.info(request, f"{agreement.reference} is {agreement.get_status_display().lower()}: {what} with a variation.")
    return redirect("funding:variation-create", pk=agreement.pk)


@require_http_methods(["GET", "POST"])
def agreement_edit(request, pk):
    agreement = agreement_or_404(request, pk, "funding.manage_agreement")
    if agreement.status != Agreement.Status.DRAFT:
        return _to_variation(request, agreement, "change it")
    version = form_token(selectors.agreement_state(agreement))
    form = forms.AgreementEditForm(request.POST or None, instance=agreement, initial={"version": version})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.agreement_update_draft(
                agreement=Agreement.objects.get(pk=agreement.pk),
                actor=request.user,
                title=data["title"],
                start_date=data["start_date"],
                end_date=data["end_date"],
                areas=list(data["areas"]),
                version=data["version"],
            )
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, "Agreement saved.")
            return redirect(agreement)
    return render(
        request,
        "core/form_page.html",
        {"form": form, "page_title": f"Edit {agreement.reference}", "back": agreement.get_absolute_url()},
    )


@require_http_methods(["GET", "POST"])
def agreement_add_line(request, pk):
    agreement = agreement_or_404(request, pk, "funding.manage_agreement")
    if agreement.status != Agreement.Status.DRAFT:
        return _to_variation(request, agreement, "add money")
    form = forms.FundingLineForm(request.POST or None, agreement=agreement)
    if request.method == "POST" and form.is_valid():
        line = services.LineInput(**form.cleaned_data)
        try:
            services.agreement_add_lines(agreement=agreement, lines=[line], actor=request.user)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, "Funding added.")
            return redirect(agreement)
    return render(
        request,
        "core/form_page.html",
        {"form": form, "page_title": f"Add funding to {agreement.reference}", "back": agreement.get_absolute_url()},
    )


@require_http_methods(["GET", "POST"])
def agreement_status(request, pk):
    agreement = agreement_or_404(request, pk, "funding.manage_agreement")
    form = forms.StatusForm(request.POST or None, initial={"status": agreement.status})
    if request.method == "POST" and form.is_valid():
        try:
            services.agreement_set_status(agreement=agreement, status=form.cleaned_data["status"], actor=request.user)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, f"{agreement.reference} is now {agreement.get_status_display().lower()}.")
            return redirect(agreement)
    return render(
        request,
        "core/form_page.html",
        {"form": form, "page_title": f"Change the status of {agreement.reference}", "back": agreement.get_absolute_url()},
    )


@require_http_methods(["GET", "POST"])
def variation_create(request, pk):
    agreement = agreement_or_404(request, pk, "funding.manage_agreement")
    posted = request.POST if request.method == "POST" else None
    form = forms.VariationForm(posted)
    line_form = forms.FundingLineForm(posted, agreement=agreement, allow_negative=True, optional=True, prefix="line")
    if request.method == "POST" and form.is_valid() and line_form.is_valid():
        lines = []
        ld = line_form.cleaned_data
        if ld.get("amount"):
            if not all(ld.get(n) for n in ("stream", "financial_year", "area")):
                line_form.add_error(None, f"Choose the stream, year and {area_word()} for the money.")
            else:
                lines.append(services.LineInput(ld["stream"], ld["financial_year"], ld["area"], ld["amount"]))
        if not line_form.errors:
            try:
                services.variation_create(agreement=agreement, actor=request.user, lines=lines, **form.cleaned_data)
            except ValidationError as exc:
                apply_validation_error(form, exc)
            else:
                messages.success(request, "Variation recorded.")
                return redirect(agreement)
    return render(
        request,
        "funding/variation_form.html",
        {
            "form": form,
            "line_form": line_form,
            "agreement": agreement,
            "current_end": agreement.current_end_date,
            "page_title": f"Vary {agreement.reference}",
        },
    )


@require_http_methods(["GET", "POST"])
def document_upload(request, pk):
    agreement = agreement_or_404(request, pk, "funding.upload_document")
    form = forms.DocumentForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.document_upload(
                agreement=agreement, title=form.cleaned_data["title"], upload=form.cleaned_data["file"], actor=request.user
            )
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, "Document uploaded.")
            return redirect(agreement)
    return render(
        request,
        "core/form_page.html",
        {
            "form": form,
            "multipart": True,
            "page_title": f"Upload a document: {agreement.reference}",
            "back": agreement.get_absolute_url(),
        },
    )


def document_download(request, pk):
    document = get_object_or_404(AgreementDocument.objects.select_related("agreement"), pk=pk)
    require(request.user, "funding.view_documents", document.agreement)
    return downloads.stored_file_response(document.file, document.original_name, document.content_type)
