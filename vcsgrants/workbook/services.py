"""Bringing in a council's existing data from one workbook: checked whole, then written in one transaction or not at all.

`import_workbook` reads the workbook (sheets.read_workbook), loads what the service already holds in a fixed number of
queries, checks every row against it and against the rest of the workbook (the same rules the services apply one
record at a time: core.models' Org-ID validator, funding.services' periods, allocations and schedules, monitoring's
value checks), and raises ImportRefused listing every problem by sheet, row, column and field (the first 200, then a
count by kind) if there is any. Otherwise it writes everything in one transaction, in bulk (each new organisation,
agreement and instalment with its "Created" history record by the importing officer), and records one audit event.

Records are matched by the council's own references, so importing the same workbook twice changes nothing the
second time: a record already in the service with the same values is counted as unchanged. An organisation whose
details differ is updated; an agreement's terms (dates, areas, money) are never overwritten: a difference is a
problem, to be changed by variation in the service.
"""

from __future__ import annotations

import datetime as dt
import re
import time
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from vcsgrants.core.audit import record_event
from vcsgrants.core.council import current as current_council
from vcsgrants.core.database import analyse
from vcsgrants.core.models import Area, FinancialYear, Organisation, User, org_id_validator
from vcsgrants.core.money import apportion, pounds, quarter_end, quarter_starts, quarterly_in_advance
from vcsgrants.core.problems import ProblemList
from vcsgrants.core.uploads import file_limits
from vcsgrants.funding.models import (
    ZERO,
    Agreement,
    Allocation,
    FundingLine,
    FundingStream,
    Payment,
    PaymentInstalment,
    Programme,
    StreamBudget,
)
from vcsgrants.monitoring.models import Kpi, KpiTarget, KpiVersion, Return, ReturnEvent, ReturnValue
from vcsgrants.monitoring.rag import Aggregation, profile_evenly
from vcsgrants.monitoring.services import check_value
from vcsgrants.monitoring.spreadsheets import ImportRefused
from vcsgrants.workbook import sheets
from vcsgrants.workbook.sheets import (
    AGREEMENTS,
    ALLOCATIONS,
    FUNDING_LINES,
    ORGANISATIONS,
    PAYMENTS,
    RETURNS,
    TARGETS,
    Problem,
    Row,
)

SLUG = re.compile(r"^[-a-zA-Z0-9_]+$")
NOT_FOUND = "a reference to something that is not there"
CONFLICT = "a record that differs from the service's"
INVALID = "a value the service does not accept"
TWICE = "a record given twice"
BATCH = 2000


@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged


@dataclass
class ImportResult:
    counts: dict[str, Counts] = field(default_factory=dict)
    phases: dict[str, float] = field(default_factory=dict)  # seconds reading, checking, writing (with the commit)
    seconds: float = 0.0

    @property
    def changed(self) -> bool:
        return any(c.created or c.updated for c in self.counts.values())

    def lines(self) -> list[str]:
        return [
            f"{name}: {c.created:,} created, {c.updated:,} updated, {c.unchanged:,} unchanged"
            for name, c in self.counts.items()
            if c.total
        ]


def _key(text: str) -> str:
    return " ".join(text.split()).lower()


def _year_in(start_year: int, start: dt.date, end: dt.date) -> bool:
    return dt.date(start_year, 4, 1) <= end and dt.date(start_year + 1, 3, 31) >= start


@dataclass
class NewAgreement:
    row: Row
    reference: str
    programme: Programme
    org_key: str
    title: str
    start: dt.date
    end: dt.date
    areas: list[Area]
    status: str
    lines: dict[tuple[int, int, int], Decimal] = field(default_factory=dict)  # (stream, start year, area) → amount
    payments: dict[int, list[tuple[dt.date, Decimal, str]]] = field(default_factory=dict)  # start year → payments


