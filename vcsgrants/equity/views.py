from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_http_methods

from vcsgrants.core.charts import PALETTE, Series, grouped_bars, responsive
from vcsgrants.core.concurrency import form_token
from vcsgrants.core.exports import CSV_TYPE, XLSX_TYPE
from vcsgrants.core.forms import apply_validation_error
from vcsgrants.core.jobs import job_start
from vcsgrants.core.money import to_pence
from vcsgrants.core.permissions import require
from vcsgrants.equity import exports, services, tasks
from vcsgrants.equity.forms import OptionForm, OptionSetForm
from vcsgrants.equity.models import Option, OptionSet
from vcsgrants.equity.selectors import Comparison, comparison
from vcsgrants.funding.models import Decision, Programme
from vcsgrants.funding.selectors.programmes import allocations_state

MAX_ROWS_SHOWN = 200  # an LSOA set has 33,755 areas: the page shows the first rows, the XLSX has them all
MAX_AREAS_CHARTED = 40


def _option_set(request, pk, perm) -> OptionSet:
    option_set = get_object_or_404(OptionSet.objects.select_related("programme", "stream", "financial_year", "created_by"), pk=pk)
    require(request.user, perm, option_set.programme)
    return option_set


def _option(request, pk, perm) -> Option:
    option = get_object_or_404(
        Option.objects.select_related("option_set__programme", "option_set__stream", "option_set__financial_year"), pk=pk
    )
    require(request.user, perm, option.option_set.programme)
    return option


def option_set_list(request, slug):
    programme = get_object_or_404(Programme, slug=slug)
    require(request.user, "equity.view_options", programme)
    option_sets = programme.option_sets.select_related("stream", "financial_year", "created_by")
    return render(
        request,
        "equity/option_set_list.html",
        {
            "programme": programme,
            "option_sets": option_sets,
            "can_manage": request.user.has_perm("equity.manage_options", programme),
            "page_title": f"Allocation options: {programme}",
        },
    )


@require_http_methods(["GET", "POST"])
def option_set_create(request, slug):
    programme = get_object_or_404(Programme, slug=slug)
    require(request.user, "equity.manage_options", programme)
    form = OptionSetForm(request.POST or None, request.FILES or None, programme=programme)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        common = {
            "programme": programme,
            "stream": data["stream"],
            "year": data["financial_year"],
            "name": data["name"],
            "notes": data["notes"],
            "actor": request.user,
        }
        try:
            if data["source"] == OptionSet.Source.UPLOAD:
                upload = data["file"]
                option_set = services.option_set_from_csv(
                    **common, budget=data["budget"], filename=upload.name, data=upload.read()
                )
            else:
                option_set = services.option_set_from_districts(**common, budget=data["budget"])
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, f"Option set '{option_set.name}' built over {option_set.areas.count()} areas.")
            return redirect(option_set)
    return render(
        request,
        "equity/option_set_form.html",
        {
            "form": form,
            "programme": programme,
            "multipart": True,
            "submit_label": "Build the option set",
            "back": reverse("equity:equity-list", args=[programme.slug]),
            "page_title": "Build an option set",
        },
    )


def _chart(result: Comparison) -> str | None:
    """The chart in both layouts (charts.responsive); None when there is nothing, or too much, to draw."""
    if not result.columns or len(result.areas) > MAX_AREAS_CHARTED:
        return None
    return responsive(lambda width: _draw(result, width), wide=900)


def _draw(result: Comparison, width: int) -> str:
    rows = result.rows
    series = [Series(name="Today", values=[a.current / a.population for a in result.areas], colour=PALETTE[0])]
    for i, column in enumerate(result.columns, start=1):
        values = [None if cell is None else cell.per_head for cell in (row.cells[i - 1] for row in rows)]
        series.append(Series(name=column.option.label, values=values, colour=PALETTE[i % len(PALETTE)]))
    return grouped_bars(
        title=f"Funding per head by area: today and under each option ({result.option_set.name})",
        desc="Bars per area for today's allocation and each option, in pounds per resident. The table below has the figures.",
        labels=[a.name for a in result.areas],
        series=series,
        format_value=lambda v: f"£{v:,.2f}",
        chart_id=f"per-head-{result.option_set.pk}",
        width=width,
    )


def option_set_detail(request, pk):
    option_set = _option_set(request, pk, "equity.view_options")
    result = comparison(option_set)
    chart = _chart(result)
    return render(
        request,
        "equity/option_set_detail.html",
        {
            "option_set": option_set,
            "programme": option_set.programme,
            "comparison": result,
            "measure_rows": [
                (column, exports.measure_cells(column.result.measures) if column.result else None) for column in result.columns
            ],
            "measure_headers": exports.MEASURE_HEADERS,
            "rows": result.rows_up_to(MAX_ROWS_SHOWN),
            "rows_hidden": max(len(result.areas) - MAX_ROWS_SHOWN, 0),
            "chart": mark_safe(chart) if chart else None,  # noqa: S308 — charts.py escapes every text it writes
            "totals": [
                {
                    "allocated": sum(column.result.areas.allocation_pence),
                    "change": sum(column.result.areas.allocation_pence) - sum(to_pence(a.current) for a in result.areas),
                }
                if column.result
                else {}
                for column in result.columns
            ],
            "glide_tables": [
                (
                    column,
                    [
                        (area, [year[i] for year in column.result.glide_path])
                        for i, area in enumerate(column.result.areas[:MAX_ROWS_SHOWN])
                    ],
                )
                for column in result.columns
                if column.result is not None and column.option.years > 1
            ],
            "can_manage": request.user.has_perm("equity.manage_options", option_set.programme),
            "can_adopt": request.user.has_perm("equity.adopt_option", option_set.programme),
            "page_title": option_set.name,
        },
    )


