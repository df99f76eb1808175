"""The demo's report to Cabinet of 10 February 2022, linked to the decision it led to.

The facts (periods, the £250,000, the one-off exclusion, the £452,228 from 1 April 2022 to 31 March 2023 and
the further work) follow the Cabinet minute; the wording is ours, and the split by provider in Appendix 2 is
the demo's illustrative one. Idempotent: a programme with reports is left alone.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from vcsgrants.core.models import User
from vcsgrants.core.services import financial_year_get
from vcsgrants.funding.models import Decision, Programme
from vcsgrants.reports import services
from vcsgrants.reports.models import CabinetReport

PURPOSE = """To report progress with the new funding approach for Voluntary and Community Sector (VCS) infrastructure, and
to seek approval to keep every infrastructure grant at its current level for twelve months, from 1 April 2022
to 31 March 2023.

Demo content: the organisations are fictional and the split of the funding between them is illustrative."""

PROGRESS = """The new approach rests on district-level funding allocations, new Service Level Agreements on an organisation
and district basis, a comprehensive list of Key Performance Indicators co-designed with providers, active and
frequent engagement through monitoring and partnership meetings, and regular meetings with the NHS partner,
the Clinical Commissioning Group, which is becoming part of the Integrated Care System.

A six-month extension moved the end of the first period to 31 March 2022 so that a full year could be
monitored against the new outcomes framework. An additional £250,000 was approved so that there is adequate
infrastructure to support the COVID-19 response, recovery and any resurgence; that money is one-off Public
Health funding which runs only to 30 September 2022, and it is excluded from the grants proposed here.

Further work is needed on options for allocating the funding with greater equity of provision; on longer-term,
multi-year funding arrangements with providers; on refining the KPIs with providers and checking that the
shared outcomes framework's objectives are met; on a consistent approach with funding partners; and on keeping
shared understanding and commitments through the NHS transition."""

# One recommendation per line.
RECOMMENDATIONS = "\n".join(
    [
        "Notes the progress made and agrees the further work set out under Progress.",
        "Approves funding totalling £452,228 to keep each VCS infrastructure grant at its current level from 1 April 2022 "
        "to 31 March 2023, excluding the one-off Public Health funding, as set out in Appendix 2.",
    ]
)

# The standard sections of a committee report (illustrative wording).
SECTIONS = {
    "areas_affected": "All",
    "key_decision": True,
    "alternatives": "Ending the grants on 31 March 2022 was considered and rejected: the infrastructure support would "
    "stop before the new outcomes framework has a full year of monitoring.",
    "financial_implications": "The grants in Appendix 2 are met from the VCS infrastructure budget for 2022-23.",
    "legal_implications": "The grants are made under Service Level Agreements varied to 31 March 2023.",
    "hr_implications": "None.",
    "equality_implications": "Further work on options for greater equity of provision is set out under Progress.",
    "climate_implications": "None directly.",
    "background_papers": "Report to Cabinet, 9 September 2021 (illustrative)\nKPI framework held by the programme team",
    "reasons": "To keep infrastructure support in place while the new approach is monitored for a full year.",
    "contact_officer": "Programme officer (demo)\nVCS grants team\nvcs.grants@example.org",
}

MINUTE_TITLE = "VCS infrastructure: progress and extension of grants 2022-23"


@transaction.atomic
def load_reports_demo(programme: Programme, *, officer: User) -> bool:
    if programme.reports.exists():
        return False
    report = services.report_save(
        report=CabinetReport(
            programme=programme,
            title="Voluntary and Community Sector infrastructure: progress and grants for 2022-23",
            meeting="Cabinet",
            meeting_date=dt.date(2022, 2, 10),
            # Pinned to the meeting's date: the extension it recommends was approved (approved_on) that day.
            figures_as_at=dt.date(2022, 2, 10),
            report_of="Executive Director – Corporate Services (demo)",
            purpose=PURPOSE,
            progress=PROGRESS,
            recommendations=RECOMMENDATIONS,
            financial_year=financial_year_get(start_year=2022),
            performance_year=financial_year_get(start_year=2021),
            performance_quarter=3,
            **SECTIONS,
        ),
        actor=officer,
    )
    report.decision = Decision.objects.filter(title=MINUTE_TITLE, decision_date=dt.date(2022, 2, 10)).first()
    report.save(update_fields=["decision"])
    return True
