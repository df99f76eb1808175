"""Agreements → 360Giving grants: a pure mapping (no Django), plain values in, plain dicts out.

One **grant** is one agreement's award for one financial year: the sum of the agreement's funding lines
for that year (original terms plus every variation), so a multi-year agreement publishes one grant a
year. `vcsgrants.opendata.selectors` reads the records and hands this module `Award`s; everything that
decides what a grant says lives here, so it can be tested without a database.

The rules, in one place:

- **Identifier**: ``<prefix>-<agreement reference>-<financial year>``, e.g.
  ``360G-GB-LAE-NSH-SLA-2020-001-2022-23``. The prefix is ``360G-`` plus the publishing council's Org-ID
  (or the prefix 360Giving assigned, when set), so an identifier never changes between exports.
- **Award date**: the date of the decision that authorised the first money for that year — the earliest
  change (original terms first, then variations in order) that added money to the year. Each line's
  authorising date is worked out by the selector: for a variation's lines, the date of the decision it
  cites, else the date the variation was approved; for original lines, the decision of the programme
  period covering the agreement's start (the period's approval date where no decision record is linked),
  else the day the agreement was created. Later variations change the amount, not the award date
  (``dateModified`` shows when the grant last changed).
- **Planned dates**: the part of the agreement's current period (original start to current end, after
  extensions) that falls in the financial year, with its length in whole calendar months.
- **Funding organisation**: the programme's funder (the council, which makes the award and pays it). If
  every pound of the year's award comes from one department of the council (such as Public Health), that
  department is named. Money a separate partner body contributes is named in the description, not as a
  second funding organisation: one funder per grant keeps the file to one publisher's grants, as
  360Giving's quality checks expect.
- **Beneficiary locations**: each area the year's funding lines name, with its GSS code and the
  code's type from the standard's geoCodeType codelist (``NMD`` for a district's ``E07`` code, ``CTY`` for
  the county's ``E10``).
- **Money**: summed exactly as Decimal, then written as a JSON number; amounts have at most 12 digits, so
  the number reads back as exactly the same pounds and pence.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from vcsgrants.core.money import pounds

CURRENCY = "GBP"
COUNTRY_CODE = "GB"  # every GSS code (E, W, S, N) is in the United Kingdom
SCHEMA_VERSION = "1.4"  # the package's "version": major.minor of the 360Giving schema in use


@dataclass(frozen=True)
class Org:
    id: str
    name: str
    charity_number: str = ""
    company_number: str = ""


@dataclass(frozen=True)
class Place:
    name: str
    gss_code: str
    sort_key: tuple = ()


@dataclass(frozen=True)
class Line:
    """One funding line of the year: its money, its stream, its area and the change that added it."""

    amount: Decimal
    stream: str
    one_off: bool
    place: Place
    change: int  # 0 for the original terms, else the variation's number
    authorised_on: dt.date
    funder_name: str = ""  # the stream's funder, when it is not the programme's funder
    department: str = ""  # the stream's funder, when it is a department of the programme's funder


@dataclass
class Award:
    """One agreement × financial year, as read from the records."""

    prefix: str
    reference: str
    year_label: str
    year_start: dt.date
    year_end: dt.date
    agreement_title: str
    agreement_start: dt.date
    agreement_end: dt.date  # the current end, after extensions
    recipient: Org
    funder: Org
    programme_code: str
    programme_title: str
    modified: dt.datetime
    lines: list[Line] = field(default_factory=list)
    agreement_id: int | None = None  # the record it came from (not published)

    @property
    def total(self) -> Decimal:
        return sum((ln.amount for ln in self.lines), Decimal("0.00"))


def grant_id(prefix: str, reference: str, year_label: str) -> str:
    return f"{prefix}-{reference}-{year_label}"


def org_identifier(org_id: str | None, *, prefix: str, slug: str) -> str:
    """The Org-ID, or (for a body with none) an identifier from the publisher's own records, as 360Giving advises."""
    return org_id or f"{prefix}-ORG-{slug}"


def months_between(start: dt.date, end: dt.date) -> int:
    """Whole calendar months from start to end inclusive (1 Oct – 31 Mar is 6, 1 Apr – 31 Mar is 12)."""
    after_end = end + dt.timedelta(days=1)
    return (after_end.year - start.year) * 12 + (after_end.month - start.month)


def award_date(lines: Sequence[Line]) -> dt.date:
    """The authorising date of the earliest change that added money to the year (see the module's rules)."""
    adding = [ln for ln in lines if ln.amount > 0] or list(lines)
    first = min(adding, key=lambda ln: (ln.change, ln.authorised_on))
    return first.authorised_on