class Plan:
    """Everything checked, and what to write. Lookups are loaded once; nothing is queried per row."""

    def __init__(self, read: sheets.ReadWorkbook, actor: User):
        self.read = read
        self.actor = actor
        self.problems: ProblemList[Problem] = read.problems
        self.counts = {s.name: Counts() for s in sheets.SHEETS}
        council = current_council()
        self.whole_area_name = council.whole_area_name or "County-wide"
        self.orgs = {o.slug.lower(): o for o in Organisation.objects.all()}
        self.orgs_by_name = {_key(o.name): o.slug.lower() for o in self.orgs.values()}
        self.orgs_by_org_id = {o.org_id.upper(): o.slug.lower() for o in self.orgs.values() if o.org_id}
        self.programmes: dict[str, Programme] = {}
        for p in Programme.objects.all():
            self.programmes[p.slug.lower()] = p
            self.programmes[_key(p.name)] = p
        self.streams = {(s.programme_id, _key(s.name)): s for s in FundingStream.objects.all()}
        self.areas: dict[str, Area] = {}
        for a in Area.objects.all():
            self.areas[_key(a.name)] = a
            if a.gss_code:  # the official code, where the area has one
                self.areas[a.gss_code.lower()] = a
            if a.kind == Area.Kind.COUNTY:
                self.areas[_key(self.whole_area_name)] = a
                self.areas["county-wide"] = a
        self.area_by_pk = {a.pk: a for a in self.areas.values()}
        self.agreements = {
            a.reference.upper(): a
            for a in Agreement.objects.select_related("programme", "organisation").prefetch_related("areas", "variations")
        }
        self.allocations = {
            (a.stream_id, a.financial_year.start_year, a.area_id): a for a in Allocation.objects.select_related("financial_year")
        }
        self.committed: dict[tuple[int, int, int], Decimal] = defaultdict(lambda: ZERO)
        self.original_lines: dict[int, dict[tuple[int, int, int], Decimal]] = defaultdict(dict)
        for agreement_id, variation_id, stream_id, year, area_id, amount in FundingLine.objects.values_list(
            "agreement_id", "variation_id", "stream_id", "financial_year__start_year", "area_id", "amount"
        ):
            self.committed[(stream_id, year, area_id)] += amount
            if variation_id is None:
                lines = self.original_lines[agreement_id]
                lines[(stream_id, year, area_id)] = lines.get((stream_id, year, area_id), ZERO) + amount
        self.budgets = {
            (b.stream_id, b.financial_year.start_year): b for b in StreamBudget.objects.select_related("financial_year")
        }
        # What the workbook will write.
        self.new_allocations: dict[tuple[int, int, int], Decimal] = {}
        self.changed_allocations: list[Allocation] = []
        self.new_budgets: dict[tuple[int, int], Decimal] = {}
        self.payments_to_existing: list[tuple[int, dt.date, Decimal, str]] = []  # instalment id, paid on, amount, ref
        self.new_targets: list[tuple[str, Kpi, int, list[Decimal]]] = []  # agreement key, KPI, year, annual + quarters
        self.changed_targets: list[KpiTarget] = []
        self.new_returns: list[tuple[str, int, int, dict]] = []  # agreement key, year, quarter, {dates, narrative, values}
        self.new_orgs: dict[str, Organisation] = {}
        self.changed_orgs: list[Organisation] = []
        self.broken_orgs: set[str] = set()
        self.new_agreements: dict[str, NewAgreement] = {}
        self._terms: dict[str, tuple] = {}  # an agreement in the service: its terms, read once
        self._versions: dict[int, KpiVersion] = {}  # a KPI's current version, found once
        self.broken_agreements: set[str] = set()

    def add(self, row: Row | None, key: str | None, message: str, kind: str) -> None:
        self.problems.add(row.problem(key, message) if row else Problem("", None, None, None, message), kind)

    def first_time(self, row: Row, reference: str, key: str, seen: dict[str, int]) -> bool:
        """Whether this row's reference (compared as `key`) is new on its sheet; a repeat is a problem, named with the
        row that gave it first."""
        if key in seen:
            self.add(row, "reference", f"'{reference}' is given twice (first on row {seen[key]})", TWICE)
            return False
        seen[key] = row.number
        return True

    def rows(self, sheet: sheets.Sheet) -> list[Row]:
        return self.read.rows.get(sheet.name, [])

    # --- organisations ----------------------------------------------------------------------------------------------

    def check_organisations(self) -> None:
        seen: dict[str, int] = {}
        names: dict[str, tuple[str, int]] = {}
        org_ids: dict[str, tuple[str, int]] = {}
        for row in self.rows(ORGANISATIONS):
            v = row.values
            reference = v.get("reference")
            if reference is None:
                continue
            key = reference.lower()
            if not self.first_time(row, reference, key, seen):
                continue
            before = len(self.problems) + self.problems.more.total()
            if not SLUG.match(reference):
                self.add(row, "reference", f"'{reference}' may hold only letters, numbers, hyphens and underscores", INVALID)
            kind = (v.get("kind") or "provider").lower()
            kinds = {k.value: k.value for k in Organisation.Kind} | {k.label.lower(): k.value for k in Organisation.Kind}
            if kind not in kinds:
                self.add(row, "kind", f"'{v['kind']}' is not a kind: write provider, partner, funder or applicant", INVALID)
            org_id = (v.get("org_id") or "").upper() or None
            if org_id:
                try:
                    org_id_validator(org_id)
                except ValidationError:
                    self.add(row, "org_id", f"'{org_id}' is not an Org-ID such as GB-CHC-1234567", INVALID)
                    row.bad.add("org_id")  # not compared with the others'
            name = v.get("name")
            if name:
                other = names.get(_key(name))
                holder = self.orgs_by_name.get(_key(name))
                if other:
                    self.add(row, "name", f"'{name}' is also the name on row {other[1]}: names must differ", TWICE)
                elif holder and holder != key:
                    self.add(row, "name", f"'{name}' is already the name of another organisation in the service", CONFLICT)
                names[_key(name)] = (key, row.number)
            if org_id and "org_id" not in row.bad:
                other = org_ids.get(org_id)
                holder = self.orgs_by_org_id.get(org_id)
                if other:
                    self.add(row, "org_id", f"{org_id} is also the Org-ID on row {other[1]}", TWICE)
                elif holder and holder != key:
                    self.add(row, "org_id", f"{org_id} is already the Org-ID of another organisation in the service", CONFLICT)
                org_ids[org_id] = (key, row.number)
            if row.bad or len(self.problems) + self.problems.more.total() > before:
                self.broken_orgs.add(key)
                continue
            values = {
                "name": name,
                "kind": kinds[kind],
                "org_id": org_id,
                "charity_number": v.get("charity_number") or "",
                "company_number": v.get("company_number") or "",
            }
            existing = self.orgs.get(key)
            if existing is None:
                self.new_orgs[key] = Organisation(slug=reference, **values)
            elif any(getattr(existing, f) != value for f, value in values.items()):
                for f, value in values.items():
                    setattr(existing, f, value)
                self.changed_orgs.append(existing)
            else:
                self.counts[ORGANISATIONS.name].unchanged += 1

    def org_known(self, key: str) -> bool:
        return key in self.orgs or key in self.new_orgs

    # --- agreements -------------------------------------------------------------------------------------------------

    def _areas(self, row: Row, text: str) -> list[Area] | None:
        found, unknown = [], []
        for part in re.split(r"[;\n]", text):
            part = part.strip()
            if not part:
                continue
            area = self.areas.get(_key(part))
            (found.append(area) if area else unknown.append(part))
        if unknown:
            self.add(row, "areas", f"{', '.join(repr(u) for u in unknown)} is not an area in the service", NOT_FOUND)
            return None
        if not found:
            self.add(row, "areas", "names no area", INVALID)
            return None
        return list(dict.fromkeys(found))

    def check_agreements(self) -> None:
        seen: dict[str, int] = {}
        statuses = {s.value: s.value for s in Agreement.Status}
        for row in self.rows(AGREEMENTS):
            v = row.values
            reference = v.get("reference")
            if reference is None:
                continue
            key = reference.upper()
            if not self.first_time(row, reference, key, seen):
                continue
            ok = not row.bad
            org_key = (v.get("organisation") or "").lower()
            if org_key and not self.org_known(org_key):
                ok = False
                if org_key not in self.broken_orgs:
                    self.add(
                        row,
                        "organisation",
                        f"'{v['organisation']}' is not on the Organisations sheet or in the service",
                        NOT_FOUND,
                    )
            programme = self.programmes.get(_key(v.get("programme") or "")) if v.get("programme") else None
            if v.get("programme") and programme is None:
                ok = False
                self.add(row, "programme", f"'{v['programme']}' is not a programme in the service: create it first", NOT_FOUND)
            start, end = v.get("start"), v.get("end")
            if start and end and end <= start:
                ok = False
                self.add(row, "end", "must be after the start", INVALID)
            areas = self._areas(row, v["areas"]) if v.get("areas") else None
            ok = ok and areas is not None
            status = (v.get("status") or "active").lower()
            if status not in statuses:
                ok = False
                self.add(row, "status", f"'{v['status']}' is not a status: write draft, active or ended", INVALID)
            if not ok:
                self.broken_agreements.add(key)
                continue
            existing = self.agreements.get(key)
            if existing is not None:
                self._compare_agreement(row, existing, programme, org_key, areas, status)
                continue
            self.new_agreements[key] = NewAgreement(
                row, reference, programme, org_key, v["title"], start, end, areas, statuses[status]
            )
        self._check_overlaps()

    def _compare_agreement(self, row: Row, existing: Agreement, programme, org_key, areas, status) -> None:
        v = row.values
        differences = [
            ("organisation", existing.organisation.slug.lower() != org_key, existing.organisation.slug),
            ("programme", existing.programme_id != programme.pk, existing.programme.name),
            ("title", existing.title != v["title"], existing.title),
            ("start", existing.start_date != v["start"], f"{existing.start_date:%d/%m/%Y}"),
            ("end", existing.end_date != v["end"], f"{existing.end_date:%d/%m/%Y}"),
            (
                "areas",
                {a.pk for a in existing.areas.all()} != {a.pk for a in areas},
                "; ".join(str(a) for a in existing.areas.all()),
            ),
            ("status", existing.status != status, existing.status),
        ]
        for key, differs, held in differences:
            if differs:
                self.add(
                    row,
                    key,
                    f"{existing.reference} is already in the service with '{held}': change an agreement "
                    "in the service (by variation once active), not by import",
                    CONFLICT,
                )
                self.broken_agreements.add(existing.reference.upper())
        if existing.reference.upper() not in self.broken_agreements:
            self.counts[AGREEMENTS.name].unchanged += 1

    def _check_overlaps(self) -> None:
        """The same provider's agreements in one programme may not overlap in time for the same area."""
        groups: dict[tuple[int, str], list[tuple[str, dt.date, dt.date, set[int], Row | None]]] = defaultdict(list)
        for a in self.agreements.values():
            groups[(a.programme_id, a.organisation.slug.lower())].append(
                (a.reference, a.start_date, a.current_end_date, {x.pk for x in a.areas.all()}, None)
            )
        for new in self.new_agreements.values():
            groups[(new.programme.pk, new.org_key)].append(
                (new.reference, new.start, new.end, {a.pk for a in new.areas}, new.row)
            )
        for members in groups.values():
            if len(members) < 2 or all(m[4] is None for m in members):
                continue
            members.sort(key=lambda m: m[1])
            for i, (reference, start, end, areas, row) in enumerate(members):
                for other, o_start, o_end, o_areas, _ in members[:i]:
                    if row is None or not (areas & o_areas) or o_end < start or o_start > end:
                        continue
                    self.add(
                        row,
                        "start",
                        f"{reference} runs {start:%d/%m/%Y} – {end:%d/%m/%Y}, overlapping {other} "
                        f"({o_start:%d/%m/%Y} – {o_end:%d/%m/%Y}) for the same organisation, programme and area",
                        INVALID,
                    )
                    self.broken_agreements.add(reference.upper())
                    self.new_agreements.pop(reference.upper(), None)

    # --- funding lines ----------------------------------------------------------------------------------------------

    def agreement_terms(self, key: str):
        """(programme, start, end, areas) of an agreement in the workbook or the service; None if unknown."""
        new = self.new_agreements.get(key)
        if new is not None:
            return new.programme, new.start, new.end, new.areas
        terms = self._terms.get(key)
        if terms is None:
            existing = self.agreements.get(key)
            if existing is None:
                return None
            terms = self._terms[key] = (
                existing.programme,
                existing.start_date,
                existing.current_end_date,
                list(existing.areas.all()),
            )
        return terms

    def unknown_agreement(self, row: Row, field_key: str, reference: str) -> None:
        if reference.upper() not in self.broken_agreements:
            self.add(row, field_key, f"'{reference}' is not on the Agreements sheet or in the service", NOT_FOUND)

    def check_funding_lines(self) -> None:
        seen: dict[tuple[str, int, int, int], int] = {}
        given: dict[str, dict[tuple[int, int, int], tuple[Decimal, Row]]] = defaultdict(dict)
        for row in self.rows(FUNDING_LINES):
            v = row.values
            reference = v.get("agreement")
            if reference is None:
                continue
            terms = self.agreement_terms(reference.upper())
            if terms is None:
                self.unknown_agreement(row, "agreement", reference)
                continue
            programme, start, end, areas = terms
            stream = self.streams.get((programme.pk, _key(v["stream"]))) if v.get("stream") else None
            if v.get("stream") and stream is None:
                self.add(row, "stream", f"'{v['stream']}' is not a funding stream of {programme}", NOT_FOUND)
            year = v.get("year")
            if year is not None and not _year_in(year, start, end):
                self.add(
                    row,
                    "year",
                    f"{year}-{(year + 1) % 100:02d} is outside {reference} ({start:%d/%m/%Y} – {end:%d/%m/%Y})",
                    INVALID,
                )
                year = None
            if year is not None and stream is not None and not stream.runs_in(FinancialYear(start_year=year)):
                self.add(row, "year", f"{stream} does not run in {year}-{(year + 1) % 100:02d}", INVALID)
                year = None
            area = None
            if v.get("area"):
                area = self.areas.get(_key(v["area"]))
                if area is None or area.pk not in {a.pk for a in areas}:
                    self.add(row, "area", f"'{v['area']}' is not one of {reference}'s areas", INVALID)
                    area = None
            elif len(areas) == 1:
                area = areas[0]
            else:
                self.add(row, "area", f"{reference} covers {len(areas)} areas: say which", INVALID)
            amount = v.get("amount")
            if amount is not None and amount <= 0:
                self.add(row, "amount", "must be more than £0.00", INVALID)
                amount = None
            if row.bad or None in (stream, year, area, amount):
                continue
            key = (reference.upper(), stream.pk, year, area.pk)
            if key in seen:
                self.add(row, "stream", f"the same stream, year and area as row {seen[key]}: give one amount", TWICE)
                continue
            seen[key] = row.number
            given[reference.upper()][(stream.pk, year, area.pk)] = (amount, row)
        self._settle_lines(given)

    def _settle_lines(self, given: dict[str, dict[tuple[int, int, int], tuple[Decimal, Row]]]) -> None:
        adding: dict[tuple[int, int, int], list[tuple[Decimal, Row]]] = defaultdict(list)
        counts = self.counts[FUNDING_LINES.name]
        for reference, lines in given.items():
            new = self.new_agreements.get(reference)
            if new is not None:
                for line_key, (amount, row) in lines.items():
                    new.lines[line_key] = amount
                    adding[line_key].append((amount, row))
                continue
            held = self.original_lines.get(self.agreements[reference].pk, {})
            for line_key, (amount, row) in lines.items():
                if held.get(line_key) == amount:
                    counts.unchanged += 1
                else:
                    was = pounds(held[line_key]) if line_key in held else "no money"
                    self.add(
                        row,
                        "amount",
                        f"{reference} already holds {was} for this stream, year and area in the "
                        "service: change an agreement's money by variation there",
                        CONFLICT,
                    )
        for line_key, items in adding.items():
            stream_id, year, area_id = line_key
            allocation = self.allocation_amount(line_key)
            committed = self.committed[line_key] + sum(a for a, _ in items)
            if committed > allocation:
                amount, row = items[-1]
                stream = next(s for s in self.streams.values() if s.pk == stream_id)
                self.add(
                    row,
                    "amount",
                    f"{self.area_by_pk[area_id]}'s {year}-{(year + 1) % 100:02d} allocation from "
                    f"{stream} is {pounds(allocation)}; agreements would commit {pounds(committed)}, "
                    f"{pounds(committed - allocation)} more than it",
                    INVALID,
                )
        for new in self.new_agreements.values():
            if new.status != Agreement.Status.DRAFT and not new.lines and new.reference.upper() not in self.broken_agreements:
                self.add(new.row, "status", f"an {new.status} agreement needs its money on the Funding lines sheet", INVALID)

    def allocation_amount(self, key: tuple[int, int, int]) -> Decimal:
        if key in self.new_allocations:
            return self.new_allocations[key]
        allocation = self.allocations.get(key)
        return allocation.amount if allocation else ZERO

    # --- allocations ------------------------------------------------------------------------------------------------

    def check_allocations(self) -> None:
        seen: dict[tuple[int, int, int], int] = {}
        given: dict[tuple[int, int, int], tuple[Decimal, Row]] = {}
        for row in self.rows(ALLOCATIONS):
            v = row.values
            programme = self.programmes.get(_key(v["programme"])) if v.get("programme") else None
            if v.get("programme") and programme is None:
                self.add(row, "programme", f"'{v['programme']}' is not a programme in the service: create it first", NOT_FOUND)
            stream = self.streams.get((programme.pk, _key(v["stream"]))) if programme and v.get("stream") else None
            if programme and v.get("stream") and stream is None:
                self.add(row, "stream", f"'{v['stream']}' is not a funding stream of {programme}", NOT_FOUND)
            year = v.get("year")
            if year is not None and stream is not None and not stream.runs_in(FinancialYear(start_year=year)):
                self.add(row, "year", f"{stream} does not run in {year}-{(year + 1) % 100:02d}", INVALID)
                year = None
            area = self.areas.get(_key(v["area"])) if v.get("area") else None
            if v.get("area") and area is None:
                self.add(row, "area", f"'{v['area']}' is not an area in the service", NOT_FOUND)
            amount = v.get("amount")
            if amount is not None and amount < 0:
                self.add(row, "amount", "cannot be negative", INVALID)
                amount = None
            if row.bad or None in (stream, year, area, amount):
                continue
            key = (stream.pk, year, area.pk)
            if key in seen:
                self.add(row, "area", f"the same stream, year and area as row {seen[key]}: give one amount", TWICE)
                continue
            seen[key] = row.number
            given[key] = (amount, row)
            if amount < self.committed[key]:
                self.add(
                    row,
                    "amount",
                    f"agreements in the service already commit {pounds(self.committed[key])} of it; "
                    "the allocation cannot be less",
                    INVALID,
                )
        counts = self.counts[ALLOCATIONS.name]
        totals: dict[tuple[int, int], list] = defaultdict(lambda: [ZERO, None])
        for key, (amount, row) in given.items():
            existing = self.allocations.get(key)
            if existing is not None and existing.amount == amount:
                counts.unchanged += 1
            else:
                self.new_allocations[key] = amount
            totals[key[:2]][0] += amount
            totals[key[:2]][1] = row
        for key, allocation in self.allocations.items():
            if key not in given and key[:2] in totals:
                totals[key[:2]][0] += allocation.amount
        for (stream_id, year), (total, row) in totals.items():
            budget = self.budgets.get((stream_id, year))
            if budget is None:
                self.new_budgets[(stream_id, year)] = total
            elif total > budget.amount:
                self.add(
                    row,
                    "amount",
                    f"the allocations from this stream for {year}-{(year + 1) % 100:02d} would total "
                    f"{pounds(total)}, {pounds(total - budget.amount)} more than its budget of {pounds(budget.amount)}",
                    INVALID,
                )

    # --- payments ---------------------------------------------------------------------------------------------------

    def check_payments(self) -> None:
        today = dt.date.today()
        seen: dict[tuple, int] = {}
        given: dict[tuple[str, int], list[tuple[dt.date, Decimal, str, Row]]] = defaultdict(list)
        for row in self.rows(PAYMENTS):
            v = row.values
            reference = v.get("agreement")
            terms = self.agreement_terms(reference.upper()) if reference else None
            if reference and terms is None:
                self.unknown_agreement(row, "agreement", reference)
            paid_on, amount, year = v.get("paid_on"), v.get("amount"), v.get("year")
            if paid_on is not None and paid_on > today:
                self.add(row, "paid_on", "is in the future: record only payments made", INVALID)
                paid_on = None
            if amount is not None and amount <= 0:
                self.add(row, "amount", "must be more than £0.00", INVALID)
                amount = None
            if terms is not None and year is not None and not _year_in(year, terms[1], terms[2]):
                self.add(row, "year", f"{year}-{(year + 1) % 100:02d} is outside {reference}", INVALID)
                year = None
            if row.bad or None in (terms, paid_on, amount, year):
                continue
            key = (reference.upper(), year, paid_on, amount, v.get("reference") or "")
            if key in seen:
                self.add(
                    row,
                    "paid_on",
                    f"the same payment as row {seen[key]}: give each a payment reference to tell them apart",
                    TWICE,
                )
                continue
            seen[key] = row.number
            given[(reference.upper(), year)].append((paid_on, amount, v.get("reference") or "", row))
        if not given:
            return
        existing_ids = [self.agreements[ref].pk for ref, _ in given if ref in self.agreements]
        instalments: dict[tuple[int, int], list[list]] = defaultdict(list)  # [id, due, outstanding]
        paid: dict[tuple[int, int], list[tuple[dt.date, Decimal, str]]] = defaultdict(list)
        for i in range(0, len(existing_ids), 500):
            chunk = existing_ids[i : i + 500]
            for pk, agreement_id, year, due, amount in PaymentInstalment.objects.filter(agreement_id__in=chunk).values_list(
                "pk", "agreement_id", "financial_year__start_year", "due_date", "amount"
            ):
                instalments[(agreement_id, year)].append([pk, due, amount])
            for instalment_id, agreement_id, year, paid_on, amount, reference in Payment.objects.filter(
                instalment__agreement_id__in=chunk
            ).values_list(
                "instalment_id",
                "instalment__agreement_id",
                "instalment__financial_year__start_year",
                "paid_on",
                "amount",
                "reference",
            ):
                paid[(agreement_id, year)].append((paid_on, amount, reference))
                for entry in instalments[(agreement_id, year)]:
                    if entry[0] == instalment_id:
                        entry[2] -= amount
        counts = self.counts[PAYMENTS.name]
        for (reference, year), payments in given.items():
            label = f"{year}-{(year + 1) % 100:02d}"
            new = self.new_agreements.get(reference)
            if new is not None:
                value = sum((a for (_, y, _), a in new.lines.items() if y == year), ZERO)
                total = sum((p[1] for p in payments), ZERO)
                if total > value:
                    self.add(
                        payments[-1][3],
                        "amount",
                        f"payments for {reference} in {label} total {pounds(total)}, more "
                        f"than its {label} value of {pounds(value)} on the Funding lines sheet",
                        INVALID,
                    )
                    continue
                new.payments[year] = sorted(p[:3] for p in payments)
                continue
            agreement = self.agreements[reference]
            held = list(paid.get((agreement.pk, year), []))
            schedule = sorted(instalments.get((agreement.pk, year), []), key=lambda e: (e[1], e[0]))
            for paid_on, amount, ref, row in sorted(payments, key=lambda p: p[:3]):
                if (paid_on, amount, ref) in held:
                    held.remove((paid_on, amount, ref))
                    counts.unchanged += 1
                    continue
                entry = next((e for e in schedule if e[2] >= amount), None)
                if entry is None:
                    self.add(
                        row,
                        "amount",
                        f"no instalment of {reference}'s {label} schedule has {pounds(amount)} "
                        "outstanding: record this payment in the service",
                        INVALID,
                    )
                    continue
                entry[2] -= amount
                self.payments_to_existing.append((entry[0], paid_on, amount, ref))

    # --- KPI targets ------------------------------------------------------------------------------------------------

    def _kpis(self) -> dict[tuple[int, str], Kpi]:
        if not hasattr(self, "_kpi_lookup"):
            self._kpi_lookup = {
                (k.outcome.programme_id, k.code.upper()): k
                for k in Kpi.objects.select_related("outcome").prefetch_related("versions")
            }
        return self._kpi_lookup

    def _kpi(self, row: Row, programme: Programme) -> tuple[Kpi, KpiVersion] | None:
        code = row.values.get("kpi")
        if not code:
            return None
        kpi = self._kpis().get((programme.pk, code.upper()))
        if kpi is None:
            self.add(row, "kpi", f"'{code}' is not a KPI in {programme}'s outcomes framework", NOT_FOUND)
            return None
        if kpi.status != Kpi.Status.AGREED:
            self.add(row, "kpi", f"{kpi.code} is {kpi.get_status_display().lower()}: only agreed KPIs are used", INVALID)
            return None
        if kpi.pk not in self._versions:
            self._versions[kpi.pk] = kpi.current_version
        return kpi, self._versions[kpi.pk]

    def check_targets(self) -> None:
        rows = self.rows(TARGETS)
        if not rows:
            return
        # Only the targets of agreements already in the service that the sheet names, a chunk of agreements at a time.
        named = {(r.values.get("agreement") or "").upper() for r in rows}
        ids = [a.pk for ref, a in self.agreements.items() if ref in named and ref not in self.new_agreements]
        existing = {}
        for i in range(0, len(ids), 500):
            for t in KpiTarget.objects.filter(agreement_id__in=ids[i : i + 500]).select_related("financial_year"):
                existing[(t.agreement_id, t.kpi_id, t.financial_year.start_year)] = t
        seen: dict[tuple[str, int, int], int] = {}
        counts = self.counts[TARGETS.name]
        for row in rows:
            v = row.values
            reference = v.get("agreement")
            terms = self.agreement_terms(reference.upper()) if reference else None
            if reference and terms is None:
                self.unknown_agreement(row, "agreement", reference)
            found = self._kpi(row, terms[0]) if terms else None
            year = v.get("year")
            if terms and year is not None and not _year_in(year, terms[1], terms[2]):
                self.add(row, "year", f"{reference} does not run in {year}-{(year + 1) % 100:02d}", INVALID)
                year = None
            annual = v.get("annual")
            quarters = [v.get(f"q{i}") for i in (1, 2, 3, 4)]
            if row.bad or None in (found, year, annual):
                continue
            kpi, version = found
            ok = True
            for key, value in [("annual", annual), *zip(("q1", "q2", "q3", "q4"), quarters, strict=True)]:
                if value is None:
                    continue
                if value < 0:
                    self.add(row, key, "cannot be negative", INVALID)
                    ok = False
                elif value >= Decimal("1e12") or value != value.quantize(Decimal("0.01")):
                    self.add(row, key, f"{value} has more than two decimal places or is too large", INVALID)
                    ok = False
            unit = version.unit
            aggregation = Aggregation(version.aggregation)
            if ok and unit == KpiVersion.Unit.PERCENT and annual > 100:
                self.add(row, "annual", "a percentage target cannot be over 100", INVALID)
                ok = False
            if any(q is not None for q in quarters) and None in quarters:
                self.add(row, "q1", "give all four quarters' targets, or none", INVALID)
                ok = False
            elif ok and quarters[0] is not None and aggregation == Aggregation.SUM and sum(quarters) != annual:
                self.add(row, "q1", f"the quarters add up to {sum(quarters)}, but the annual target is {annual}", INVALID)
                ok = False
            key = (reference.upper(), kpi.pk, year)
            if key in seen:
                self.add(row, "kpi", f"{kpi.code} has a target for this agreement and year on row {seen[key]} already", TWICE)
                continue
            seen[key] = row.number
            if not ok:
                continue
            if quarters[0] is None:
                whole = unit == KpiVersion.Unit.COUNT and annual == annual.to_integral_value()
                quarters = profile_evenly(annual, 4, aggregation, places=0 if whole else 2)
            figures = [annual, *quarters]
            agreement = self.agreements.get(reference.upper())
            target = (
                existing.get((agreement.pk, kpi.pk, year)) if agreement and reference.upper() not in self.new_agreements else None
            )
            if target is None:
                self.new_targets.append((reference.upper(), kpi, year, figures))
            elif [target.annual_target, *target.quarter_targets] == figures:
                counts.unchanged += 1
            else:
                target.annual_target, target.q1_target, target.q2_target, target.q3_target, target.q4_target = figures
                self.changed_targets.append(target)

    # --- past returns -----------------------------------------------------------------------------------------------

    def _quarter_in(self, reference: str, year: int, quarter: int) -> bool:
        new = self.new_agreements.get(reference)
        if new is not None:
            start = quarter_starts(year)[quarter - 1]
            return quarter_end(start) >= new.start and start <= new.end
        programme, start, end, _ = self.agreement_terms(reference)  # monitoring.services.quarter_in_agreement's rule
        q_start = quarter_starts(year)[quarter - 1]
        return quarter_end(q_start) >= start and q_start <= end

    def check_returns(self) -> None:
        rows = self.rows(RETURNS)
        if not rows:
            return
        today = dt.date.today()
        returns: dict[tuple[str, int, int], dict] = {}
        for row in rows:
            v = row.values
            reference = v.get("agreement")
            terms = self.agreement_terms(reference.upper()) if reference else None
            if reference and terms is None:
                self.unknown_agreement(row, "agreement", reference)
            found = self._kpi(row, terms[0]) if terms else None
            year, quarter = v.get("year"), v.get("quarter")
            if terms and year is not None and quarter is not None and not self._quarter_in(reference.upper(), year, quarter):
                self.add(
                    row,
                    "quarter",
                    f"{year}-{(year + 1) % 100:02d} Q{quarter} is outside {reference}, which runs "
                    f"{terms[1]:%d/%m/%Y} to {terms[2]:%d/%m/%Y}",
                    INVALID,
                )
                year = None
            value = v.get("value")
            if found and value is not None and (problem := check_value(found[1], value)):
                self.add(row, "value", f"{value} {problem}", INVALID)
                value = None
            submitted, accepted = v.get("submitted_on"), v.get("accepted_on") or v.get("submitted_on")
            if submitted and submitted > today:
                self.add(row, "submitted_on", "is in the future", INVALID)
                submitted = None
            elif submitted and accepted and accepted < submitted:
                self.add(row, "accepted_on", "is before the submitted date", INVALID)
                submitted = None
            elif accepted and accepted > today:
                self.add(row, "accepted_on", "is in the future", INVALID)
                submitted = None
            if row.bad or None in (terms, found, year, quarter, value, submitted):
                continue
            kpi, version = found
            entry = returns.setdefault(
                (reference.upper(), year, quarter),
                {"submitted": submitted, "accepted": accepted, "narrative": "", "values": {}, "row": row.number},
            )
            if (entry["submitted"], entry["accepted"]) != (submitted, accepted):
                self.add(
                    row,
                    "submitted_on",
                    f"this return's dates differ from row {entry['row']}'s: one return has one submitted and one accepted date",
                    INVALID,
                )
                continue
            if kpi.pk in entry["values"]:
                self.add(
                    row,
                    "kpi",
                    f"{kpi.code} is given twice for {reference} {year}-{(year + 1) % 100:02d} Q{quarter} "
                    f"(first on row {entry['values'][kpi.pk][2]})",
                    TWICE,
                )
                continue
            entry["values"][kpi.pk] = (version, value, row.number)
            entry["narrative"] = entry["narrative"] or (v.get("narrative") or "")
        if not returns:
            return
        held = self._held_returns({ref for ref, _, _ in returns if ref in self.agreements and ref not in self.new_agreements})
        counts = self.counts[RETURNS.name]
        for (reference, year, quarter), entry in returns.items():
            existing = held.get((reference, year, quarter))
            if existing is None:
                self.new_returns.append((reference, year, quarter, entry))
                continue
            status, values = existing
            same = values == {k: v[1] for k, v in entry["values"].items()}
            if status == Return.Status.ACCEPTED and same:
                counts.unchanged += 1
                continue
            row = next(r for r in rows if r.number == entry["row"])
            other = "" if same else " with other values"
            self.add(
                row,
                "quarter",
                f"{reference}'s {year}-{(year + 1) % 100:02d} Q{quarter} return is already in the service "
                f"({Return.Status(status).label.lower()}){other}: change it there",
                CONFLICT,
            )

    def _held_returns(self, references: set[str]) -> dict[tuple[str, int, int], tuple[str, dict[int, Decimal]]]:
        ids = {self.agreements[r].pk: r for r in references}
        held: dict[tuple[str, int, int], tuple[str, dict[int, Decimal]]] = {}
        by_pk: dict[int, tuple[str, int, int]] = {}
        keys = list(ids)
        for i in range(0, len(keys), 500):
            for pk, agreement_id, year, quarter, status in Return.objects.filter(agreement_id__in=keys[i : i + 500]).values_list(
                "pk", "agreement_id", "financial_year__start_year", "quarter", "status"
            ):
                by_pk[pk] = (ids[agreement_id], year, quarter)
                held[by_pk[pk]] = (status, {})
        pks = list(by_pk)
        for i in range(0, len(pks), 500):
            for return_id, kpi_id, value in ReturnValue.objects.filter(return_record_id__in=pks[i : i + 500]).values_list(
                "return_record_id", "kpi_version__kpi_id", "value"
            ):
                held[by_pk[return_id]][1][kpi_id] = value
        return held

    # --- checking everything ----------------------------------------------------------------------------------------

    def check(self) -> None:
        self.check_organisations()
        self.check_agreements()
        self.check_allocations()
        self.check_funding_lines()
        self.check_payments()
        self.check_targets()
        self.check_returns()
        if not self.problems and not any(self.read.rows.values()):
            self.add(None, None, "The workbook has no rows to import.", sheets.EMPTY)

    # --- writing ----------------------------------------------------------------------------------------------------

    def years(self, start_years: set[int]) -> dict[int, FinancialYear]:
        have = {y.start_year: y for y in FinancialYear.objects.filter(start_year__in=start_years)}
        missing = start_years - have.keys()
        if missing:
            FinancialYear.objects.bulk_create([FinancialYear(start_year=y) for y in missing], ignore_conflicts=True)
            have = {y.start_year: y for y in FinancialYear.objects.filter(start_year__in=start_years)}
        return have

    def write(self) -> None:
        actor = self.actor
        if self.new_orgs:
            made = Organisation.objects.bulk_create(list(self.new_orgs.values()), batch_size=BATCH)
            Organisation.history.bulk_history_create(made, batch_size=BATCH, default_user=actor)
            self.orgs.update({o.slug.lower(): o for o in made})
            self.counts[ORGANISATIONS.name].created = len(made)
        for org in self.changed_orgs:
            org._history_user = actor
            org.save()
        self.counts[ORGANISATIONS.name].updated = len(self.changed_orgs)
        self.write_allocations()
        self.write_agreements()
        if self.payments_to_existing:
            payments = Payment.objects.bulk_create(
                [
                    Payment(instalment_id=i, paid_on=d, amount=a, reference=r, recorded_by=actor)
                    for i, d, a, r in self.payments_to_existing
                ],
                batch_size=BATCH,
            )
            Payment.history.bulk_history_create(payments, batch_size=BATCH, default_user=actor)
            self.counts[PAYMENTS.name].created += len(payments)
        self.write_monitoring()

    def write_monitoring(self) -> None:
        actor = self.actor
        years = self.years({t[2] for t in self.new_targets} | {r[1] for r in self.new_returns})
        targets = KpiTarget.objects.bulk_create(
            [
                KpiTarget(
                    agreement_id=self.agreements[ref].pk,
                    kpi=kpi,
                    financial_year=years[year],
                    annual_target=f[0],
                    q1_target=f[1],
                    q2_target=f[2],
                    q3_target=f[3],
                    q4_target=f[4],
                )
                for ref, kpi, year, f in self.new_targets
            ],
            batch_size=BATCH,
        )
        KpiTarget.history.bulk_history_create(targets, batch_size=BATCH, default_user=actor)
        for target in self.changed_targets:
            target._history_user = actor
            target.save()
        self.counts[TARGETS.name].created, self.counts[TARGETS.name].updated = len(targets), len(self.changed_targets)
        if not self.new_returns:
            return

        def noon(day: dt.date) -> dt.datetime:
            return timezone.make_aware(dt.datetime.combine(day, dt.time(12)))

        returns = Return.objects.bulk_create(
            [
                Return(
                    agreement_id=self.agreements[ref].pk,
                    financial_year=years[year],
                    quarter=quarter,
                    status=Return.Status.ACCEPTED,
                    narrative=entry["narrative"],
                    submitted_at=noon(entry["submitted"]),
                )
                for ref, year, quarter, entry in self.new_returns
            ],
            batch_size=BATCH,
        )
        Return.history.bulk_history_create(returns, batch_size=BATCH, default_user=actor)
        # The values and the two steps of each return's history are the most rows by far: checked already, they go in
        # with plain parameterised INSERTs (as monitoring.bulk_import writes values), not model instances.
        _insert(
            ReturnValue,
            ("return_record", "kpi_version", "value"),
            (
                (r.pk, version.pk, value)
                for r, (_, _, _, entry) in zip(returns, self.new_returns, strict=True)
                for version, value, _ in entry["values"].values()
            ),
        )
        comment = "Brought in from the council's records by workbook import."
        at_field = ReturnEvent._meta.get_field("at")
        dates = {}
        for _, _, _, entry in self.new_returns:
            for day in (entry["submitted"], entry["accepted"]):
                if day not in dates:
                    dates[day] = at_field.get_db_prep_save(noon(day), connection)
        _insert(
            ReturnEvent,
            ("return_record", "action", "actor", "comment", "at"),
            (
                (r.pk, action, actor.pk, comment, dates[entry[key]])
                for r, (_, _, _, entry) in zip(returns, self.new_returns, strict=True)
                for action, key in ((ReturnEvent.Action.SUBMITTED, "submitted"), (ReturnEvent.Action.ACCEPTED, "accepted"))
            ),
        )
        self.counts[RETURNS.name].created = len(returns)

    def write_allocations(self) -> None:
        actor = self.actor
        if not self.new_allocations and not self.new_budgets:
            return
        years = self.years({y for _, y, _ in self.new_allocations} | {y for _, y in self.new_budgets})
        budgets = StreamBudget.objects.bulk_create(
            [StreamBudget(stream_id=s, financial_year=years[y], amount=a) for (s, y), a in self.new_budgets.items()]
        )
        StreamBudget.history.bulk_history_create(budgets, batch_size=BATCH, default_user=actor)
        new = []
        for key, amount in self.new_allocations.items():
            existing = self.allocations.get(key)
            if existing is None:
                new.append(Allocation(stream_id=key[0], financial_year=years[key[1]], area_id=key[2], amount=amount))
            else:
                existing.amount = amount
                existing._history_user = actor
                existing.save()
                self.counts[ALLOCATIONS.name].updated += 1
        made = Allocation.objects.bulk_create(new, batch_size=BATCH)
        Allocation.history.bulk_history_create(made, batch_size=BATCH, default_user=actor)
        self.counts[ALLOCATIONS.name].created = len(made)

    def write_agreements(self) -> None:
        actor = self.actor
        news = list(self.new_agreements.values())
        if not news:
            return
        years = self.years({y for n in news for (_, y, _) in n.lines})
        made = Agreement.objects.bulk_create(
            [
                Agreement(
                    reference=n.reference,
                    programme=n.programme,
                    organisation=self.orgs[n.org_key],
                    title=n.title,
                    start_date=n.start,
                    end_date=n.end,
                    status=n.status,
                    created_by=actor,
                )
                for n in news
            ],
            batch_size=BATCH,
        )
        Agreement.history.bulk_history_create(made, batch_size=BATCH, default_user=actor)
        for agreement, new in zip(made, news, strict=True):
            self.agreements[new.reference.upper()] = agreement
        Through = Agreement.areas.through
        Through.objects.bulk_create(
            [Through(agreement_id=a.pk, area_id=area.pk) for a, n in zip(made, news, strict=True) for area in n.areas],
            batch_size=BATCH,
        )
        FundingLine.objects.bulk_create(
            [
                FundingLine(agreement=a, stream_id=s, financial_year=years[y], area_id=area, amount=amount)
                for a, n in zip(made, news, strict=True)
                for (s, y, area), amount in n.lines.items()
            ],
            batch_size=BATCH,
        )
        self.counts[AGREEMENTS.name].created = len(made)
        self.counts[FUNDING_LINES.name].created = sum(len(n.lines) for n in news)
        stream_of = {s.pk: s for s in self.streams.values()}
        instalments, paid = [], []
        for a, n in zip(made, news, strict=True):
            for year, plan in self.schedules(n, stream_of).items():
                for due, amount, payment in plan:
                    instalments.append(PaymentInstalment(agreement=a, financial_year=years[year], due_date=due, amount=amount))
                    paid.append(payment)
        made_instalments = PaymentInstalment.objects.bulk_create(instalments, batch_size=BATCH)
        PaymentInstalment.history.bulk_history_create(made_instalments, batch_size=BATCH, default_user=actor)
        payments = Payment.objects.bulk_create(
            [
                Payment(instalment=i, paid_on=p[0], amount=p[1], reference=p[2], recorded_by=actor)
                for i, p in zip(made_instalments, paid, strict=True)
                if p is not None
            ],
            batch_size=BATCH,
        )
        Payment.history.bulk_history_create(payments, batch_size=BATCH, default_user=actor)
        self.counts[PAYMENTS.name].created += len(payments)

    def schedules(self, new: NewAgreement, stream_of: dict[int, FundingStream]) -> dict[int, list[tuple]]:
        """Each year's instalments (due, amount, the payment made against it or None) as funding.services.payments
        builds them: each stream's money quarterly in advance, within the dates both the agreement and the stream run.
        A year with payments made starts with an instalment for each payment (due on the day it was paid, within the
        year); the rest of the year's value is spread over the quarters due after the last payment."""
        totals: dict[tuple[int, int], Decimal] = defaultdict(lambda: ZERO)
        for (stream_id, year, _), amount in new.lines.items():
            totals[(year, stream_id)] += amount
        plans: dict[int, dict[dt.date, Decimal]] = defaultdict(lambda: defaultdict(lambda: ZERO))
        for (year, stream_id), total in totals.items():
            stream = stream_of[stream_id]
            year_start, year_end = dt.date(year, 4, 1), dt.date(year + 1, 3, 31)
            a_start, a_end = max(new.start, year_start), min(new.end, year_end)
            start, end = max(a_start, stream.start), min(a_end, stream.end or a_end)
            if end < start:
                start, end = a_start, a_end
            for due, amount in quarterly_in_advance(year, start, end, total):
                plans[year][due] += amount
        result: dict[int, list[tuple]] = {}
        for year, plan in plans.items():
            payments = new.payments.get(year)
            if not payments:
                result[year] = [(due, amount, None) for due, amount in sorted(plan.items())]
                continue
            first, last = max(new.start, dt.date(year, 4, 1)), min(new.end, dt.date(year + 1, 3, 31))
            rows = [(min(max(paid_on, first), last), amount, (paid_on, amount, ref)) for paid_on, amount, ref in payments]
            remaining = sum(plan.values(), ZERO) - sum((p[1] for p in payments), ZERO)
            if remaining > 0:
                last_due = rows[-1][0]
                later = [due for due in sorted(plan) if due > last_due and plan[due] > 0]
                if later:
                    rows += [
                        (due, amount, None)
                        for due, amount in zip(later, apportion(remaining, [plan[d] for d in later]), strict=True)
                    ]
                else:
                    rows.append((last_due, remaining, None))
            result[year] = rows
        return result


