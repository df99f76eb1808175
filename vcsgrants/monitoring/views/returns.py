"""Targets, quarterly returns, their review and the overdue list. Thin views: permission, form, service or selector, render."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from vcsgrants.core import exports
from vcsgrants.core.concurrency import form_token
from vcsgrants.core.forms import apply_validation_error
from vcsgrants.core.models import FinancialYear
from vcsgrants.core.pagination import paginate
from vcsgrants.core.permissions import require
from vcsgrants.core.years import year_from_label
from vcsgrants.funding.models import Agreement
from vcsgrants.monitoring import selectors, services
from vcsgrants.monitoring.forms.returns import ReviewForm, plain_number, return_form, targets_form, targets_initial
from vcsgrants.monitoring.models import Kpi, KpiTarget, Return, ReturnEvent


def _agreement(request, pk: int, perm: str = "funding.view_agreement") -> Agreement:
    agreement = get_object_or_404(Agreement.objects.select_related("programme", "organisation"), pk=pk)
    require(request.user, perm, agreement)
    return agreement


def _unavailable(request, agreement: Agreement, message: str):
    """The service's reason a page does not exist (a year or quarter outside the agreement), as a 404."""
    return render(
        request,
        "monitoring/returns/unavailable.html",
        {"agreement": agreement, "message": message, "page_title": "Not part of this agreement"},
        status=404,
    )


def _year_outside(agreement: Agreement, year: FinancialYear) -> str | None:
    if year.end < agreement.start_date or year.start > agreement.current_end_date:
        return f"{agreement.reference} does not run in {year}."
    return None


# --- Targets -------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def targets_edit(request, pk, year_label):
    agreement = _agreement(request, pk, "monitoring.manage_targets")
    year = year_from_label(year_label)
    if outside := _year_outside(agreement, year):
        return _unavailable(request, agreement, outside)
    kpis = list(
        Kpi.objects.filter(outcome__programme=agreement.programme, status=Kpi.Status.AGREED)
        .select_related("outcome")
        .prefetch_related("versions")
        .order_by("outcome__order", "outcome_id", "code")
    )
    existing = KpiTarget.objects.filter(agreement=agreement, financial_year=year)
    initial = {**targets_initial(existing), "version": form_token(services.targets_state(agreement, year))}
    form = targets_form(request.POST or None, kpis=kpis, initial=initial)
    if request.method == "POST" and form.is_valid():
        rows = form.filled_rows()
        if not form.errors:
            try:
                services.targets_set(
                    agreement=agreement, year=year, rows=rows, actor=request.user, version=form.cleaned_data["version"]
                )
            except ValidationError as exc:
                apply_validation_error(form, exc)
            else:
                messages.success(request, f"Targets for {year} saved for {len(rows)} KPIs.")
                return redirect(f"{reverse('monitoring:agreement-monitoring', args=[agreement.pk])}?year={year.label}")
    return render(
        request,
        "monitoring/returns/targets_form.html",
        {
            "agreement": agreement,
            "year": year,
            "form": form,
            "years": selectors.agreement_years(agreement),
            "page_title": f"KPI targets {year}: {agreement.reference}",
        },
    )


def _percent(thresholds) -> str:
    return selectors.format_kpi_value(thresholds.amber_within * 100, "percent")


# --- Agreement monitoring ------------------------------------------------------------------


def _default_quarter(quarter_years: list[selectors.YearQuarters], today: dt.date) -> selectors.QuarterRow | None:
    """The latest quarter with a return in; else the latest quarter ended; else the agreement's first quarter."""
    quarters = [q for y in quarter_years for q in y.quarters if q.in_agreement]
    reported = [q for q in quarters if q.status in selectors.REPORTED_STATUSES]
    if reported:
        return reported[-1]
    ended = [q for q in quarters if q.quarter_end < today]
    if ended:
        return ended[-1]
    return quarters[0] if quarters else None


