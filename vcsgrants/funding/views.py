"""Thin views: check permission, hand the form's data to a service or selector, render."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from vcsgrants.core import uploads
from vcsgrants.core.audit import events_for
from vcsgrants.core.forms import apply_validation_error
from vcsgrants.core.history import history_rows
from vcsgrants.core.models import Area
from vcsgrants.core.money import long_date
from vcsgrants.core.permissions import require
from vcsgrants.core.years import year_from_form, year_from_label
from vcsgrants.funding import forms, selectors, services
from vcsgrants.funding.cofunding import SHARE_RULE
from vcsgrants.funding.models import (
    Agreement,
    AgreementDocument,
    Allocation,
    Decision,
    FundingStream,
    MoneySum,
    PaymentInstalment,
    Programme,
    StreamBudget,
)
from vcsgrants.funding.partners import agreement_funders
from vcsgrants.funding.selectors_multiyear import agreement_multiyear

# --- Programmes ---------------------------------------------------------------------


def programme_list(request):
    require(request.user, "funding.view_programme_list")
    programmes = selectors.programmes_visible_to(request.user).prefetch_related("streams__funder")
    return render(request, "funding/programme_list.html", {"programmes": programmes, "page_title": "Programmes"})


@require_http_methods(["GET", "POST"])
def period_create(request, slug):
    programme = get_object_or_404(Programme, slug=slug)
    require(request.user, "funding.manage_programme", programme)
    form = forms.PeriodForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.period_record(programme=programme, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, "Period recorded.")
            return redirect(programme)
    return render(
        request,
        "core/form_page.html",
        {"form": form, "page_title": f"Record a period: {programme}", "back": programme.get_absolute_url()},
    )


@require_http_methods(["GET", "POST"])
def stream_edit(request, slug, pk=None):
    programme = get_object_or_404(Programme, slug=slug)
    require(request.user, "funding.manage_programme", programme)
    stream = get_object_or_404(FundingStream, pk=pk, programme=programme) if pk else FundingStream(programme=programme)
    form = forms.StreamForm(request.POST or None, instance=stream)
    if request.method == "POST" and form.is_valid():
        try:
            services.stream_save(stream=form.save(commit=False), actor=request.user)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, f"Funding stream {stream} saved.")
            return redirect(programme)
    title = f"Edit {stream}" if pk else f"Add a funding stream to {programme}"
    return render(request, "core/form_page.html", {"form": form, "page_title": title, "back": programme.get_absolute_url()})


@require_http_methods(["GET", "POST"])
def budget_set(request, slug, pk):
    programme = get_object_or_404(Programme, slug=slug)
    stream = get_object_or_404(FundingStream, pk=pk, programme=programme)
    require(request.user, "funding.manage_budget", programme)
    form = forms.BudgetForm(request.POST or None, initial={"financial_year": request.GET.get("year", "")})
    if request.method == "POST" and form.is_valid():
        year = year_from_form(form)
        if year is not None:
            try:
                services.budget_set(stream=stream, year=year, amount=form.cleaned_data["amount"], actor=request.user)
            except ValidationError as exc:
                apply_validation_error(form, exc)
            else:
                messages.success(request, f"Budget for {stream} in {year} saved.")
                return redirect(f"{programme.get_absolute_url()}?year={year.label}")
    budgets = stream.budgets.select_related("financial_year")
    return render(
        request,
        "funding/budget_form.html",
        {"form": form, "stream": stream, "programme": programme, "budgets": budgets, "page_title": f"Set a budget: {stream}"},
    )


@require_http_methods(["GET", "POST"])
def allocations_edit(request, slug, pk):
    programme = get_object_or_404(Programme, slug=slug)
    stream = get_object_or_404(FundingStream, pk=pk, programme=programme)
    require(request.user, "funding.manage_allocations", programme)
    year = year_from_label(request.GET.get("year"))
    areas = list(Area.objects.all())
    current = {a.area_id: a.amount for a in Allocation.objects.filter(stream=stream, financial_year=year)}
    committed = {
        row["area_id"]: row["t"]
        for row in stream.funding_lines.filter(financial_year=year).values("area_id").annotate(t=MoneySum("amount"))
    }
    form_class = forms.allocation_form_class(areas)
    form = form_class(request.POST or None, initial={f"area_{a.pk}": current.get(a.pk) for a in areas})
    budget = StreamBudget.objects.filter(stream=stream, financial_year=year).first()
    if request.method == "POST" and form.is_valid():
        amounts = {a: form.cleaned_data[f"area_{a.pk}"] or services.ZERO for a in areas}
        try:
            services.allocations_set(stream=stream, year=year, amounts=amounts, actor=request.user)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, f"Allocations from {stream} for {year} saved.")
            return redirect(f"{programme.get_absolute_url()}?year={year.label}")
    rows = [(form[f"area_{a.pk}"], a, committed.get(a.pk, services.ZERO)) for a in areas]
    return render(
        request,
        "funding/allocations_form.html",
        {
            "form": form,
            "rows": rows,
            "stream": stream,
            "programme": programme,
            "year": year,
            "budget": budget,
            "page_title": f"District allocations: {stream}, {year}",
        },
    )


@require_http_methods(["GET", "POST"])
def bulk_extension(request, slug):
    """Step 1 chooses the year; step 2 previews; confirming writes every variation at once."""
    programme = get_object_or_404(Programme, slug=slug)
    require(request.user, "funding.manage_agreement", programme)
    label = request.POST.get("financial_year") or request.GET.get("financial_year")
    year_form = forms.BulkExtensionForm(request.GET if "financial_year" in request.GET else None)
    preview = None
    approval = forms.ApprovalForm(request.POST if request.method == "POST" else None)
    if label:
        chooser = forms.BulkExtensionForm({"financial_year": label})
        year = year_from_form(chooser) if chooser.is_valid() else None
        if year is None:
            year_form = chooser
        else:
            preview = services.bulk_extension_preview(programme=programme, year=year)
            if request.method == "POST" and approval.is_valid():
                try:
                    variations = services.bulk_extension_apply(
                        programme=programme,
                        year=year,
                        actor=request.user,
                        expected_total=_decimal(request.POST.get("expected_total")),
                        **approval.cleaned_data,
                    )
                except ValidationError as exc:
                    apply_validation_error(approval, exc)
                else:
                    messages.success(
                        request,
                        f"Extended {len(variations)} agreements to 31 March {year.start_year + 1}: total £{preview.total:,.2f}.",
                    )
                    return redirect(f"{programme.get_absolute_url()}?year={year.label}")
            if request.method == "GET":
                decision = Decision.objects.filter(pk=_int(request.GET.get("decision"))).first()
                approval = forms.ApprovalForm(
                    initial={
                        "reason": f"Extend all grants at current levels for {year}, excluding one-off funding",
                        "approved_by": decision.meeting if decision else "Cabinet",
                        "approved_on": decision.decision_date if decision else None,
                        "decision": decision,
                    }
                )
    return render(
        request,
        "funding/bulk_extension.html",
        {
            "programme": programme,
            "year_form": year_form,
            "preview": preview,
            "approval": approval,
            "page_title": f"Extend agreements at current levels: {programme}",
        },
    )


def _decimal(value: str | None) -> Decimal | None:
    try:
        return Decimal(value) if value else None
    except InvalidOperation:
        return None


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


# --- Agreements ---------------------------------------------------------------------


def agreement_list(request):
    require(request.user, "funding.view_agreement_list")
    agreements = selectors.agreements_visible_to(request.user)
    status = request.GET.get("status")
    if status in Agreement.Status.values:
        agreements = agreements.filter(status=status)
    programme = request.GET.get("programme")
    if programme:
        agreements = agreements.filter(programme__slug=programme)
    return render(
        request,
        "funding/agreement_list.html",
        {
            "agreements": agreements,
            "statuses": Agreement.Status.choices,
            "status": status,
            "page_title": "Agreements",
            "can_create": request.user.has_perm("funding.manage_agreement"),
        },
    )


def _agreement(request, pk, perm="funding.view_agreement") -> Agreement:
    agreement = get_object_or_404(Agreement.objects.select_related("programme", "organisation", "created_by"), pk=pk)
    require(request.user, perm, agreement)
    return agreement


def agreement_detail(request, pk):
    agreement = _agreement(request, pk)
    user = request.user
    terms = selectors.agreement_terms(agreement)
    context = {
        "agreement": agreement,
        "page_title": f"{agreement.reference}: {agreement.organisation}",
        "terms": terms,
        "multiyear": agreement_multiyear(agreement, dict(terms["value_by_year"])),
        "funders": agreement_funders(agreement),
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
    agreement = _agreement(request, pk, "funding.manage_agreement")
    if agreement.status != Agreement.Status.DRAFT:
        return _to_variation(request, agreement, "change it")
    form = forms.AgreementEditForm(request.POST or None, instance=agreement)
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
    agreement = _agreement(request, pk, "funding.manage_agreement")
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
    agreement = _agreement(request, pk, "funding.manage_agreement")
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
    agreement = _agreement(request, pk, "funding.manage_agreement")
    posted = request.POST if request.method == "POST" else None
    form = forms.VariationForm(posted)
    line_form = forms.FundingLineForm(posted, agreement=agreement, allow_negative=True, optional=True, prefix="line")
    if request.method == "POST" and form.is_valid() and line_form.is_valid():
        lines = []
        ld = line_form.cleaned_data
        if ld.get("amount"):
            if not all(ld.get(n) for n in ("stream", "financial_year", "area")):
                line_form.add_error(None, "Choose the stream, year and district for the money.")
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
def schedule_edit(request, pk, year_label):
    agreement = _agreement(request, pk, "funding.manage_schedule")
    year = year_from_label(year_label)
    existing = agreement.instalments.filter(financial_year=year)
    initial = [{"due_date": i.due_date, "amount": i.amount} for i in existing]
    formset = forms.InstalmentFormSet(request.POST or None, initial=initial)
    error = None
    if request.method == "POST" and formset.is_valid():
        rows = [
            (f.cleaned_data["due_date"], f.cleaned_data["amount"])
            for f in formset
            if f.cleaned_data.get("due_date") and f.cleaned_data.get("amount") is not None
        ]
        try:
            services.schedule_replace(agreement=agreement, year=year, instalments=rows, actor=request.user)
        except ValidationError as exc:
            error = exc.messages
        else:
            messages.success(request, f"Payment schedule for {year} saved.")
            return redirect(agreement)
    return render(
        request,
        "funding/schedule_form.html",
        {
            "formset": formset,
            "agreement": agreement,
            "year": year,
            "value": agreement.value_for(year),
            "errors": error,
            "page_title": f"Payment schedule {year}: {agreement.reference}",
        },
    )


@require_http_methods(["GET", "POST"])
def payment_record(request, pk, instalment_pk):
    agreement = _agreement(request, pk, "funding.record_payment")
    instalment = get_object_or_404(PaymentInstalment, pk=instalment_pk, agreement=agreement)
    form = forms.PaymentForm(
        request.POST or None,
        initial={
            "paid_on": dt.date.today(),
            "amount": instalment.amount - (instalment.payments.aggregate(t=MoneySum("amount"))["t"] or 0),
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.payment_record(instalment=instalment, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, "Payment recorded.")
            return redirect(agreement)
    return render(
        request,
        "core/form_page.html",
        {
            "form": form,
            "page_title": f"Record a payment: {agreement.reference}, instalment due {long_date(instalment.due_date)}",
            "back": agreement.get_absolute_url(),
        },
    )


def payment_list(request):
    require(request.user, "funding.view_payment_list")
    status = request.GET.get("status", "")
    rows = selectors.instalment_rows(PaymentInstalment.objects.order_by("due_date", "agreement__reference"))
    if status:
        rows = [
            r
            for r in rows
            if r.status.lower().startswith(status.lower()) or (status == "overdue" and "overdue" in r.status.lower())
        ]
    totals = {
        "amount": sum((r.instalment.amount for r in rows), services.ZERO),
        "paid": sum((r.paid for r in rows), services.ZERO),
        "outstanding": sum((r.outstanding for r in rows), services.ZERO),
    }
    return render(
        request,
        "funding/payment_list.html",
        {"rows": rows, "status": status, "totals": totals, "page_title": "Payments: due, paid and overdue"},
    )


# --- Documents ----------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def document_upload(request, pk):
    agreement = _agreement(request, pk, "funding.upload_document")
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
    return uploads.download_response(document.file, document.original_name, document.content_type)


# --- Decisions ----------------------------------------------------------------------


def decision_list(request):
    require(request.user, "funding.view_decision")
    return render(
        request,
        "funding/decision_list.html",
        {
            "decisions": Decision.objects.all(),
            "page_title": "Decisions",
            "can_record": request.user.has_perm("funding.record_decision"),
        },
    )


def decision_detail(request, pk):
    require(request.user, "funding.view_decision")
    decision = get_object_or_404(Decision, pk=pk)
    return render(
        request,
        "funding/decision_detail.html",
        {
            "decision": decision,
            "page_title": decision.title,
            "periods": decision.periods.select_related("programme"),
            "variations": decision.variations.select_related("agreement__organisation"),
            "allocations": decision.allocations.select_related("stream", "area", "financial_year"),
            "extension_links": selectors.decision_extensions(decision)
            if request.user.has_perm("funding.manage_agreement")
            else [],
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