def _insert(model, names: tuple[str, ...], rows) -> None:
    """INSERT rows of values ready for the database (ids, text, numbers) into `model`'s columns `names`, in batches."""
    quote = connection.ops.quote_name
    columns = ", ".join(quote(model._meta.get_field(name).column) for name in names)
    sql = f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES ({', '.join(['%s'] * len(names))})"  # noqa: S608 - model's own table
    batch: list[tuple] = []
    with connection.cursor() as cursor:
        for row in rows:
            batch.append(row)
            if len(batch) == BATCH * 5:
                cursor.executemany(sql, batch)
                batch = []
        if batch:
            cursor.executemany(sql, batch)


def import_workbook(*, data: bytes, filename: str, actor: User, progress=None) -> ImportResult:
    """Import the workbook as a whole, or raise ImportRefused listing every problem; nothing is half-written.

    `progress(done, total, step)`, when given (a background job's, core.jobs), is told each phase as it starts."""
    progress = progress or (lambda done, total, step: None)
    started = time.perf_counter()
    progress(0, 3, "Reading the workbook")
    read = sheets.read_workbook(data, filename, file_limits())
    if read.problems and not read.rows:
        raise ImportRefused(read.problems)
    phases = {"read": time.perf_counter() - started}
    progress(1, 3, f"Checking {sum(len(rows) for rows in read.rows.values()):,} rows against the service's records")
    plan = Plan(read, actor)
    plan.check()
    if plan.problems:
        raise ImportRefused(plan.problems)
    phases["check"] = time.perf_counter() - started - phases["read"]
    progress(2, 3, "Saving the records (all or nothing)")
    with transaction.atomic():
        plan.write()
        result = ImportResult(counts=plan.counts, phases=phases)
        if result.changed:
            record_event(
                actor=actor,
                verb="workbook.imported",
                summary=f"Imported {filename}: " + "; ".join(result.lines()),
                data={name: vars(c) for name, c in plan.counts.items()},
            )
    if result.changed:
        analyse()  # statistics for the planner after a bulk load (core.database)
    result.seconds = time.perf_counter() - started
    phases["write"] = result.seconds - phases["read"] - phases["check"]
    return result
