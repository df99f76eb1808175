"""Performance dashboards: "Is the shared outcomes framework being met?", with breakdowns, trends and downloads.

Thin views: check permission (the dashboard permission and the programme's own, so a partner sees only
programmes it co-funds), read the roll-ups from `dashboards`, render. The tables a page shows and the
files it offers come from the same table builders, so a download always matches the page.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from vcsgrants.core import charts, exports
from vcsgrants.core.council import area_word
from vcsgrants.core.pagination import paginate
from vcsgrants.core.permissions import require
from vcsgrants.funding.models import Programme
from vcsgrants.monitoring import dashboards
from vcsgrants.monitoring.rag import Rating


def _programme(request, slug: str) -> Programme:
    programme = get_object_or_404(Programme.objects.select_related("funder"), slug=slug)
    require(request.user, "monitoring.view_dashboard", programme)
    require(request.user, "funding.view_programme", programme)
    return programme


def _report(request, programme: Programme) -> dashboards.PerformanceReport:
    try:
        return dashboards.performance_report(programme, request.GET.get("year"), request.GET.get("quarter"))
    except ValueError as exc:
        raise Http404(str(exc)) from exc


def _trends(request, programme: Programme) -> dashboards.TrendReport:
    try:
        return dashboards.trend_report(programme, request.GET.get("kpi"))
    except ValueError as exc:
        raise Http404(str(exc)) from exc


def _period_query(report: dashboards.PerformanceReport) -> str:
    return f"year={report.period.year_label}&quarter={report.period.quarter}"


def rag_bar(report: dashboards.PerformanceReport, width: int = 720) -> str:
    counts = report.counts
    segments = [
        charts.Segment(dashboards.RATING_LABELS[r], counts[r], dashboards.RATING_FILLS[r], dashboards.RATING_TEXT_COLOURS[r])
        for r in dashboards.RATING_ORDER
    ]
    return charts.stacked_bar(
        title=f"KPIs by rating at {report.period.label}, year to date",
        desc=report.headline,
        segments=segments,
        chart_id="rag-summary",
        width=width,
    )


def trend_chart(report: dashboards.TrendReport, width: int = 720) -> str:
    kpi = report.kpi
    labels = [p.period.label for p in report.points]
    unit = kpi.unit
    return charts.line_chart(
        title=f"{kpi.label}: actual against target by quarter, programme-wide",
        desc=(
            f"Line chart of {len(labels)} quarters from {labels[0]} to {labels[-1]}. "
            "The same figures are in the table below the chart."
        ),
        labels=labels,
        series=[
            charts.Series("Actual", [p.quarter_actual for p in report.points], colour="#1d70b8"),
            charts.Series("Target", [p.quarter_target for p in report.points], colour="#0b0c0c", dashed=True, marker="square"),
        ],
        y_label=kpi.unit_label,
        value_text=lambda v: dashboards.figure_text(v, unit),
        chart_id=f"trend-{kpi.code}",
        width=width,
    )


def _context(programme: Programme, report: dashboards.PerformanceReport, **extra) -> dict:
    return {
        "programme": programme,
        "report": report,
        "period": report.period,
        "period_query": _period_query(report),
        "quarters": [1, 2, 3, 4],
        "outcome_rule": dashboards.OUTCOME_RULE,
        "district_rule": dashboards.district_rule(),
        "like_for_like_rule": dashboards.LIKE_FOR_LIKE_RULE,
        "trend_rule": dashboards.TREND_RULE,
        "amber_percent": f"{(report.data.thresholds.amber_within * 100).normalize():f}",
        **extra,
    }


@require_GET
def performance(request, slug):
    programme = _programme(request, slug)
    report = _report(request, programme)
    outcomes = [
        (
            group,
            dashboards.outcome_kpi_table(report, group),
            f"outcome-table-{group.obj.id}",
            f"{group.label}: KPIs at {report.period.label}, year to date",
        )
        for group in report.outcomes
    ]
    context = _context(
        programme,
        report,
        page_title=f"Performance: {programme.name}",
        outcomes=outcomes,
        outcomes_table=dashboards.outcomes_table(report),
        rag_svg=charts.responsive(lambda width: rag_bar(report, width)),
        counts=[(dashboards.RATING_LABELS[r], n) for r, n in report.counts.items()],
        greys=report.counts[Rating.GREY],
    )
    return render(request, "monitoring/dashboards/performance.html", context)


# Providers (agreements) on a page of the provider tables: the summary has a row each, the KPI table a row per KPI.
PROVIDERS_PER_PAGE = 10
# Areas on a page of the KPIs by area (the summary, one row per area, shows every area).
DISTRICTS_PER_PAGE = 5


@require_GET
def performance_providers(request, slug):
    """A page of providers, found by name or reference (?provider=); only that page's KPIs are rolled up."""
    programme = _programme(request, slug)
    report = _report(request, programme)
    found = request.GET.get("provider", "").strip()
    agreements = dashboards.agreements_matching(report, found)
    page = paginate(request, agreements, PROVIDERS_PER_PAGE)
    groups = dashboards.provider_rollups(report.data, report.period, page.object_list)
    context = _context(
        programme,
        report,
        page_title=f"Performance by provider: {programme.name}",
        summary=dashboards.providers_summary_table(report, groups),
        detail=dashboards.providers_table(report, groups),
        page=page,
        found=found,
    )
    return render(request, "monitoring/dashboards/providers.html", context)


