"""A call's applications, scores and outcomes as one XLSX workbook (three sheets), for officers and the record."""

from __future__ import annotations

from django.utils import timezone

from vcsgrants.calls.models import Application, Assignment, Call
from vcsgrants.calls.selectors import assess as selectors
from vcsgrants.core.exports import xlsx_sheets

APPLICATION_HEADERS = [
    "Reference",
    "Lot",
    "Area",
    "Organisation",
    "Org-ID",
    "Project",
    "Amount requested a year (£)",
    "Status",
    "Submitted",
    "Eligible",
    "Ineligible reasons",
    "Eligibility override",
    "Co-applicants",
]
SCORE_HEADERS = [
    "Reference",
    "Organisation",
    "Assessor",
    "Conflict of interest",
    "Scores submitted",
    "Criterion",
    "Weight (%)",
    "Highest score",
    "Score",
    "Comment",
    "Assessor's weighted total (%)",
]
MODERATION_HEADERS = [
    "Lot",
    "Rank",
    "Reference",
    "Organisation",
    "Amount requested a year (£)",
    "Assessors submitted",
    "Panel mean (%)",
    "Moderated score (%)",
    "Why the score differs from the mean",
    "Recommendation",
    "Reasons",
    "Conditions",
    "Outcome",
    "Feedback",
    "Agreement",
]


def _when(moment) -> str:
    return timezone.localtime(moment).strftime("%d/%m/%Y %H:%M") if moment else ""


def _eligible(application: Application) -> str:
    value = application.is_eligible
    return "" if value is None else ("Yes" if value else "No")


def application_rows(call: Call) -> list[list]:
    applications = (
        call.applications.select_related("lot__area", "organisation").prefetch_related("co_applicants").order_by("reference")
    )
    return [
        [
            a.reference,
            a.lot.name,
            a.lot.area.name,
            a.organisation.name,
            a.organisation.org_id,
            a.project_title,
            a.amount_requested,
            a.get_status_display(),
            _when(a.submitted_at),
            _eligible(a),
            "; ".join(a.ineligible_reasons),
            a.eligibility_override_reason,
            "; ".join(c.name for c in a.co_applicants.all()),
        ]
        for a in applications
    ]


def score_rows(call: Call) -> list[list]:
    rows = []
    for application in call.applications.filter(assignments__isnull=False).distinct().select_related("organisation", "call"):
        result = selectors.panel_result(application)
        by_assignment = {col.assignment.pk: col for col in result.columns}
        for assignment in application.assignments.select_related("assessor"):
            who = assignment.assessor.display_name
            conflict = assignment.get_conflict_display()
            if assignment.conflict == Assignment.Conflict.CONFLICT:
                rows.append(
                    [
                        application.reference,
                        application.organisation.name,
                        who,
                        f"{conflict}: {assignment.conflict_details}",
                        "No",
                        "",
                        None,
                        None,
                        None,
                        "",
                        None,
                    ]
                )
                continue
            column = by_assignment[assignment.pk]
            for criterion in result.criteria:
                entry = column.scores.get(criterion.pk)
                rows.append(
                    [
                        application.reference,
                        application.organisation.name,
                        who,
                        conflict,
                        "Yes" if column.counts else "No",
                        f"{criterion.number}. {criterion.title}",
                        criterion.weight,
                        criterion.max_score,
                        entry.score if entry else None,
                        entry.comment if entry else "",
                        column.total,
                    ]
                )
    return rows


def moderation_rows(call: Call) -> list[list]:
    listed = {}
    rows = []
    for ranking in selectors.ranked_by_lot(call):
        for row in ranking.rows:
            a = row.application
            listed[a.pk] = True
            rows.append(
                [
                    ranking.lot.name,
                    row.rank,
                    a.reference,
                    a.organisation.name,
                    a.amount_requested,
                    row.submitted,
                    row.panel_mean,
                    a.moderated_score,
                    selectors.score_change_reason(a) if a.moderated_score is not None else "",
                    a.get_recommendation_display(),
                    a.recommendation_reason,
                    a.conditions,
                    a.get_outcome_display(),
                    a.feedback,
                    a.agreement.reference if a.agreement_id else "",
                ]
            )
    # Submitted applications that were not assessed (ineligible) still have an outcome.
    others = call.applications.filter(status=Application.Status.SUBMITTED).exclude(pk__in=listed)
    for a in others.select_related("lot", "organisation", "agreement").order_by("reference"):
        rows.append(
            [
                a.lot.name,
                None,
                a.reference,
                a.organisation.name,
                a.amount_requested,
                0,
                None,
                None,
                "",
                "Not assessed (not eligible)",
                "",
                "",
                a.get_outcome_display(),
                a.feedback,
                "",
            ]
        )
    return rows


def call_workbook(call: Call) -> bytes:
    return xlsx_sheets(
        [
            ("Applications", APPLICATION_HEADERS, application_rows(call)),
            ("Scores", SCORE_HEADERS, score_rows(call)),
            ("Moderation and outcomes", MODERATION_HEADERS, moderation_rows(call)),
        ]
    )
