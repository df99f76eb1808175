"""Thin views for multi-year funding: create a multi-year agreement, convert an annual one, the commitments forecast.

Multi-year pages work in two steps, like the bulk extension: the terms give a preview of the profile, year by
year (each year's amount prefilled by the uplift rule and free to change); confirming writes it all at once.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from vcsgrants.core import charts, exports
from vcsgrants.core.forms import apply_validation_error
from vcsgrants.core.permissions import require
from vcsgrants.core.services import financial_year_get
from vcsgrants.core.years import year_from_form, year_from_label
from vcsgrants.funding.forms.multiyear import ConversionForm, MultiYearAgreementForm, profile_form_class
from vcsgrants.funding.models import Agreement, Programme
from vcsgrants.funding.multiyear import UPLIFT_RULE
from vcsgrants.funding.selectors import forecast as forecasts
from vcsgrants.funding.services import multiyear as services_multiyear

PREVIEW, CONFIRM = "preview", "confirm"


def _basis(plan: services_multiyear.ProfilePlan) -> str:
    """What the rule's amounts depend on: when it changes, the amounts start again from the rule."""
    return f"{plan.first_year.label}/{plan.last_year.label}/{plan.rule_total}/{plan.uplift_percent.normalize()}"


def _profile(request, plan: services_multiyear.ProfilePlan):
    """The per-year amounts: prefilled by the uplift rule, then as posted (amounts None until they are valid).

    Amounts an officer changed are kept when previewing again, unless the terms behind the rule changed.
    """
    years = [r.year for r in plan.rows if r.added]
    form_class = profile_form_class(years)
    if request.POST.get("profile-basis") == _basis(plan):
        form = form_class(request.POST, prefix="profile")
        if form.is_valid():
            return form, [form.cleaned_data[f"amount_{y.start_year}"] for y in years]
        return form, None
    initial = {f"amount_{r.year.start_year}": r.rule_amount for r in plan.rows if r.added}
    return form_class(prefix="profile", initial=initial), None


@dataclass
class Step:
    """Where an officer is in preview → change any year → confirm."""

    plan: services_multiyear.ProfilePlan | None = None
    profile_form: object = None
    basis: str = ""
    amounts: list | None = None

    def confirmed(self, request) -> bool:
        return self.amounts is not None and request.POST.get("action") == CONFIRM


def _step(request, form, make_plan) -> Step:
    """The profile make_plan() gives, with the amounts posted for it once they are valid (make_plan(amounts=…))."""
    step = Step()
    try:
        step.plan = make_plan()
        step.basis = _basis(step.plan)
        step.profile_form, step.amounts = _profile(request, step.plan)
        if step.amounts is not None:
            step.plan = make_plan(amounts=step.amounts)
    except ValidationError as exc:
        apply_validation_error(form, exc)
    return step


def _page(request, *, form, step: Step, page_title, back, intro, agreement=None):
    plan = step.plan
    rows = [(r, step.profile_form[f"amount_{r.year.start_year}"] if r.added else None) for r in plan.rows] if plan else []
    return render(
        request,
        "funding/multiyear_form.html",
        {
            "form": form,
            "plan": plan,
            "rows": rows,
            "profile_form": step.profile_form,
            "basis": step.basis,
            "page_title": page_title,
            "back": back,
            "intro": intro,
            "agreement": agreement,
            "uplift_rule": UPLIFT_RULE,
        },
    )


def _terms(data: dict) -> dict:
    return {k: data.get(k) for k in ("notice_months", "earliest_break_date", "first_review_date")}


@require_http_methods(["GET", "POST"])
def agreement_create_multiyear(request):
    require(request.user, "funding.manage_agreement")
    form = MultiYearAgreementForm(request.POST or None)
    step = Step()
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        first, last = year_from_form(form, "first_year"), year_from_form(form, "last_year")
        if first and last:
            plan_args = {
                "stream": data["stream"],
                "area": data["area"],
                "first_year": first,
                "last_year": last,
                "first_amount": data["first_amount"],
                "uplift_percent": data["uplift_percent"],
            }
            step = _step(request, form, lambda **amounts: services_multiyear.multiyear_plan_new(**plan_args, **amounts))
            if step.confirmed(request):
                try:
                    agreement = services_multiyear.agreement_create_multiyear(
                        programme=data["stream"].programme,
                        organisation=data["organisation"],
                        title=data["title"],
                        actor=request.user,
                        amounts=step.amounts,
                        **plan_args,
                        **_terms(data),
                    )
                except ValidationError as exc:
                    apply_validation_error(form, exc)
                else:
                    messages.success(
                        request,
                        f"Draft multi-year agreement {agreement.reference} created, {first} to {last}: "
                        f"£{step.plan.total:,.2f} in all. Make it active when it is signed.",
                    )
                    return redirect(agreement)
    return _page(
        request,
        form=form,
        step=step,
        page_title="New multi-year agreement (SLA)",
        back=reverse("funding:agreement-list"),
        intro="A draft agreement for whole financial years, with an amount for each year. Preview the profile, "
        "change any year's amount if you need to, then confirm.",
    )


