"""Reads for funding partners: who pays for what, by financial year, under which name.

Everything is summed from the records: stream budgets, partners' contributions to them, and the
agreements' funding lines. `shares_for` applies the pure rules of funding.cofunding to those records; the
agreement page, the partner pages and the commitments forecast all read their figures from it, so they
agree to the penny.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from django.db.models import Prefetch, Q, QuerySet

from vcsgrants.core.figures_cache import highest_ids, histories, remember_each
from vcsgrants.core.models import Area, FinancialYear, Organisation
from vcsgrants.core.rules import organisation_lineage
from vcsgrants.funding.cofunding import (
    OrgNode,
    Payer,
    long_date,
    names_for_period,
    payer_weights,
    responsible,
    share,
    split_stream,
)
from vcsgrants.funding.models import (
    ZERO,
    Agreement,
    FundingLine,
    FundingStream,
    MoneySum,
    Programme,
    StreamBudget,
    StreamContribution,
    Variation,
)

Key = tuple[int, int]  # (agreement id, area id)


def org_nodes(ids: Iterable[int] | None = None) -> dict[int, OrgNode]:
    """Organisations' names and successors, so succession never costs a query per step: every organisation (one
    query), or those in `ids` and their successors, step by step (a query per step of the longest chain, not per
    organisation): a page about one agreement needs its funders, not a large funder's thousands of providers."""
    fields = ("pk", "name", "successor_id", "succeeded_on")
    if ids is None:
        return {
            pk: OrgNode(pk, name, successor_id, when)
            for pk, name, successor_id, when in Organisation.objects.values_list(*fields)
        }
    nodes: dict[int, OrgNode] = {}
    wanted = set(ids)
    while wanted:
        for pk, name, successor_id, when in Organisation.objects.filter(pk__in=wanted).values_list(*fields):
            nodes[pk] = OrgNode(pk, name, successor_id, when)
        wanted = {n.successor_id for n in nodes.values() if n.successor_id and n.successor_id not in nodes}
    return nodes


@dataclass
class StreamYearShares:
    """One stream in one financial year: its budget, who pays which share, and its commitments shared out."""

    stream: FundingStream
    year: FinancialYear
    budget: Decimal | None
    contributions: list[StreamContribution]
    weights: list[tuple[Payer, Fraction]]
    committed: Decimal = ZERO
    committed_by_payer: dict[Payer, Decimal] = field(default_factory=dict)
    by_key: dict[Key, dict[Payer, Decimal]] = field(default_factory=dict)
    line_amounts: dict[Key, Decimal] = field(default_factory=dict)
    lead_excess: Decimal = ZERO  # committed beyond the budget, on the stream's funder: partners' pledges are fixed

    @property
    def pledged_by_payer(self) -> dict[Payer, Decimal]:
        """Each payer's share of the known budget (nothing when no budget is known yet)."""
        return share(self.budget, self.weights) if self.budget is not None else {}

    @property
    def payers(self) -> list[Payer]:
        return [p for p, _ in self.weights]

    @property
    def over_budget(self) -> Decimal | None:
        if self.budget is None:
            return None
        return self.committed - self.budget if self.committed > self.budget else None


def _stream_period(stream: FundingStream, year: FinancialYear):
    """The days of the year the stream runs: a successor's share of a year is counted over these."""
    start = max(year.start, stream.start)
    end = min(year.end, stream.end) if stream.end else year.end
    return (start, end) if start <= end else (year.start, year.end)


def _agreement_periods(lines, fy, orgs) -> dict[int, tuple[dt.date, dt.date]]:
    """Each agreement's own dates (start to end as extended), for splitting its money at a handover by its days.

    Read (two queries) only when some payer of these streams was succeeded during a year in question."""
    handovers = [o.succeeded_on for o in orgs.values() if o.successor_id and o.succeeded_on]
    if not any(fy[year_id].start < day <= fy[year_id].end for _, year_id in lines for day in handovers):
        return {}
    ids = {agreement_id for amounts in lines.values() for agreement_id, _ in amounts}
    agreements = (
        Agreement.objects.filter(pk__in=ids)
        .only("pk", "start_date", "end_date")
        .prefetch_related(
            Prefetch(
                "variations",
                queryset=Variation.objects.filter(new_end_date__isnull=False).only("agreement_id", "number", "new_end_date"),
            )
        )
    )
    return {a.pk: (a.start_date, a.current_end_date) for a in agreements}


