"""Payment pages: an agreement's schedule for a year, recording a payment, the payments list."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.text import slugify
from django.views.decorators.http import require_http_methods

from vcsgrants.core import exports
from vcsgrants.core.concurrency import form_token
from vcsgrants.core.forms import apply_validation_error
from vcsgrants.core.models import FinancialYear
from vcsgrants.core.money import long_date
from vcsgrants.core.pagination import paginate
from vcsgrants.core.permissions import require
from vcsgrants.core.years import year_from_label
from vcsgrants.funding.forms import payments as forms
from vcsgrants.funding.models import (
    ZERO,
    MoneySum,
    PaymentInstalment,
    PaymentRun,
)
from vcsgrants.funding.selectors import agreements as selectors
from vcsgrants.funding.selectors import payments as payment_selectors
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
            return redirect(_payments_back(request) or agreement)
    return render(
        request,
        "funding/payment_form.html",
        {
            "form": form,
            "earlier": earlier,
            "submit_label": "Record payment",
            "page_title": f"Record a payment: {agreement.reference}, instalment due {long_date(instalment.due_date)}",
            "back": _payments_back(request) or agreement.get_absolute_url(),
        },
    )


def _payments_back(request) -> str | None:
    """The payments list the user came from (?next=), when a payment is recorded from it; else None."""
    target = request.GET.get("next", "")
    listing = reverse("funding:payment-list")
    if target.startswith(listing) and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return None


# The old ?status= links (before the views had names of their own).
_STATUS_VIEWS = {"due": "due", "overdue": "overdue", "paid": "paid", "scheduled": "later", "": "due"}


def _listed(request) -> payment_selectors.PaymentListPage:
    """The payments list in the view (?view=, or the old ?status=) and year (?year=) the request asks for."""
    view = request.GET.get("view") or _STATUS_VIEWS.get(request.GET.get("status", ""), "due")
    year_label = request.GET.get("year", "")
    year = year_from_label(year_label) if year_label else None
    return payment_selectors.payment_list(view=view, year=year)


def _payment_list_page(request, *, form=None, earlier=None, ticked=(), status=200):
    page = _listed(request)
    year_label = request.GET.get("year", "")
    can_record = request.user.has_perm("funding.record_payment")
    if can_record and form is None:
        form = forms.PaymentRunForm(initial={"paid_on": dt.date.today()})
    query = request.GET.urlencode()
    # The instalments shown: a page of them (the totals above and the downloads are every row's).
    shown = paginate(request, page.keys, PAYMENTS_PER_PAGE, anchor="payments-table")
    return render(
        request,
        "funding/payment_list.html",
        {
            "page": page,
            "shown": shown,
            "shown_rows": payment_selectors.listed_rows(shown.object_list),
            "views": payment_selectors.VIEWS,
            "years": FinancialYear.objects.filter(start_year__in=_instalment_years()).order_by("-start_year"),
            "year_label": year_label,
            "form": form if can_record else None,
            "earlier": earlier,
            "ticked": {str(t) for t in ticked},
            "here": request.path + (f"?{query}" if query else ""),
            "run_action": reverse("funding:payment-run-create") + (f"?{query}" if query else ""),
            "page_title": f"Payments: {payment_selectors.VIEWS[page.view].lower()}",
            "downloads": exports.download_links(request, "funding:payment-list-export"),
        },
        status=status,
    )


# Instalments on a page of the list: a payment run ticks them one page at a time.
PAYMENTS_PER_PAGE = 100


def _instalment_years():
    return PaymentInstalment.objects.values_list("financial_year__start_year", flat=True).distinct()


def payment_list(request):
    require(request.user, "funding.view_payment_list")
    return _payment_list_page(request)


def payment_list_export(request, fmt):
    """The payments list (with the page's ?view= and ?year=) as CSV or XLSX, its totals as the page's."""
    require(request.user, "funding.view_payment_list")
    page = _listed(request)
    filename = f"payments-{page.view}" + (f"-{page.year.label}" if page.year else "")
    return exports.download(
        fmt, filename, payment_selectors.LIST_HEADERS, payment_selectors.payment_list_rows(page), sheet_title="Payments"
    )


@require_http_methods(["GET", "POST"])
def payment_run_create(request):
    """The payments list with its payment-run form (GET); recording the ticked instalments as one run (POST)."""
    require(request.user, "funding.record_payment")
    if request.method == "GET":
        return _payment_list_page(request)
    form = forms.PaymentRunForm(request.POST)
    ticked = request.POST.getlist("instalment")
    if not form.is_valid():
        return _payment_list_page(request, form=form, ticked=ticked)
    try:
        run = services.payment_run_record(
            instalment_ids=[int(t) for t in ticked if t.isdigit()],
            paid_on=form.cleaned_data["paid_on"],
            reference=form.cleaned_data["reference"],
            actor=request.user,
            confirm_duplicate_reference=bool(form.cleaned_data.get("confirm_duplicate_reference")),
        )
    except services.DuplicateRunReference as exc:
        form = forms.PaymentRunForm(request.POST, duplicate_warned=True)
        form.is_valid()
        apply_validation_error(form, exc)
        return _payment_list_page(request, form=form, earlier=exc.earlier, ticked=ticked)
    except ValidationError as exc:
        apply_validation_error(form, exc)
        return _payment_list_page(request, form=form, ticked=ticked)
    messages.success(request, f"Payment run {run.reference} recorded: download its file for the finance system below.")
    return redirect(run)


def payment_run_list(request):
    require(request.user, "funding.view_payment_list")
    return render(
        request,
        "funding/payment_run_list.html",
        {"runs": payment_selectors.payment_runs(), "page_title": "Payment runs"},
    )


def _run_or_404(request, pk) -> PaymentRun:
    require(request.user, "funding.view_payment_list")
    return get_object_or_404(PaymentRun.objects.select_related("recorded_by"), pk=pk)


def payment_run_detail(request, pk):
    run = _run_or_404(request, pk)
    lines = payment_selectors.payment_run_lines(run)
    payments = run.payments.select_related("instalment__agreement__organisation").order_by(
        "instalment__agreement__reference", "instalment__due_date", "id"
    )
    return render(
        request,
        "funding/payment_run_detail.html",
        {
            "run": run,
            "payments": payments,
            "lines": lines,
            "total": sum((p.amount for p in payments), ZERO),
            "lines_total": sum((line.amount for line in lines), ZERO),
            "missing_supplier": sorted({line.organisation for line in lines if not line.supplier_reference}),
            "missing_coding": sorted(
                {line.stream or "(no stream)" for line in lines if not (line.cost_centre and line.account_code)}
            ),
            "page_title": str(run),
        },
    )


def payment_run_download(request, pk, fmt):
    run = _run_or_404(request, pk)
    if fmt not in exports.FORMATS:
        raise Http404("Download a payment run as csv or xlsx.")
    rows = payment_selectors.run_file_rows(run, payment_selectors.payment_run_lines(run))
    filename = "payment-run-" + slugify(run.reference or str(run.pk))
    if fmt == "csv":  # for the finance system's import: no byte-order mark (see docs/operations/payment-runs.md)
        response = HttpResponse(exports.csv_text(payment_selectors.FILE_HEADERS, rows), content_type=exports.CSV_TYPE)
        response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
        return response
    return exports.response(fmt, filename, payment_selectors.FILE_HEADERS, rows, sheet_title="Payment run")