def agreement_monitoring(request, pk):
    agreement = _agreement(request, pk)
    user, today = request.user, dt.date.today()
    settings = selectors.monitoring_settings_for(agreement.programme)  # read once: due dates and the amber band
    quarter_years = selectors.agreement_quarters(agreement, today, settings)
    chosen = _default_quarter(quarter_years, today)
    if request.GET.get("year"):
        label, quarter = request.GET["year"], request.GET.get("quarter", "1")
        chosen = next((q for y in quarter_years for q in y.quarters if q.year.label == label and str(q.quarter) == quarter), None)
        if chosen is None:
            raise Http404(f"{agreement.reference} does not run in {label} Q{quarter}.")
    rows = selectors.kpi_ratings(agreement, chosen.year, chosen.quarter, settings=settings) if chosen else []
    can_edit = user.has_perm("monitoring.edit_return", Return(agreement=agreement))
    context = {
        "agreement": agreement,
        "page_title": f"Monitoring: {agreement.reference} {agreement.organisation}",
        "quarter_years": quarter_years,
        "chosen": chosen,
        "rows": rows,
        "counts": selectors.rating_counts(rows),
        "amber_percent": _percent(selectors.thresholds_of(settings)),
        "can_edit": can_edit,
        "can_set_targets": user.has_perm("monitoring.manage_targets", agreement),
        "editable_statuses": [None, Return.Status.DRAFT, Return.Status.QUERIED],
    }
    return render(request, "monitoring/returns/agreement_monitoring.html", context)


# --- Returns -------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def return_edit(request, pk, year_label, quarter):
    agreement = get_object_or_404(Agreement.objects.select_related("programme", "organisation"), pk=pk)
    require(request.user, "monitoring.edit_return", Return(agreement=agreement))  # before anything is created
    year = year_from_label(year_label)
    try:
        record = services.return_for(agreement=agreement, year=year, quarter=quarter)
    except ValidationError as exc:
        return _unavailable(request, agreement, " ".join(exc.messages))
    require(request.user, "monitoring.edit_return", record)
    if record.status not in (Return.Status.DRAFT, Return.Status.QUERIED):
        messages.info(request, f"This return is {record.get_status_display().lower()}, so it can no longer be changed.")
        return redirect(record)
    targets = services.kpis_due(agreement, year)
    answering = record.status == Return.Status.QUERIED
    values = list(record.values.select_related("kpi_version__kpi"))  # read once: the boxes, the version, what is missing
    initial = {f"kpi_{v.kpi_version.kpi_id}": plain_number(v.value) for v in values}
    initial.update(
        narrative=record.narrative, case_studies=record.case_studies, version=form_token(services.return_state(record, values))
    )
    form = return_form(request.POST or None, initial=initial, targets=targets, quarter=quarter, answering=answering)
    if request.method == "POST" and form.is_valid():
        submit = request.POST.get("action") == "submit"
        try:
            services.return_save(
                return_record=record,
                values=form.values(),
                actor=request.user,
                narrative=form.cleaned_data["narrative"],
                case_studies=form.cleaned_data["case_studies"],
                version=form.cleaned_data["version"],
                due=targets,
            )
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            if not submit:
                messages.success(request, "Draft saved. It is not submitted until you choose Submit.")
                return redirect(request.path)
            try:
                services.return_submit(
                    return_record=record, actor=request.user, comment=form.cleaned_data.get("comment", ""), due=targets
                )
            except ValidationError as exc:
                # The draft is saved: the page now shows it, so its version is the saved return's (core.concurrency).
                record.refresh_from_db()
                form.data = form.data.copy()
                form.data["version"] = form_token(services.return_state(record))
                form.add_error(None, "Your changes were saved as a draft, but the return was not submitted.")
                apply_validation_error(form, exc)
                for kpi in services.missing_kpis(record, targets):  # each at its own box, linked from the summary
                    form.add_error(f"kpi_{kpi.pk}", f"Enter a value for {kpi.code} before submitting.")
            else:
                messages.success(request, f"Return for {year} Q{quarter} {'resubmitted' if answering else 'submitted'}.")
                return redirect(record)
    if request.method == "POST":  # saved or refused: show the return as it now stands
        record.refresh_from_db()
        values = list(record.values.select_related("kpi_version__kpi"))
    query = record.events.filter(action=ReturnEvent.Action.QUERIED).select_related("actor").last() if answering else None
    return render(
        request,
        "monitoring/returns/return_form.html",
        {
            "agreement": agreement,
            "record": record,
            "year": year,
            "quarter": quarter,
            "form": form,
            "answering": answering,
            "query": query,
            "missing": services.missing_kpis(record, targets, values),
            "due_date": services.return_due_date(agreement, year, quarter),
            "page_title": f"Quarterly return {year} Q{quarter}: {agreement.reference}",
        },
    )