def planned_period(award: Award) -> tuple[dt.date, dt.date]:
    return max(award.agreement_start, award.year_start), min(award.agreement_end, award.year_end)


def load_geo_code_types(path: Path) -> dict[str, str]:
    """GSS entity code (first three characters, e.g. E07) → geoCodeType code (e.g. NMD), from the standard's codelist.

    The codelist's "Documentation (URL)" ends with the ONS statistical entity, e.g. ``…/statistical-entity/E07``.
    """
    table: dict[str, str] = {}
    with path.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            entity = row["Documentation (URL)"].rstrip("/").rsplit("/", 1)[-1].strip()
            if len(entity) == 3:
                table.setdefault(entity, row["Code"].strip())
    return table


def _day(day: dt.date) -> str:
    return f"{day.day} {day:%B %Y}"


def describe(award: Award) -> str:
    """A plain-English description: the agreement, the year's period and the money from each stream."""
    start, end = planned_period(award)
    by_stream: dict[tuple, Decimal] = {}
    for ln in award.lines:
        key = (ln.one_off, ln.stream, ln.funder_name or ln.department)
        by_stream[key] = by_stream.get(key, Decimal("0.00")) + ln.amount
    parts = []
    for (one_off, stream, source), amount in sorted(by_stream.items(), key=lambda kv: (kv[0][0], kv[0][1])):
        kind = "one-off" if one_off else "recurrent"
        notes = [kind] if kind not in stream.lower() else []
        if source:
            notes.append(f"funded by {source}")
        parts.append(f"{pounds(amount)} from {stream}" + (f" ({'; '.join(notes)})" if notes else ""))
    return (
        f"Service Level Agreement {award.reference} with {award.recipient.name} under the programme "
        f"{award.programme_title}, for the financial year {award.year_label} ({_day(start)} to {_day(end)}): "
        + "; ".join(parts)
        + "."
    )


def _organisation(org: Org, department: str = "") -> dict:
    result = {"id": org.id, "name": org.name}
    if org.charity_number:
        result["charityNumber"] = org.charity_number
    if org.company_number:
        result["companyNumber"] = org.company_number
    if department:
        result["department"] = department
    return result


def _location(place: Place, geo_code_types: Mapping[str, str]) -> dict:
    result = {"name": place.name, "countryCode": COUNTRY_CODE}
    if not place.gss_code:  # an area of the council's own, with no official code: named only
        return result
    result["geoCode"] = place.gss_code
    code_type = geo_code_types.get(place.gss_code[:3])
    if code_type:
        result["geoCodeType"] = code_type
    return result


def build_grant(award: Award, geo_code_types: Mapping[str, str]) -> dict:
    """The 360Giving grant for one award, with keys in the standard's order."""
    start, end = planned_period(award)
    places = sorted({ln.place for ln in award.lines}, key=lambda p: (p.sort_key, p.name))
    departments = {ln.department for ln in award.lines}
    department = departments.pop() if len(departments) == 1 else ""
    modified = award.modified.replace(microsecond=0)
    return {
        "id": grant_id(award.prefix, award.reference, award.year_label),
        "title": f"{award.agreement_title} ({award.year_label})",
        "description": describe(award),
        "currency": CURRENCY,
        # Exact: a Decimal of at most 12 digits converts to the float whose shortest repr is the same number.
        "amountAwarded": float(award.total),
        "awardDate": award_date(award.lines).isoformat(),
        "plannedDates": [{"startDate": start.isoformat(), "endDate": end.isoformat(), "duration": months_between(start, end)}],
        "recipientOrganization": [_organisation(award.recipient)],
        "beneficiaryLocation": [_location(p, geo_code_types) for p in places],
        "fundingOrganization": [_organisation(award.funder, department)],
        "grantProgramme": [{"code": award.programme_code, "title": award.programme_title}],
        "dateModified": modified.isoformat(),
    }


def package_metadata(
    *, title: str, publisher: Org | None, licence_url: str, modified: dt.datetime | None, issued: dt.date
) -> dict:
    """The package's fields other than grants (written before them, so the grants can be streamed)."""
    meta: dict = {"version": SCHEMA_VERSION, "title": title, "license": licence_url, "issued": issued.isoformat()}
    if modified is not None:
        meta["modified"] = modified.replace(microsecond=0).isoformat()
    if publisher is not None:
        meta["publisher"] = {"identifier": publisher.id, "name": publisher.name}
    return meta
