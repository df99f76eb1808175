"""Open data pages: the public list of published grants with its downloads, and the officer's page that
previews, checks, publishes and unpublishes a programme's grants."""

from __future__ import annotations

import datetime as dt
import tempfile
from collections import defaultdict
from decimal import Decimal
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Min
from django.http import FileResponse, Http404, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.views.decorators.http import require_http_methods

from vcsgrants.core import exports
from vcsgrants.core.forms import apply_validation_error
from vcsgrants.core.models import FinancialYear
from vcsgrants.core.permissions import require
from vcsgrants.core.years import year_start_or_404
from vcsgrants.funding.models import MoneySum, Programme
from vcsgrants.funding.selectors.programmes import programme_default_year
from vcsgrants.opendata import conf, quality, schema, selectors, services, transparency, writers
from vcsgrants.opendata.forms import PublishForm
from vcsgrants.opendata.grants import package_metadata
from vcsgrants.opendata.models import PublishedGrant

PUBLIC_PAGE_SIZE = 50
MANAGE_PAGE_SIZE = 100
SPOOL_BYTES = 16 * 1024 * 1024  # an XLSX larger than this is spooled to a temporary file, not held in memory


def _year(label: str | None, years: list[FinancialYear], default: FinancialYear | None) -> FinancialYear | None:
    if not label:
        return default
    start = year_start_or_404(label)
    year = next((y for y in years if y.start_year == start), None)
    if year is None:
        raise Http404(f"No grants in {label}.")
    return year