def shares_for(
    *, streams: Iterable[FundingStream], years: Iterable[FinancialYear] | None = None
) -> dict[tuple[int, int], StreamYearShares]:
    """Budgets, contributions and commitments of the streams (in the years given, else every year), shared by payer.

    Keyed by (stream id, financial year id). Commitments are the net funding lines per agreement and district.
    """
    streams = {s.pk: s for s in streams}
    year_filter = Q()
    if years is not None:
        years = list(years)
        year_filter = Q(financial_year__in=years)
    budgets = {
        (b.stream_id, b.financial_year_id): b.amount
        for b in StreamBudget.objects.filter(year_filter, stream_id__in=list(streams)).only(
            "stream_id", "financial_year_id", "amount"
        )
    }
    contributions: dict[tuple[int, int], list[StreamContribution]] = defaultdict(list)
    for c in StreamContribution.objects.filter(year_filter, stream_id__in=list(streams)).select_related("funder"):
        contributions[(c.stream_id, c.financial_year_id)].append(c)
    lines: dict[tuple[int, int], dict[Key, Decimal]] = defaultdict(dict)
    for row in (
        FundingLine.objects.filter(year_filter, stream_id__in=list(streams))
        .values("stream_id", "financial_year_id", "agreement_id", "area_id")
        .annotate(total=MoneySum("amount"))
        .order_by("stream_id", "financial_year_id", "agreement_id", "area_id")
    ):
        lines[(row["stream_id"], row["financial_year_id"])][(row["agreement_id"], row["area_id"])] = row["total"]
    pairs = set(budgets) | set(contributions) | set(lines)
    fy = FinancialYear.objects.in_bulk({year_id for _, year_id in pairs})
    # The payers: each stream's funder and its partners, with their successors.
    orgs = org_nodes({s.funder_id for s in streams.values()} | {c.funder_id for cs in contributions.values() for c in cs})
    periods = _agreement_periods(lines, fy, orgs)
    result = {}
    for stream_id, year_id in sorted(pairs, key=lambda p: (fy[p[1]].start_year, streams[p[0]].name)):
        stream, year = streams[stream_id], fy[year_id]
        start, end = _stream_period(stream, year)
        budget = budgets.get((stream_id, year_id))
        pair_contributions = contributions.get((stream_id, year_id), [])
        weights = payer_weights(
            lead_id=stream.funder_id,
            budget=budget,
            contributions=[(c.funder_id, c.amount) for c in pair_contributions],
            start=start,
            end=end,
            orgs=orgs,
        )
        amounts = lines.get((stream_id, year_id), {})
        split = split_stream(
            amounts,
            lead_id=stream.funder_id,
            budget=budget,
            contributions=[(c.funder_id, c.amount) for c in pair_contributions],
            start=start,
            end=end,
            orgs=orgs,
            key_periods={key: periods[key[0]] for key in amounts if key[0] in periods},
        )
        result[(stream_id, year_id)] = StreamYearShares(
            stream=stream,
            year=year,
            budget=budget,
            contributions=pair_contributions,
            weights=weights,
            committed=sum(amounts.values(), ZERO),
            committed_by_payer=split.totals,
            by_key=split.by_key,
            line_amounts=amounts,
            lead_excess=split.lead_excess,
        )
    return result


# --- An agreement's funders ---------------------------------------------------------------


@dataclass
class FunderShare:
    payer: Payer
    amount: Decimal


@dataclass
class FundersInYear:
    year: FinancialYear
    shares: list[FunderShare]
    total: Decimal

    @property
    def co_funded(self) -> bool:
        return len({s.payer.org_id for s in self.shares}) > 1


def funding_version() -> tuple[int | None, ...]:
    """A version of everything `shares_for` reads, in one query: the highest id of the funding lines, variations and
    years (only ever added; lines and variations deleted only with their agreement, which writes an agreement history
    row) and the highest history id of the streams, their budgets and contributions, agreements and organisations
    (successions)."""
    return highest_ids(
        *((model, "id") for model in (FundingLine, Variation, FinancialYear)),
        *histories(FundingStream, StreamBudget, StreamContribution, Agreement, Organisation),
    )


@dataclass(frozen=True)
class StreamYearPayers:
    """One stream's commitments for one financial year by agreement and payer (summed over the districts)."""

    year: FinancialYear
    by_agreement: dict[int, dict[Payer, Decimal]]


def _stream_year_payers(pairs: list[tuple[int, int]]) -> dict[tuple[int, int], StreamYearPayers | None]:
    """`shares_for` the (stream id, year id) pairs, each kept by agreement and payer; None for a pair with no money."""
    streams = FundingStream.objects.filter(pk__in={s for s, _ in pairs})
    years = FinancialYear.objects.filter(pk__in={y for _, y in pairs})
    found: dict[tuple[int, int], StreamYearPayers | None] = dict.fromkeys(pairs)
    for pair, shares in shares_for(streams=streams, years=years).items():
        if pair not in found:
            continue
        by_agreement: dict[int, dict[Payer, Decimal]] = {}
        for (agreement_id, _), by_payer in shares.by_key.items():
            mine = by_agreement.setdefault(agreement_id, {})
            for payer, amount in by_payer.items():
                mine[payer] = mine.get(payer, ZERO) + amount
        found[pair] = StreamYearPayers(shares.year, by_agreement)
    return found


