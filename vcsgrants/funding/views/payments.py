"""Payment pages: an agreement's schedule for a year, recording a payment, the payments list."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from vcsgrants.core.concurrency import form_token
from vcsgrants.core.forms import apply_validation_error
from vcsgrants.core.money import long_date
from vcsgrants.core.permissions import require
from vcsgrants.core.years import year_from_label
from vcsgrants.funding.forms import payments as forms
from vcsgrants.funding.models import (
    ZERO,
    MoneySum,
    PaymentInstalment,
)
from vcsgrants.funding.selectors import agreements as selectors
from vcsgrants.funding.services import payments as services
from vcsgrants.funding.views.agreements import agreement_or_404

# --- Programmes ---------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def schedule_edit(request, pk, year_label):
    agreement = agreement_or_404(request, pk, "funding.manage_schedule")
    year = year_from_label(year_label)
    existing = agreement.instalments.filter(financial_year=year)
    initial = [{"due_date": i.due_date, "amount": i.amount} for i in existing]
    formset = forms.InstalmentFormSet(request.POST or None, initial=initial)
    # The schedule as this page showed it (core.concurrency); a refused save keeps the one it was opened with.
    if request.method == "POST":
        version = request.POST.get("version", "")
    else:
        version = form_token(selectors.schedule_state(agreement, year))
    error = None
    if request.method == "POST" and formset.is_valid():
        rows = [
            (f.cleaned_data["due_date"], f.cleaned_data["amount"])
            for f in formset
            if f.cleaned_data.get("due_date") and f.cleaned_data.get("amount") is not None
        ]
        try:
            services.schedule_replace(agreement=agreement, year=year, instalments=rows, actor=request.user, version=version)
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
            "version": version,
            "page_title": f"Payment schedule {year}: {agreement.reference}",
        },
    )


@require_http_methods(["GET", "POST"])
def payment_record(request, pk, instalment_pk):
    agreement = agreement_or_404(request, pk, "funding.record_payment")
    instalment = get_object_or_404(PaymentInstalment, pk=instalment_pk, agreement=agreement)
    form = forms.PaymentForm(
        request.POST or None,
        initial={
            "paid_on": dt.date.today(),
            "amount": instalment.amount - (instalment.payments.aggregate(t=MoneySum("amount"))["t"] or 0),
        },
    )
    earlier = None
    if request.method == "POST" and form.is_valid():
        try:
            services.payment_record(
                instalment=instalment,
                actor=request.user,
                paid_on=form.cleaned_data["paid_on"],
                amount=form.cleaned_data["amount"],
                reference=form.cleaned_data["reference"],
                confirm_duplicate_reference=bool(form.cleaned_data.get("confirm_duplicate_reference")),
            )
        except services.DuplicateReference as exc:
            earlier = exc.earlier
            form = forms.PaymentForm(request.POST, duplicate_warned=True)
            form.is_valid()
            apply_validation_error(form, exc)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, "Payment recorded.")
            return redirect(agreement)
    return render(
        request,
        "funding/payment_form.html",
        {
            "form": form,
            "earlier": earlier,
            "submit_label": "Record payment",
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
        "amount": sum((r.instalment.amount for r in rows), ZERO),
        "paid": sum((r.paid for r in rows), ZERO),
        "outstanding": sum((r.outstanding for r in rows), ZERO),
    }
    return render(
        request,
        "funding/payment_list.html",
        {"rows": rows, "status": status, "totals": totals, "page_title": "Payments: due, paid and overdue"},
    )