def _download(fmt: str, *, grants, extra_locations: int, meta: dict, filename: str):
    """A streamed JSON or CSV response, or an XLSX built in a spooled temporary file."""
    if fmt == "json":
        response = StreamingHttpResponse(writers.json_chunks(grants, meta), content_type=writers.JSON_TYPE)
    elif fmt == "csv":
        response = StreamingHttpResponse(
            writers.csv_chunks(grants, extra_locations=extra_locations), content_type=writers.CSV_TYPE
        )
    elif fmt == "xlsx":
        spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115 - FileResponse closes it
        writers.write_xlsx(spool, grants, extra_locations=extra_locations)
        spool.seek(0)
        return FileResponse(spool, as_attachment=True, filename=f"{filename}.xlsx", content_type=writers.XLSX_TYPE)
    else:
        raise Http404(f"Unknown format {fmt!r}: use one of {', '.join(writers.FORMATS)}.")
    response["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
    return response


def _package_meta(*, title: str, publisher: selectors.Publisher, first=None, last=None) -> dict:
    today = timezone.localdate()
    return package_metadata(
        title=title,
        publisher=publisher.org,
        licence_url=conf.licence_url(),
        modified=last,
        issued=timezone.localtime(first).date() if first else today,
    )


# --- public ---------------------------------------------------------------------------------


def public_grants(request):
    require(request.user, "opendata.view_published")
    publisher = selectors.publisher()
    grants = PublishedGrant.objects.select_related("financial_year", "programme")
    years = list(FinancialYear.objects.filter(pk__in=grants.values("financial_year_id")).order_by("-start_year"))
    year = _year(request.GET.get("year"), years, None)
    shown = grants.filter(financial_year=year) if year else grants
    totals = shown.aggregate(count=Count("pk"), total=MoneySum("amount"))
    dates = grants.aggregate(first=Min("first_published_at"))
    page = Paginator(shown.order_by("-financial_year__start_year", "recipient_name", "grant_id"), PUBLIC_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "opendata/public.html",
        {
            "page_title": f"Grants published by {publisher.name}",
            "publisher": publisher,
            "page": page,
            "years": years,
            "year": year,
            "totals": totals,
            "last_published": selectors.last_published_at(),
            "first_published": dates["first"],
            "licence_title": conf.licence_title(),
            "licence_url": conf.licence_url(),
            "formats": writers.FORMATS,
            "has_demo": shown.filter(programme__is_demo=True).exists(),
        },
    )


def public_download(request, fmt):
    require(request.user, "opendata.view_published")
    if fmt not in writers.FORMATS:
        raise Http404(f"Unknown format {fmt!r}.")
    if not PublishedGrant.objects.exists():
        raise Http404("No grants are published yet.")
    publisher = selectors.publisher()
    dates = PublishedGrant.objects.aggregate(first=Min("first_published_at"))
    meta = _package_meta(
        title=f"Grants published by {publisher.name}",
        publisher=publisher,
        first=dates["first"],
        last=selectors.last_published_at(),
    )
    return _download(
        fmt,
        grants=selectors.published_data(),
        extra_locations=max(selectors.max_locations_published() - 1, 0),
        meta=meta,
        filename=f"{slugify(publisher.name) or 'grants'}-360giving",
    )


def _register_year(request) -> tuple[FinancialYear | None, list[FinancialYear]]:
    years = list(FinancialYear.objects.filter(pk__in=PublishedGrant.objects.values("financial_year_id")).order_by("-start_year"))
    return _year(request.GET.get("year"), years, None), years


def transparency_register(request):
    """The Transparency Code register of grants to voluntary, community and social enterprise organisations."""
    require(request.user, "opendata.view_published")
    year, years = _register_year(request)
    rows = selectors.transparency_register(year=year)
    return render(
        request,
        "opendata/transparency.html",
        {
            "page_title": "Grants to voluntary, community and social enterprise organisations",
            "publisher": selectors.publisher(),
            "rows": rows,
            "total": sum((r.amount for r in rows), Decimal("0.00")),
            "years": years,
            "year": year,
            "formats": exports.FORMATS,
        },
    )


def transparency_download(request, fmt):
    require(request.user, "opendata.view_published")
    if fmt not in exports.FORMATS:
        raise Http404(f"Unknown format {fmt!r}: use csv or xlsx.")
    year, _ = _register_year(request)
    rows = [r.cells() for r in selectors.transparency_register(year=year)]
    name = f"{slugify(selectors.publisher().name) or 'council'}-vcse-grants" + (f"-{year.label}" if year else "")
    return exports.response(fmt, name, transparency.HEADERS, rows, sheet_title="VCSE grants")


# --- staff ------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def manage(request, slug):
    programme = get_object_or_404(Programme.objects.select_related("funder"), slug=slug)
    require(request.user, "opendata.view_grants", programme)
    years = selectors.programme_years_with_money(programme)
    default = programme_default_year(programme)
    year = _year(request.GET.get("year"), years, default if default in years else (years[-1] if years else None))
    can_publish = request.user.has_perm("opendata.publish", programme)
    agreements = selectors.publishable_agreements(programme=programme, year=year) if year else None
    form = None
    if request.method == "POST":
        require(request.user, "opendata.publish", programme)
        if year is None:
            raise Http404(f"{programme} has no grants to publish.")
        form = PublishForm(request.POST, agreements=agreements)
        if form.is_valid():
            try:
                notice = _act(form, programme=programme, year=year, actor=request.user)
            except ValidationError as exc:
                apply_validation_error(form, exc)
            else:
                messages.success(request, notice)
                return redirect(f"{request.path}?{urlencode({'year': year.label, 'page': request.GET.get('page', 1)})}")
    elif can_publish and year is not None:
        form = PublishForm(agreements=agreements)
    context = {
        "programme": programme,
        "years": years,
        "year": year,
        "can_publish": can_publish,
        "form": form,
        "page_title": f"Open data: {programme}",
        "public_url": reverse("opendata:opendata-public"),
        "licence_title": conf.licence_title(),
        "licence_url": conf.licence_url(),
        "formats": writers.FORMATS,
        "selected": set(),
    }
    if year is not None:
        context.update(_grant_rows(programme=programme, year=year, agreements=agreements, page_number=request.GET.get("page")))
        if form is not None and form.is_bound:
            context["selected"] = {str(pk) for pk in request.POST.getlist("agreements")}
    return render(request, "opendata/manage.html", context)


def _act(form: PublishForm, *, programme, year, actor) -> str:
    action = form.cleaned_data["action"]
    ids = [a.pk for a in form.cleaned_data["agreements"]]
    if action == PublishForm.UNPUBLISH:
        removed = services.grants_unpublish(programme=programme, year=year, actor=actor, agreement_ids=ids)
        return f"Unpublished {len(removed)} grant(s) for {year}: they are no longer on the public page or in its downloads."
    result = services.grants_publish(
        programme=programme,
        year=year,
        actor=actor,
        agreement_ids=None if action == PublishForm.PUBLISH_ALL else ids,
        acknowledge_findings=form.cleaned_data["acknowledge"],
    )
    return (
        f"Published {result.count} grant(s) for {year}, £{result.total:,.2f}: {result.new} new, "
        f"{result.updated} updated, {result.unchanged} unchanged."
    )


def _grant_rows(*, programme, year, agreements, page_number) -> dict:
    page = Paginator(agreements, MANAGE_PAGE_SIZE).get_page(page_number)
    ids = [a.pk for a in page.object_list]
    publisher = selectors.publisher()
    snapshots = {
        p.agreement_id: p
        for p in selectors.published(programme=programme, year=year).filter(agreement_id__in=ids).select_related("published_by")
    }
    by_agreement = {a.pk: a for a in page.object_list}
    today = timezone.localdate()
    rows, funders = [], {}
    findings_by_grant: dict[str, list[quality.Finding]] = defaultdict(list)
    for item in selectors.grants_now(programme=programme, year=year, agreement_ids=ids, prefix=publisher.prefix):
        grant = item.grant
        for finding in quality.check_grant(grant, today=today):
            findings_by_grant[grant["id"]].append(finding)
        funders[grant["id"]] = [f["id"] for f in grant["fundingOrganization"]]
        snapshot = snapshots.get(item.agreement_id)
        rows.append(
            {
                "agreement": by_agreement[item.agreement_id],
                "grant": grant,
                "errors": schema.grant_errors(grant),
                "snapshot": snapshot,
                "changed": snapshot is not None and snapshot.data != grant,
            }
        )
    expected = publisher.org.id if publisher.org else None
    for finding in quality.check_funders(funders, expected=expected):
        findings_by_grant[finding.grant_id].append(finding)
    for row in rows:
        row["findings"] = findings_by_grant.get(row["grant"]["id"], [])
        row["issue_count"] = len(row["findings"]) + len(row["errors"])
        planned = row["grant"]["plannedDates"][0]
        row["award_date"] = dt.date.fromisoformat(row["grant"]["awardDate"])
        row["start"], row["end"] = dt.date.fromisoformat(planned["startDate"]), dt.date.fromisoformat(planned["endDate"])
    published_count = selectors.published(programme=programme, year=year).count()
    return {
        "page": page,
        "rows": rows,
        "findings": [f for row in rows for f in row["findings"]],
        "published_count": published_count,
        "draft_count": selectors.draft_count(programme=programme, year=year),
    }


def staff_export(request, slug, fmt):
    """Every publishable grant of the programme as it would be published now: for checking, not a publication."""
    programme = get_object_or_404(Programme, slug=slug)
    require(request.user, "opendata.view_grants", programme)
    if fmt not in writers.FORMATS:
        raise Http404(f"Unknown format {fmt!r}.")
    years = selectors.programme_years_with_money(programme)
    year = _year(request.GET.get("year"), years, None)
    if not selectors.has_publishable(programme=programme, year=year):
        raise Http404(f"{programme} has no grants to publish" + (f" for {year}." if year else "."))
    publisher = selectors.publisher()
    meta = _package_meta(
        title=f"{programme}: grants as they would be published on {timezone.localdate():%d %B %Y} (a preview)",
        publisher=publisher,
    )
    return _download(
        fmt,
        grants=(g.grant for g in selectors.grants_now(programme=programme, year=year, prefix=publisher.prefix)),
        extra_locations=max(selectors.max_locations_now(programme=programme, year=year) - 1, 0),
        meta=meta,
        filename=f"{programme.slug}-360giving-preview" + (f"-{year.label}" if year else ""),
    )