def _return(request, pk: int, perm: str = "monitoring.view_return") -> Return:
    record = get_object_or_404(
        Return.objects.select_related("agreement__programme", "agreement__organisation", "financial_year"), pk=pk
    )
    require(request.user, perm, record)
    return record


def _return_detail_page(request, record: Return, review_form: ReviewForm | None = None, status: int = 200):
    user = request.user
    can_review = user.has_perm("monitoring.review_return", record)
    versions_used = {v.kpi_version.kpi_id: v.kpi_version for v in record.values.select_related("kpi_version")}
    rows = selectors.kpi_ratings(record.agreement, record.financial_year, record.quarter, include_return=record)
    context = {
        "record": record,
        "agreement": record.agreement,
        "rows": rows,
        "versions_used": versions_used,
        "events": record.events.select_related("actor", "actor__organisation"),
        "due_date": services.return_due_date(record.agreement, record.financial_year, record.quarter),
        "can_edit": record.status in (Return.Status.DRAFT, Return.Status.QUERIED)
        and user.has_perm("monitoring.edit_return", record),
        "can_review": can_review and record.status == Return.Status.SUBMITTED,
        "review_form": review_form if review_form is not None else (ReviewForm() if can_review else None),
        "amber_percent": _percent(selectors.thresholds_for(record.agreement.programme)),
        "page_title": f"Quarterly return {record.financial_year} Q{record.quarter}: {record.agreement.reference}",
    }
    return render(request, "monitoring/returns/return_detail.html", context, status=status)


def return_detail(request, pk):
    return _return_detail_page(request, _return(request, pk))


@require_http_methods(["GET", "POST"])
def return_review(request, pk):
    record = _return(request, pk, "monitoring.review_return")
    if request.method == "GET":
        return redirect(f"{record.get_absolute_url()}#review")
    form = ReviewForm(request.POST)
    if form.is_valid():
        accept = form.cleaned_data["decision"] == "accept"
        try:
            services.return_review(return_record=record, accept=accept, actor=request.user, comment=form.cleaned_data["comment"])
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, "Return accepted." if accept else "Return queried: the provider has been asked to answer.")
            return redirect(record)
    record.refresh_from_db()
    return _return_detail_page(request, record, form)


OVERDUE_PAGE_SIZE = 50


def returns_overdue(request):
    """The overdue and queried returns, 50 to a page; the downloads give every row."""
    require(request.user, "monitoring.view_overdue")
    today = dt.date.today()
    page = paginate(request, selectors.overdue_keys(today), OVERDUE_PAGE_SIZE)
    return render(
        request,
        "monitoring/returns/overdue.html",
        {
            "page": page,
            "rows": selectors.overdue_rows(today, page.object_list),
            "today": today,
            "page_title": "Overdue and queried returns",
            "downloads": exports.download_links(request, "monitoring:returns-overdue-export"),
        },
    )


def returns_overdue_export(request, fmt):
    """The overdue and queried returns list as CSV or XLSX, as at today like the page."""
    require(request.user, "monitoring.view_overdue")
    today = dt.date.today()
    rows = selectors.overdue_returns_rows(selectors.overdue_rows(today, selectors.overdue_keys(today)))
    return exports.download(
        fmt, f"returns-overdue-{today.isoformat()}", selectors.OVERDUE_HEADERS, rows, sheet_title="Overdue returns"
    )