def agreement_funders(agreement: Agreement, pairs: Iterable[tuple[int, int]] | None = None) -> list[FundersInYear]:
    """Who pays for the agreement each financial year, and how much: the shares add up to its value that year.

    A share depends on every agreement of its stream that year (the pence are apportioned across them all), so each
    stream's year is worked out once for all of its agreements and kept in the shared cache under `funding_version()`:
    the next agreement of the same stream reads it back, and a change to any of the money is seen on the very next
    view. `pairs`: the (stream id, year id) of the agreement's funding lines, when the caller has read them already."""
    if pairs is None:
        pairs = agreement.funding_lines.values_list("stream_id", "financial_year_id")
    pairs = sorted(set(pairs))
    if not pairs:
        return []
    version = funding_version()
    found = remember_each("stream-year-payers", {pair: (*pair, *version) for pair in pairs}, _stream_year_payers)
    per_year: dict[int, dict[Payer, Decimal]] = defaultdict(lambda: defaultdict(lambda: ZERO))
    totals: dict[int, Decimal] = defaultdict(lambda: ZERO)
    year_objects = {}
    for (_, year_id), payers in found.items():
        if payers is None:
            continue
        year_objects[year_id] = payers.year
        for payer, amount in payers.by_agreement.get(agreement.pk, {}).items():
            per_year[year_id][payer] += amount
            totals[year_id] += amount
    return [
        FundersInYear(
            year=year_objects[year_id],
            shares=[
                FunderShare(p, a)
                for p, a in sorted(per_year[year_id].items(), key=lambda kv: (kv[0].start, -kv[1], kv[0].label))
                if a
            ],
            total=totals[year_id],
        )
        for year_id in sorted(per_year, key=lambda y: year_objects[y].start_year)
    ]


# --- A partner's view ---------------------------------------------------------------------


@dataclass
class ContributionRow:
    programme: Programme
    stream: FundingStream
    year: FinancialYear
    payer: Payer
    pledged: Decimal | None  # share of the known budget
    committed: Decimal  # share of what agreements commit
    budget: Decimal | None
    lead: bool  # the stream's own funder, paying what partners do not


@dataclass
class AgreementShareRow:
    agreement: Agreement
    area: Area
    year: FinancialYear
    stream: FundingStream
    payer: Payer
    amount: Decimal
    line_amount: Decimal


@dataclass
class YearTotal:
    year: FinancialYear
    label: str
    pledged: Decimal | None  # None while no budget is known for the year
    committed: Decimal


@dataclass
class PartnerOverview:
    organisation: Organisation
    lineage: list[Organisation]
    succession: str
    contributions: list[ContributionRow]
    agreement_shares: list[AgreementShareRow]
    programmes: list[Programme]

    @property
    def by_year(self) -> list[YearTotal]:
        """Pledged and committed by financial year and by the name the money was under."""
        totals: dict[tuple[int, str], list] = defaultdict(lambda: [None, ZERO])
        years = {}
        for row in self.contributions:
            key = (row.year.start_year, row.payer.label)
            years[key] = row.year
            if row.pledged is not None:
                totals[key][0] = (totals[key][0] or ZERO) + row.pledged
            totals[key][1] += row.committed
        return [YearTotal(years[k], k[1], v[0], v[1]) for k, v in sorted(totals.items())]

    @property
    def total_pledged(self) -> Decimal:
        return sum((r.pledged or ZERO for r in self.contributions), ZERO)

    @property
    def total_committed(self) -> Decimal:
        return sum((r.committed for r in self.contributions), ZERO)

    @property
    def agreements(self) -> list[Agreement]:
        seen = {}
        for row in self.agreement_shares:
            seen.setdefault(row.agreement.pk, row.agreement)
        return sorted(seen.values(), key=lambda a: a.reference)


def succession_text(lineage: list[Organisation]) -> str:
    """The lineage in order of succession: "A until 30 June 2022, then B from 1 July 2022"."""
    if len(lineage) <= 1:
        return ""
    parts = []
    for org in lineage:
        if org.successor_id and org.succeeded_on:
            parts.append(f"{org.name} until {long_date(org.succeeded_on - dt.timedelta(days=1))}")
        else:
            parts.append(org.name)
    result = parts[0]
    for org, part in zip(lineage[:-1], parts[1:], strict=True):
        result += f", then {part} from {long_date(org.succeeded_on)}" if org.succeeded_on else f", then {part}"
    return result


