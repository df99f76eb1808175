"""Reads for open data: agreements as 360Giving grants (streamed), and what is published.

`grants_now` maps the records as they stand (the officer's preview and `--all` exports): one query streams
every funding line of the chosen agreements in (agreement, year) order with `.iterator()`, and the lines of
each agreement × year become one grant. The small reference tables (programmes, streams, funders, areas,
periods) are read once beforehand. Draft agreements are never read here: they are never published.

`published_grants` streams the snapshots officers published (the public page and downloads).
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
from collections.abc import Iterator
from dataclasses import dataclass

from django.db import connection
from django.db.models import Count, Max, OuterRef, QuerySet, Subquery
from django.utils import timezone

from vcsgrants.core import council
from vcsgrants.core.figures_cache import VersionQuery, histories, read_versions, version_of
from vcsgrants.core.models import Area, CouncilSettings, FinancialYear, Organisation
from vcsgrants.funding.models import (
    Agreement,
    Decision,
    FundingLine,
    FundingStream,
    Programme,
    ProgrammePeriod,
    StreamBudget,
    Variation,
)
from vcsgrants.opendata import conf, quality
from vcsgrants.opendata.grants import Award, Line, Org, Place, build_grant, load_geo_code_types, org_identifier
from vcsgrants.opendata.models import PublishedGrant
from vcsgrants.opendata.transparency import RegisterRow, register_row

PUBLISHABLE = (Agreement.Status.ACTIVE, Agreement.Status.ENDED)
CHUNK = 2000


@functools.cache
def geo_code_types() -> dict[str, str]:
    return load_geo_code_types(conf.standard_dir() / "codelists" / "geoCodeType.csv")


# --- the publisher -------------------------------------------------------------------------


@dataclass(frozen=True)
class Publisher:
    organisation: Organisation | None
    prefix: str
    org_id: str = ""  # the Org-ID asked for (setting or council settings), even with no organisation recorded under it
    council_name: str = ""  # the council's name from its settings

    @property
    def org(self) -> Org | None:
        if self.organisation is None:
            return Org(id=self.org_id, name=self.name) if self.org_id else None
        org = self.organisation
        return Org(id=org_identifier(org.org_id, prefix=self.prefix, slug=org.slug), name=self.council_name or org.name)

    @property
    def name(self) -> str:
        if self.council_name:
            return self.council_name
        return self.organisation.name if self.organisation else council.display_name()


def publisher() -> Publisher:
    """The council that publishes: OPENDATA_PUBLISHER_ORG_ID if set, else the council settings' Org-ID, else the
    funder of the first programme. Its name: the council settings' council name, else the organisation's.

    Its prefix for grant identifiers: OPENDATA_GRANT_PREFIX if set, else 360G- and its Org-ID (or its slug
    when it has no Org-ID).
    """
    wanted = conf.publisher_org_id()
    if wanted:
        organisation = Organisation.objects.filter(org_id=wanted).first()
    else:
        first = Programme.objects.order_by("pk").select_related("funder").first()
        organisation = first.funder if first else None
    prefix = conf.grant_prefix()
    if not prefix:
        if organisation is not None:
            prefix = f"360G-{organisation.org_id or organisation.slug}"
        else:
            prefix = f"360G-{wanted}" if wanted else "360G-UNKNOWN"
    name = CouncilSettings.objects.filter(pk=1).values_list("council_name", flat=True).first() or ""
    return Publisher(organisation=organisation, prefix=prefix, org_id=wanted, council_name=name.strip())


# --- grants as they would be published now -------------------------------------------------


def _lines(*, programme=None, year=None, agreement_ids=None) -> QuerySet:
    lines = FundingLine.objects.filter(agreement__status__in=PUBLISHABLE)
    if programme is not None:
        lines = lines.filter(agreement__programme=programme)
    if year is not None:
        lines = lines.filter(financial_year=year)
    if agreement_ids is not None:
        lines = lines.filter(agreement_id__in=list(agreement_ids))
    return lines


@dataclass
class _Reference:
    """The small tables every grant refers to, read once."""

    programmes: dict[int, tuple[str, str, int]]
    streams: dict[int, tuple[str, bool, int]]
    orgs: dict[int, Organisation]
    places: dict[int, Place]
    periods: dict[int, list[tuple[dt.date, dt.date, dt.date]]]


def _reference(lines: QuerySet) -> _Reference:
    programme_ids = set(lines.order_by().values_list("agreement__programme_id", flat=True).distinct())
    programmes = {p.pk: (p.slug, p.name, p.funder_id) for p in Programme.objects.filter(pk__in=programme_ids)}
    streams = {s.pk: (s.name, s.is_one_off, s.funder_id) for s in FundingStream.objects.filter(programme_id__in=programme_ids)}
    org_ids = {funder for *_, funder in programmes.values()} | {funder for *_, funder in streams.values()}
    orgs = {o.pk: o for o in Organisation.objects.filter(pk__in=org_ids)}
    places = {
        a.pk: Place(name=a.name, gss_code=a.gss_code or "", sort_key=(0 if a.kind == Area.Kind.COUNTY else 1,))
        for a in Area.objects.all()
    }
    periods: dict[int, list] = {}
    for period in ProgrammePeriod.objects.filter(programme_id__in=programme_ids).select_related("decision"):
        authorised = period.decision.decision_date if period.decision_id else period.approved_on
        periods.setdefault(period.programme_id, []).append((period.start, period.end, authorised))
    return _Reference(programmes, streams, orgs, places, periods)


def original_award_date(periods: list[tuple[dt.date, dt.date, dt.date]], start: dt.date, created: dt.date) -> dt.date:
    """The decision date of the programme period covering the agreement's start, else the day it was created."""
    covering = [p for p in periods if p[0] <= start <= p[1]]
    return max(covering)[2] if covering else created