@require_http_methods(["GET", "POST"])
def option_create(request, pk):
    option_set = _option_set(request, pk, "equity.manage_options")
    form = OptionForm(request.POST or None, indicators=list(option_set.indicators))
    if request.method == "POST" and form.is_valid():
        try:
            option = services.option_create(option=form.build(option_set), actor=request.user)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, f"Option '{option.label}' added.")
            return redirect(option_set)
    return render(
        request,
        "equity/option_form.html",
        {
            "form": form,
            "option_set": option_set,
            "submit_label": "Add the option",
            "back": option_set.get_absolute_url(),
            "page_title": f"Add an option: {option_set.name}",
        },
    )


@require_http_methods(["GET", "POST"])
def option_delete(request, pk):
    """GET: the warning step; POST: remove the option."""
    option = _option(request, pk, "equity.manage_options")
    option_set = option.option_set
    if request.method == "GET":
        return render(
            request,
            "core/confirm_remove.html",
            {
                "back": option_set.get_absolute_url(),
                "caption": option_set.name,
                "heading": f"Remove the option ‘{option.label}’?",
                "page_title": f"Remove the option ‘{option.label}’?",
                "body": "Its column leaves the comparison. The option set and its other options are kept.",
            },
        )
    try:
        services.option_delete(option=option, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"Option '{option.label}' removed.")
    return redirect(option_set)


@require_http_methods(["GET", "POST"])
def option_adopt(request, pk):
    option = _option(request, pk, "equity.adopt_option")
    option_set = option.option_set
    decisions = Decision.objects.all()[:50]
    errors: list[str] = []
    if request.method == "POST":
        decision = None
        if request.POST.get("decision"):
            decision = Decision.objects.filter(pk=request.POST["decision"]).first()
            if decision is None:
                errors.append("Choose a decision from the list, or none.")
        if not errors:
            try:
                services.option_adopt(
                    option=option, actor=request.user, decision=decision, version=request.POST.get("version", "")
                )
            except ValidationError as exc:
                errors = exc.messages
            else:
                messages.success(
                    request,
                    f"'{option.label}' adopted: the {option_set.financial_year} allocations of {option_set.stream} are set.",
                )
                return redirect(f"{option_set.programme.get_absolute_url()}?year={option_set.financial_year.label}")
    preview = services.adoption_preview(option)
    # The allocations as this page shows them (core.concurrency); a refused adoption keeps the one it was opened with.
    if request.method == "POST":
        version = request.POST.get("version", "")
    else:
        version = form_token(allocations_state(option_set.stream, option_set.financial_year))
    return render(
        request,
        "equity/option_adopt.html",
        {
            "option": option,
            "option_set": option_set,
            "preview": preview,
            "errors": errors,
            "decisions": decisions,
            "version": version,
            "page_title": f"Adopt '{option.label}' as the {option_set.financial_year} allocations",
        },
    )


def option_set_export(request, pk):
    """The comparison workbook: at once for a council's districts; for a set of more than tasks.BACKGROUND_AREAS
    areas, a page offering to make it in the background (core.jobs), as it takes tens of seconds."""
    option_set = _option_set(request, pk, "equity.view_options")
    areas = option_set.areas.count()
    if areas > tasks.BACKGROUND_AREAS:
        return render(
            request,
            "core/job_offer.html",
            {
                "page_title": f"Download the comparison of {option_set.name}",
                "explanation": f"This option set has {areas:,} areas, so its comparison workbook takes a while to make.",
                "action": reverse("equity:equity-export-prepare", args=[option_set.pk]),
                "button": "Make the workbook",
                "back": option_set.get_absolute_url(),
            },
        )
    response = HttpResponse(exports.comparison_xlsx(comparison(option_set)), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{tasks.workbook_filename(option_set)}"'
    return response


@require_http_methods(["POST"])
def option_set_export_prepare(request, pk):
    option_set = _option_set(request, pk, "equity.view_options")
    job = job_start(
        actor=request.user,
        kind="equity-comparison",
        title=f"{option_set.name}: the comparison workbook",
        task=tasks.export_comparison,
        args=[option_set.pk],
        back_url=option_set.get_absolute_url(),
    )
    return redirect(job)


def option_set_areas_csv(request, pk):
    option_set = _option_set(request, pk, "equity.view_options")
    response = HttpResponse("\ufeff" + exports.inputs_csv(option_set, list(option_set.areas.all())), content_type=CSV_TYPE)
    response["Content-Disposition"] = f'attachment; filename="areas-{option_set.pk}.csv"'
    return response