@require_GET
def performance_districts(request, slug):
    programme = _programme(request, slug)
    report = _report(request, programme)
    page = paginate(request, report.districts, DISTRICTS_PER_PAGE, anchor="districts-table")
    context = _context(
        programme,
        report,
        page_title=f"Performance by {area_word()}: {programme.name}",
        summary=dashboards.districts_summary_table(report),
        detail=dashboards.districts_table(report, page.object_list),
        page=page,
    )
    return render(request, "monitoring/dashboards/districts.html", context)


@require_GET
def performance_trends(request, slug):
    programme = _programme(request, slug)
    trends = _trends(request, programme)
    context = {
        "programme": programme,
        "trends": trends,
        "page_title": f"Performance trends: {programme.name}",
        "table": dashboards.trends_table(trends) if trends.kpi else None,
        "chart_svg": charts.responsive(lambda width: trend_chart(trends, width)) if trends.kpi and trends.points else "",
        "like_for_like_rule": dashboards.LIKE_FOR_LIKE_RULE,
        "kpi_query": urlencode({"kpi": trends.kpi.code}) if trends.kpi else "",
    }
    return render(request, "monitoring/dashboards/trends.html", context)


# table name in the URL → how it is built (from the quarter's report, or from the trends report)
EXPORTS = {
    "framework": dashboards.framework_table,
    "outcomes": dashboards.outcomes_table,
    "providers": dashboards.providers_table,
    "providers-summary": dashboards.providers_summary_table,
    "districts": dashboards.districts_table,
    "districts-summary": dashboards.districts_summary_table,
    "trends": dashboards.trends_table,
}


@require_GET
def performance_export(request, slug, table, fmt):
    programme = _programme(request, slug)
    if table not in EXPORTS or fmt not in exports.FORMATS:
        raise Http404(f"There is no {table} table to download as {fmt}.")
    if table == "trends":
        trends = _trends(request, programme)
        if trends.kpi is None:
            raise Http404("This programme has no KPIs to show trends for.")
        built = dashboards.trends_table(trends)
        filename = f"{programme.slug}-trends-{trends.kpi.code}"
    else:
        report = _report(request, programme)
        built = EXPORTS[table](report)
        filename = f"{programme.slug}-{table}-{report.period.year_label}-q{report.period.quarter}"
    return exports.response(fmt, filename, built.headers, built.export_rows(), sheet_title=table)