FIELDS = (
    "agreement_id",
    "financial_year__start_year",
    "amount",
    "stream_id",
    "area_id",
    "variation__number",
    "variation__decision__decision_date",
    "variation__approved_on",
    "agreement__reference",
    "agreement__title",
    "agreement__start_date",
    "agreement__end_date",
    "agreement__created_at",
    "agreement__programme_id",
    "agreement__organisation__name",
    "agreement__organisation__slug",
    "agreement__organisation__org_id",
    "agreement__organisation__charity_number",
    "agreement__organisation__company_number",
    "current_end",
    "last_varied",
)


def awards(*, programme=None, year=None, agreement_ids=None, prefix: str | None = None) -> Iterator[Award]:
    """Every publishable agreement × year with money in it, as an `Award`, streamed in (agreement, year) order."""
    lines = _lines(programme=programme, year=year, agreement_ids=agreement_ids)
    ref = _reference(lines)
    prefix = prefix or publisher().prefix
    variations = Variation.objects.filter(agreement=OuterRef("agreement_id")).order_by().values("agreement")
    rows = (
        lines.annotate(
            current_end=Subquery(variations.annotate(m=Max("new_end_date")).values("m")),
            last_varied=Subquery(variations.annotate(m=Max("created_at")).values("m")),
        )
        .order_by("agreement_id", "financial_year__start_year", "id")
        .values_list(*FIELDS)
        .iterator(chunk_size=CHUNK)
    )
    london = timezone.get_default_timezone()
    for (agreement_id, start_year), group in itertools.groupby(rows, key=lambda r: (r[0], r[1])):
        group = list(group)
        first = group[0]
        (
            *_,
            reference,
            title,
            start_date,
            end_date,
            created_at,
            programme_id,
            org_name,
            org_slug,
            org_id,
            charity_number,
            company_number,
            current_end,
            last_varied,
        ) = first
        slug, programme_name, funder_id = ref.programmes[programme_id]
        funder = ref.orgs[funder_id]
        created_on = timezone.localtime(created_at, london).date()
        original = original_award_date(ref.periods.get(programme_id, []), start_date, created_on)
        award_lines = []
        for row in group:
            amount, stream_id, area_id, number, decided_on, approved_on = row[2:8]
            stream_name, one_off, stream_funder_id = ref.streams[stream_id]
            stream_funder = ref.orgs[stream_funder_id]
            is_department = stream_funder_id != funder_id and stream_funder.parent_id == funder_id
            award_lines.append(
                Line(
                    amount=amount,
                    stream=stream_name,
                    one_off=one_off,
                    place=ref.places[area_id],
                    change=number or 0,
                    authorised_on=original if number is None else (decided_on or approved_on),
                    funder_name=stream_funder.name if stream_funder_id != funder_id and not is_department else "",
                    department=stream_funder.name if is_department else "",
                )
            )
        yield Award(
            prefix=prefix,
            reference=reference,
            year_label=f"{start_year}-{(start_year + 1) % 100:02d}",
            year_start=dt.date(start_year, 4, 1),
            year_end=dt.date(start_year + 1, 3, 31),
            agreement_title=title,
            agreement_start=start_date,
            agreement_end=max(current_end, end_date) if current_end else end_date,
            recipient=Org(
                id=org_identifier(org_id, prefix=prefix, slug=org_slug),
                name=org_name,
                charity_number=charity_number,
                company_number=company_number,
            ),
            funder=Org(id=org_identifier(funder.org_id, prefix=prefix, slug=funder.slug), name=funder.name),
            programme_code=slug,
            programme_title=programme_name,
            modified=max(created_at, last_varied) if last_varied else created_at,
            lines=award_lines,
            agreement_id=agreement_id,
        )


