"""Data-quality checks on 360Giving grants before they are published: pure functions over grant dicts.

The checks follow 360Giving's own Data Quality Tool (lib360dataquality, which is not on PyPI), so an officer
sees here what the tool would say after publication. Nothing is "fixed": every finding names the grant and
the field (as the spreadsheet column title) and says what looks wrong; the officer decides.

| code | what it finds |
| --- | --- |
| zero_amount | Amount Awarded of £0 (or less) |
| future_award_date | Award Date after today |
| impossible_date | a date that does not exist, e.g. 30 February (the schema's pattern lets it through) |
| planned_start_after_end | Planned Dates:Start Date after Planned Dates:End Date |
| unrecognised_prefix | a Recipient or Funding Org:Identifier whose list prefix is not on org-id.guide |
| org_id_looks_invalid | a GB-CHC- identifier that is not a charity number, or GB-COH- not a company number |
| charity_number | Recipient Org:Charity Number not 6 or 7 digits (after a two-letter prefix such as SC) |
| company_number | Recipient Org:Company Number not 8 letters or digits |
| email | text that looks like an e-mail address in any field (personal data) |
| more_than_one_funder | a grant with several funders, or a list whose grants name more than one funder |
| no_grant_programme | no Grant Programme |
| no_beneficiary_location | no Beneficiary Location |
| location_without_code | a Beneficiary Location name without a Geographic Code |
| title_too_long | a Title over 140 characters |
| title_same_as_description | the Title repeats the Description |
| no_last_modified | no Last Modified |
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass

# Org-ID list prefixes from org-id.guide (the register at https://github.com/org-id/register, lists/gb and
# lists/xi, read 2026), with each list's name there. 360G is 360Giving's own prefix for identifiers taken
# from a publisher's records. GB-GOR is kept although the register marks it deprecated (it was retired in
# 2021): identifiers already published with it stay recognisable. A prefix missing here is reported as
# unrecognised, never silently accepted; add it with its list's name when a council needs it.
ORG_ID_PREFIXES = {
    "360G": "360Giving: identifier from the publisher's own records",
    "GB-CHC": "Charity Commission/Comisiwn Elusennau",
    "GB-COH": "Companies House",
    "GB-SC": "Scottish Charity Register",
    "GB-NIC": "The Charity Commission for Northern Ireland",
    "GB-LAE": "Local Authorities for England Register",
    "GB-LAS": "Scottish Local Authority Register",
    "GB-PLA": "Principal Local Authority Register for Wales",
    "GB-LANI": "Local authorities for Northern Ireland register",
    "GB-GOR": "Government Organisation Register (deprecated)",
    "GB-GOV": "UK Government Departments Reference Numbers",
    "GB-GOVUK": "UK Government Departments, Agencies & Public Bodies",
    "GB-NHS": "NHS Digital - Organisation Data Service",
    "GB-EDU": "Edubase, by the Department of Education",
    "GB-UKPRN": "UK Register of Learning Providers",
    "GB-MPR": "Mutuals Public Register",
    "GB-REV": "HM Revenue and Customs",
    "XI-IATI": "International Aid Transparency Initiative Organisation Identifier",
    "XI-LEI": "Global Legal Entity Identifier Index",
    "XI-ROR": "Research Organization Registry",
    "XI-GRID": "Global Research Identifiers Database",
    "XI-PB": "Public Bodies - Open Knowledge Foundation",
    "XI-WIKIDATA": "Wikidata",
}

TITLE_MAX = 140
# The Data Quality Tool's pattern: word characters, dots or hyphens, @, then a domain with at least one dot.
EMAIL = re.compile(r"[\w.-]+@[\w.-]+\.[\w.-]+")
DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})")
COMPANY_NUMBER = re.compile(r"^[A-Za-z0-9]{8}$")

# JSON path → the spreadsheet column title an officer knows (the standard's own titles).
TITLES = {
    "id": "Identifier",
    "title": "Title",
    "description": "Description",
    "amountAwarded": "Amount Awarded",
    "awardDate": "Award Date",
    "plannedDates/startDate": "Planned Dates:Start Date",
    "plannedDates/endDate": "Planned Dates:End Date",
    "recipientOrganization/id": "Recipient Org:Identifier",
    "recipientOrganization/name": "Recipient Org:Name",
    "recipientOrganization/charityNumber": "Recipient Org:Charity Number",
    "recipientOrganization/companyNumber": "Recipient Org:Company Number",
    "fundingOrganization": "Funding Org",
    "fundingOrganization/id": "Funding Org:Identifier",
    "fundingOrganization/name": "Funding Org:Name",
    "fundingOrganization/department": "Funding Org:Department",
    "beneficiaryLocation": "Beneficiary Location",
    "beneficiaryLocation/name": "Beneficiary Location:Name",
    "beneficiaryLocation/geoCode": "Beneficiary Location:Geographic Code",
    "grantProgramme": "Grant Programme",
    "grantProgramme/code": "Grant Programme:Code",
    "grantProgramme/title": "Grant Programme:Title",
    "dateModified": "Last Modified",
}


@dataclass(frozen=True)
class Finding:
    grant_id: str
    field: str  # the spreadsheet column title, e.g. "Recipient Org:Charity Number"
    code: str
    message: str

    def __str__(self) -> str:
        return f"{self.grant_id}, {self.field}: {self.message}"


def field_title(path: str) -> str:
    """'recipientOrganization/0/charityNumber' → 'Recipient Org:Charity Number' (numbered after the first item)."""
    parts = path.split("/")
    index = next((p for p in parts if p.isdigit()), None)
    key = "/".join(p for p in parts if not p.isdigit())
    title = TITLES.get(key, key)
    if index and index != "0" and ":" in title:
        head, tail = title.split(":", 1)
        title = f"{head}:{index}:{tail}"
    return title


def _flatten(value, path: str = "") -> Iterator[tuple[str, object]]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _flatten(item, f"{path}/{key}" if path else key)
    elif isinstance(value, list):
        for number, item in enumerate(value):
            yield from _flatten(item, f"{path}/{number}")
    else:
        yield path, value


def _date(value: str) -> dt.date | None | str:
    """A date (or the date part of a date-time); 'impossible' for a well-formed date that does not exist; None if absent."""
    if not isinstance(value, str) or not value:
        return None
    match = DATE.match(value)
    if not match:
        return None  # malformed dates are the schema's business
    try:
        return dt.date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        return "impossible"


def charity_number_ok(number: str) -> bool:
    """6 or 7 digits, after an optional two-letter register prefix (SC012345 is a Scottish charity)."""
    number = str(number).strip()
    if number[:2].isalpha():
        number = number[2:]
    return number.isdigit() and len(number) in (6, 7)


def company_number_ok(number: str) -> bool:
    return bool(COMPANY_NUMBER.match(str(number).strip()))


def org_id_prefix(org_id: str) -> str | None:
    """The longest recognised list prefix the identifier starts with (case-insensitive), else None."""
    upper = str(org_id).upper()
    matches = [p for p in ORG_ID_PREFIXES if upper == p or upper.startswith(p + "-")]
    return max(matches, key=len) if matches else None


def check_grant(grant: Mapping, *, today: dt.date) -> list[Finding]:
    """Every finding for one grant (the checks that need the whole list are in `check_funders`)."""
    gid = str(grant.get("id") or "(no identifier)")
    found: list[Finding] = []

    def add(path: str, code: str, message: str) -> None:
        found.append(Finding(gid, field_title(path), code, message))

    amount = grant.get("amountAwarded")
    if isinstance(amount, int | float) and not isinstance(amount, bool):
        if amount == 0:
            add("amountAwarded", "zero_amount", "The amount awarded is £0: explain why in the description, or leave it out.")
        elif amount < 0:
            add("amountAwarded", "zero_amount", f"The amount awarded is negative (£{amount:,.2f}).")

    dates = {"awardDate": grant.get("awardDate")}
    for number, period in enumerate(grant.get("plannedDates") or []):
        dates[f"plannedDates/{number}/startDate"] = period.get("startDate")
        dates[f"plannedDates/{number}/endDate"] = period.get("endDate")
    dates["dateModified"] = grant.get("dateModified")
    parsed = {}
    for path, value in dates.items():
        day = _date(value)
        if day == "impossible":
            add(path, "impossible_date", f"{value} is not a date that exists.")
        elif day is not None:
            parsed[path] = day
    award = parsed.get("awardDate")
    if award and award > today:
        add("awardDate", "future_award_date", f"The award date {award:%d %B %Y} is in the future.")
    for number, _ in enumerate(grant.get("plannedDates") or []):
        start, end = parsed.get(f"plannedDates/{number}/startDate"), parsed.get(f"plannedDates/{number}/endDate")
        if start and end and start > end:
            add(
                f"plannedDates/{number}/startDate",
                "planned_start_after_end",
                f"The planned start {start:%d %B %Y} is after the planned end {end:%d %B %Y}.",
            )

    for role in ("recipientOrganization", "fundingOrganization"):
        for number, org in enumerate(grant.get(role) or []):
            org_id = org.get("id")
            if not org_id:
                continue
            prefix = org_id_prefix(org_id)
            if prefix is None:
                add(
                    f"{role}/{number}/id",
                    "unrecognised_prefix",
                    f"{org_id} does not start with a list prefix from org-id.guide (such as GB-CHC, GB-COH or GB-LAE).",
                )
            elif prefix == "GB-CHC" and not charity_number_ok(org_id[len("GB-CHC-") :]):
                add(f"{role}/{number}/id", "org_id_looks_invalid", f"{org_id} does not end with a charity number (6–7 digits).")
            elif prefix == "GB-COH" and not company_number_ok(org_id[len("GB-COH-") :]):
                add(f"{role}/{number}/id", "org_id_looks_invalid", f"{org_id} does not end with a company number (8 characters).")
    for number, org in enumerate(grant.get("recipientOrganization") or []):
        charity = org.get("charityNumber")
        if charity not in (None, "") and not charity_number_ok(charity):
            add(
                f"recipientOrganization/{number}/charityNumber",
                "charity_number",
                f"'{charity}' does not look like a UK charity number (6 or 7 digits).",
            )
        company = org.get("companyNumber")
        if company not in (None, "") and not company_number_ok(company):
            add(
                f"recipientOrganization/{number}/companyNumber",
                "company_number",
                f"'{company}' does not look like a company number (8 characters, such as 01234567 or SC123456).",
            )

    for path, value in _flatten(dict(grant)):
        if "email" in path.lower():
            continue  # a field meant for an address is not a leak
        if isinstance(value, str) and EMAIL.search(value):
            add(path, "email", "This text contains what looks like an e-mail address, which may be personal data.")

    funders = grant.get("fundingOrganization") or []
    if len({f.get("id") for f in funders}) > 1:
        add("fundingOrganization", "more_than_one_funder", f"This grant names {len(funders)} funding organisations.")
    if not grant.get("grantProgramme"):
        add("grantProgramme", "no_grant_programme", "There is no grant programme.")
    locations = grant.get("beneficiaryLocation") or []
    if not locations:
        add("beneficiaryLocation", "no_beneficiary_location", "There is no beneficiary location.")
    for number, location in enumerate(locations):
        if location.get("name") and not location.get("geoCode"):
            add(
                f"beneficiaryLocation/{number}/geoCode",
                "location_without_code",
                f"The location '{location['name']}' has no geographic code.",
            )
    title, description = grant.get("title") or "", grant.get("description") or ""
    if len(title) > TITLE_MAX:
        add("title", "title_too_long", f"The title is {len(title)} characters; keep it under {TITLE_MAX}.")
    if title and title == description:
        add("description", "title_same_as_description", "The description only repeats the title.")
    if not grant.get("dateModified"):
        add("dateModified", "no_last_modified", "There is no last-modified date.")
    return found


def check_funders(funders: Mapping[str, Sequence[str]], *, expected: str | None = None) -> list[Finding]:
    """Grants (id → their funders' identifiers) naming a funder other than the publisher's (else the most common one).

    360Giving's tool warns when a file lists more than one funding organisation: a council's file should hold
    its own grants. ``expected`` is the publishing council's identifier, so a grant that would add a second
    funder to the public file is flagged even when it is published on its own.
    """
    counts = Counter(fid for ids in funders.values() for fid in set(ids))
    usual = expected or (counts.most_common(1)[0][0] if counts else None)
    others = {fid for fid in counts if fid != usual}
    if not others:
        return []
    return [
        Finding(
            gid,
            "Funding Org:Identifier",
            "more_than_one_funder",
            f"Funded by {', '.join(sorted(set(ids) - {usual}))}, not {usual}: a file with more than one funding organisation "
            "is flagged by 360Giving; publish another funder's grants only if you publish for several funders.",
        )
        for gid, ids in funders.items()
        if set(ids) - {usual}
    ]


def check_grants(grants: Iterable[Mapping], *, today: dt.date, expected_funder: str | None = None) -> list[Finding]:
    """Every finding for a list of grants: each grant's own, then those about the list's funders."""
    found: list[Finding] = []
    funders: dict[str, list[str]] = {}
    for grant in grants:
        found.extend(check_grant(grant, today=today))
        funders[str(grant.get("id"))] = [f.get("id") for f in grant.get("fundingOrganization") or [] if f.get("id")]
    return found + check_funders(funders, expected=expected_funder)
