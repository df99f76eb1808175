"""The Local Government Transparency Code 2015 register of grants to voluntary, community and social enterprise
organisations, read from the published 360Giving grants (the same snapshots as the 360Giving files, so the same
grants and the same totals).

The Code asks, for each grant, as a minimum: the date the grant was awarded; the time period for which it has been
given; the local authority department which awarded it; the beneficiary; the beneficiary's registration number
(where applicable); a summary of the purpose of the grant; and the amount. Each row here is one published grant
(one agreement's award for one financial year). Pure: takes the grant as published, imports nothing of Django.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

HEADERS = [
    "Date awarded",
    "Period from",
    "Period to",
    "Financial year",
    "Department",
    "Beneficiary",
    "Beneficiary registration number",
    "Registration type",
    "Purpose",
    "Amount",
    "360Giving identifier",
]


@dataclass(frozen=True)
class RegisterRow:
    award_date: dt.date
    period_from: dt.date | None
    period_to: dt.date | None
    year: str
    department: str
    beneficiary: str
    registration_number: str
    registration_type: str
    purpose: str
    amount: Decimal
    grant_id: str

    def cells(self) -> list:
        """The row for the CSV and XLSX, in HEADERS order: dates as YYYY-MM-DD, the amount as a plain decimal."""
        return [
            self.award_date.isoformat(),
            self.period_from.isoformat() if self.period_from else "",
            self.period_to.isoformat() if self.period_to else "",
            self.year,
            self.department,
            self.beneficiary,
            self.registration_number,
            self.registration_type,
            self.purpose,
            self.amount,
            self.grant_id,
        ]


def _date(text: str | None) -> dt.date | None:
    return dt.date.fromisoformat(text) if text else None


def register_row(*, data: dict, amount: Decimal, year: str) -> RegisterRow:
    """One register row from a published grant's 360Giving data; `amount` is the snapshot's exact amount."""
    recipient = (data.get("recipientOrganization") or [{}])[0]
    funder = (data.get("fundingOrganization") or [{}])[0]
    planned = (data.get("plannedDates") or [{}])[0]
    if recipient.get("charityNumber"):
        number, kind = recipient["charityNumber"], "Charity"
    elif recipient.get("companyNumber"):
        number, kind = recipient["companyNumber"], "Company"
    else:
        number, kind = "", ""
    programme = (data.get("grantProgramme") or [{}])[0].get("title", "")
    title = data.get("title", "")
    return RegisterRow(
        award_date=dt.date.fromisoformat(data["awardDate"]),
        period_from=_date(planned.get("startDate")),
        period_to=_date(planned.get("endDate")),
        year=year,
        department=funder.get("department") or funder.get("name", ""),
        beneficiary=recipient.get("name", ""),
        registration_number=number,
        registration_type=kind,
        purpose=f"{programme}: {title}" if programme else title,
        amount=amount,
        grant_id=data.get("id", ""),
    )