@dataclass
class GrantNow:
    """A grant as it would be published now, with the keys that locate its records."""

    agreement_id: int
    start_year: int
    grant: dict
    location_count: int


def grants_now(*, programme=None, year=None, agreement_ids=None, prefix: str | None = None) -> Iterator[GrantNow]:
    types = geo_code_types()
    for award in awards(programme=programme, year=year, agreement_ids=agreement_ids, prefix=prefix):
        grant = build_grant(award, types)
        yield GrantNow(
            agreement_id=award.agreement_id,
            start_year=award.year_start.year,
            grant=grant,
            location_count=len(grant["beneficiaryLocation"]),
        )


def has_publishable(*, programme=None, year=None) -> bool:
    return _lines(programme=programme, year=year).exists()


def max_locations_now(*, programme=None, year=None, agreement_ids=None) -> int:
    """The most areas any one grant names (for the spreadsheet's numbered location columns)."""
    per_grant = (
        _lines(programme=programme, year=year, agreement_ids=agreement_ids)
        .order_by()
        .values("agreement_id", "financial_year_id")
        .annotate(n=Count("area_id", distinct=True))
        .order_by("-n")
        .values_list("n", flat=True)
    )
    return per_grant.first() or 0


def publishable_agreements(*, programme: Programme, year: FinancialYear) -> QuerySet[Agreement]:
    """Active and ended agreements with money in the year: one grant each."""
    with_money = FundingLine.objects.filter(agreement__programme=programme, financial_year=year).values("agreement_id")
    return (
        Agreement.objects.filter(programme=programme, status__in=PUBLISHABLE, pk__in=with_money)
        .select_related("organisation")
        .order_by("reference")
    )


def draft_count(*, programme: Programme, year: FinancialYear) -> int:
    with_money = FundingLine.objects.filter(agreement__programme=programme, financial_year=year).values("agreement_id")
    return Agreement.objects.filter(programme=programme, status=Agreement.Status.DRAFT, pk__in=with_money).count()