@require_http_methods(["GET", "POST"])
def agreement_convert_multiyear(request, pk):
    agreement = get_object_or_404(Agreement.objects.select_related("programme", "organisation"), pk=pk)
    require(request.user, "funding.manage_agreement", agreement)
    end = agreement.current_end_date
    form = ConversionForm(
        request.POST or None,
        initial={"last_year": f"{end.year + 1}-{(end.year + 2) % 100:02d}", "reason": "Convert to a multi-year agreement"},
    )
    step = Step()
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        last = year_from_form(form, "last_year")
        if last:
            plan_args = {"agreement": agreement, "last_year": last, "uplift_percent": data["uplift_percent"]}
            step = _step(request, form, lambda **amounts: services_multiyear.multiyear_plan_conversion(**plan_args, **amounts))
            if step.confirmed(request):
                try:
                    variation = services_multiyear.agreement_convert_to_multiyear(
                        reason=data["reason"],
                        approved_by=data["approved_by"],
                        approved_on=data["approved_on"],
                        decision=data["decision"],
                        actor=request.user,
                        amounts=step.amounts,
                        **plan_args,
                        **_terms(data),
                    )
                except ValidationError as exc:
                    apply_validation_error(form, exc)
                else:
                    messages.success(
                        request,
                        f"{agreement.reference} converted to multi-year by variation {variation.number}: "
                        f"now runs to {last.end:%d %B %Y}, adding £{step.plan.added_total:,.2f}.",
                    )
                    return redirect(agreement)
    return _page(
        request,
        form=form,
        step=step,
        page_title=f"Convert {agreement.reference} to multi-year",
        back=agreement.get_absolute_url(),
        agreement=agreement,
        intro=f"{agreement.reference} ({agreement.organisation}) runs to {end:%d %B %Y}. The conversion is a variation: "
        "it keeps the original terms and every earlier variation, and adds a year's funding for each new year, "
        "continuing the agreement's recurrent funding (one-off money is not carried forward).",
    )


# --- The commitments forecast ------------------------------------------------------------------


def _forecast(request, slug) -> forecasts.Forecast:
    programme = get_object_or_404(Programme, slug=slug)
    require(request.user, "funding.view_forecast", programme)
    label = request.GET.get("from")
    if label:
        from_year = year_from_label(label)
    else:
        from_year = financial_year_get(start_year=forecasts.default_from_year(programme))
    return forecasts.commitments_forecast(programme=programme, from_year=from_year)


def forecast_chart(forecast: forecasts.Forecast, width: int = 900) -> str:
    labels = [f"{fy.year}{' (flagged)' if fy.flagged else ''}" for fy in forecast.years]
    return charts.grouped_bars(
        title=f"Commitments against known budgets by financial year, from {forecast.from_year}",
        desc=(
            f"Bar chart of {len(labels)} financial years: for each, what agreements commit and the budget known for it. "
            "The same figures are in the tables below the chart."
        ),
        labels=labels,
        series=[
            charts.Series("Committed in agreements", [fy.committed for fy in forecast.years], colour="#1d70b8"),
            charts.Series("Known budget", [fy.known_budget for fy in forecast.years], colour="#505a5f"),
        ],
        format_value=lambda v: f"£{v:,.0f}",
        chart_id="forecast-chart",
        width=width,
    )


@require_GET
def commitments_forecast(request, slug):
    forecast = _forecast(request, slug)
    programme = forecast.programme
    return render(
        request,
        "funding/forecast.html",
        {
            "forecast": forecast,
            "programme": programme,
            # Every text in the chart is escaped by charts.
            "chart_svg": charts.responsive(functools.partial(forecast_chart, forecast), wide=900) if forecast.years else "",
            "year_choices": forecasts.forecast_years(programme),
            "page_title": f"Commitments forecast: {programme}",
        },
    )


@require_GET
def commitments_forecast_export(request, slug, fmt):
    if fmt not in exports.FORMATS:
        raise Http404(f"No download as {fmt}: use csv or xlsx.")
    forecast = _forecast(request, slug)
    return exports.response(
        fmt,
        f"{forecast.programme.slug}-commitments-from-{forecast.from_year.label}",
        forecasts.EXPORT_HEADERS,
        forecasts.export_rows(forecast),
        sheet_title="Commitments forecast",
    )