def ordered_lineage(organisation: Organisation) -> list[Organisation]:
    """The organisation's lineage, first predecessor to last successor."""
    members = {o.pk: o for o in Organisation.objects.filter(pk__in=organisation_lineage(organisation))}
    successors = {o.successor_id for o in members.values() if o.successor_id}
    roots = [o for o in members.values() if o.pk not in successors] or [organisation]
    ordered, current, seen = [], sorted(roots, key=lambda o: o.name)[0], set()
    while current is not None and current.pk not in seen:
        ordered.append(current)
        seen.add(current.pk)
        current = members.get(current.successor_id) if current.successor_id else None
    ordered.extend(o for o in members.values() if o.pk not in seen)  # branches, if any, after the main line
    return ordered


def partner_streams(lineage_ids: set[int]) -> QuerySet[FundingStream]:
    """Streams a lineage funds or contributes to."""
    return (
        FundingStream.objects.filter(Q(funder_id__in=lineage_ids) | Q(contributions__funder_id__in=lineage_ids))
        .select_related("programme", "funder")
        .distinct()
    )


def partner_overview(organisation: Organisation) -> PartnerOverview:
    lineage = ordered_lineage(organisation)
    ids = {o.pk for o in lineage}
    streams = list(partner_streams(ids))
    shares = shares_for(streams=streams)
    agreements = Agreement.objects.select_related("organisation").in_bulk(
        {agreement_id for s in shares.values() for (agreement_id, _), by in s.by_key.items() if any(p.org_id in ids for p in by)}
    )
    areas = Area.objects.in_bulk({area_id for s in shares.values() for (_, area_id) in s.by_key})
    contributions, agreement_rows = [], []
    for s in shares.values():
        pledged = s.pledged_by_payer
        for payer in s.payers:
            if payer.org_id not in ids:
                continue
            if s.budget is None and not s.committed_by_payer.get(payer):
                continue
            contributions.append(
                ContributionRow(
                    programme=s.stream.programme,
                    stream=s.stream,
                    year=s.year,
                    payer=payer,
                    pledged=pledged.get(payer) if s.budget is not None else None,
                    committed=s.committed_by_payer.get(payer, ZERO),
                    budget=s.budget,
                    lead=s.stream.funder_id in ids,
                )
            )
        for (agreement_id, area_id), by_payer in s.by_key.items():
            for payer, amount in by_payer.items():
                if payer.org_id in ids and amount:
                    agreement_rows.append(
                        AgreementShareRow(
                            agreement=agreements[agreement_id],
                            area=areas[area_id],
                            year=s.year,
                            stream=s.stream,
                            payer=payer,
                            amount=amount,
                            line_amount=s.line_amounts[(agreement_id, area_id)],
                        )
                    )
    agreement_rows.sort(key=lambda r: (r.agreement.reference, r.year.start_year, r.stream.name, r.payer.start))
    programmes = sorted({s.stream.programme.pk: s.stream.programme for s in shares.values()}.values(), key=lambda p: p.name)
    return PartnerOverview(
        organisation=organisation,
        lineage=lineage,
        succession=succession_text(lineage),
        contributions=contributions,
        agreement_shares=agreement_rows,
        programmes=programmes,
    )


def partner_bodies() -> list[tuple[Organisation, set[str]]]:
    """Every organisation that funds a stream or contributes to one, with the programmes concerned."""
    rows: dict[int, tuple[Organisation, set[str]]] = {}
    for stream in FundingStream.objects.select_related("funder", "programme"):
        rows.setdefault(stream.funder_id, (stream.funder, set()))[1].add(stream.programme.name)
    for c in StreamContribution.objects.select_related("funder", "stream__programme"):
        rows.setdefault(c.funder_id, (c.funder, set()))[1].add(c.stream.programme.name)
    return sorted(rows.values(), key=lambda r: r[0].name)


def stream_funders_text(stream: FundingStream, year: FinancialYear) -> str:
    """Who pays for a stream in a year, each under the names it had then: for reports, for example
    "Northshire County Council, with NHS Northshire Clinical Commissioning Group (to 30 June 2022), then
    NHS Northshire Integrated Care Board"."""
    orgs = org_nodes()
    start, end = _stream_period(stream, year)
    contributors = (
        StreamContribution.objects.filter(stream=stream, financial_year=year).select_related("funder").order_by("funder__name")
    )
    lead = names_for_period(responsible(stream.funder_id, start, end, orgs))
    partners = [names_for_period(responsible(c.funder_id, start, end, orgs)) for c in contributors]
    return f"{lead}, with {' and '.join(partners)}" if partners else lead