@dataclass(frozen=True)
class UnpublishedFindings:
    unpublished: int  # grants for the year not yet published
    checked: int  # of those, how many were checked (at most the limit)
    with_findings: int
    findings: int


def unpublished_findings(*, programme: Programme, year: FinancialYear, today: dt.date, limit: int) -> UnpublishedFindings:
    """The data-quality findings on the programme's grants for the year that are not yet published (the officer's
    home page), checking at most `limit` of them (in reference order), built as the preview builds them."""
    published_ids = PublishedGrant.objects.filter(programme=programme, financial_year=year).values("agreement_id")
    waiting = publishable_agreements(programme=programme, year=year).exclude(pk__in=published_ids)
    ids = list(waiting.values_list("pk", flat=True)[:limit])
    if not ids:
        return UnpublishedFindings(0, 0, 0, 0)
    unpublished = len(ids) if len(ids) < limit else waiting.count()
    publisher_ = publisher()
    grants = [g.grant for g in grants_now(programme=programme, year=year, agreement_ids=ids, prefix=publisher_.prefix)]
    expected = publisher_.org.id if publisher_.org else None
    findings = quality.check_grants(grants, today=today, expected_funder=expected)
    return UnpublishedFindings(unpublished, len(ids), len({f.grant_id for f in findings}), len(findings))


def grants_version() -> tuple:
    return read_versions(grants_version_query())[0]


def grants_version_query() -> VersionQuery:
    """A version of everything a grant as it would be published now reads, and of which grants are published: the
    highest history id of the programmes, their periods and decisions, streams and budgets, agreements,
    organisations, areas and the council's settings, the highest id of the funding lines, variations and financial
    years (only ever added), and the highest id and number of published grants (published, or taken off). Every
    change through the services raises one of them, so findings kept under it are never stale; the publisher's
    settings are part of it too."""
    tracked = version_of(
        *histories(Programme, ProgrammePeriod, Decision, FundingStream, StreamBudget, Agreement, Organisation, Area),
        *histories(CouncilSettings),
        *((model, "id") for model in (FundingLine, Variation, FinancialYear, PublishedGrant)),
    )
    published = f"(SELECT COUNT(*) FROM {connection.ops.quote_name(PublishedGrant._meta.db_table)})"  # noqa: S608
    return VersionQuery((*tracked.parts, published), settings=(conf.publisher_setting(), conf.grant_prefix()))


def programme_years_with_money(programme: Programme) -> list[FinancialYear]:
    ids = FundingLine.objects.filter(agreement__programme=programme).values("financial_year_id")
    return list(FinancialYear.objects.filter(pk__in=ids).order_by("start_year"))


# --- what is published -----------------------------------------------------------------------


def published(*, programme=None, year=None) -> QuerySet[PublishedGrant]:
    grants = PublishedGrant.objects.all()
    if programme is not None:
        grants = grants.filter(programme=programme)
    if year is not None:
        grants = grants.filter(financial_year=year)
    return grants


def published_data(*, programme=None, year=None) -> Iterator[dict]:
    """The published grants' data, streamed in identifier order."""
    yield from (
        published(programme=programme, year=year).order_by("grant_id").values_list("data", flat=True).iterator(chunk_size=CHUNK)
    )


def max_locations_published(*, programme=None, year=None) -> int:
    return published(programme=programme, year=year).aggregate(m=Max("location_count"))["m"] or 0


def last_published_at(*, programme=None, year=None) -> dt.datetime | None:
    return published(programme=programme, year=year).aggregate(m=Max("published_at"))["m"]


def transparency_register(*, year=None) -> list[RegisterRow]:
    """The Transparency Code register (opendata.transparency): every published grant (of the year, if given), by
    award date then beneficiary; built from the same snapshots as the 360Giving files."""
    grants = published(year=year).select_related("financial_year").order_by("award_date", "recipient_name", "grant_id")
    return [register_row(data=g.data, amount=g.amount, year=g.financial_year.label) for g in grants]
