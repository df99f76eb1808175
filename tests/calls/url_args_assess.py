"""URL arguments for the assessment and award pages in the permissions walk (tests/test_permissions.py), from the demo."""

from __future__ import annotations

ASSESS_URL_NAMES = {
    "assess-setup",
    "assess-criterion-create",
    "assess-criterion-edit",
    "assess-criterion-delete",
    "assess-kpis",
    "assess-panel",
    "assess-application-panel",
    "assess-reopen",
    "assess-assignment",
    "assess-conflict",
    "moderation-list",
    "moderation-detail",
    "moderation-reopen",
    "award-preview",
    "call-export",
}


def calls_assess_url_args() -> dict[str, list]:
    """The demo call; its Amber Valley application, which every panel member has scored (so an empty POST that
    would take assessors off changes nothing); and the `assessor` user's submitted assignment on it."""
    from vcsgrants.calls.models import Assignment, Call
    from vcsgrants.demo.calls_apply import REFERENCE

    call = Call.objects.get(reference=REFERENCE)
    scored = Assignment.objects.filter(application__call=call, assessor__username="assessor", completed_at__isnull=False)
    mine = scored.order_by("application__reference").first()
    application = mine.application
    other = application.assignments.exclude(pk=mine.pk).filter(completed_at__isnull=False).first()
    criterion = call.criteria.first()
    return {
        **{name: [call.pk] for name in ["assess-setup", "assess-criterion-create", "assess-kpis", "assess-panel"]},
        **{name: [call.pk] for name in ["moderation-list", "award-preview", "call-export"]},
        "assess-criterion-edit": [criterion.pk],
        "assess-criterion-delete": [criterion.pk],  # refused: scoring has started
        "assess-application-panel": [application.pk],
        "assess-reopen": [other.pk],
        "assess-assignment": [mine.pk],
        "assess-conflict": [mine.pk],
        "moderation-detail": [application.pk],
        "moderation-reopen": [application.pk],  # an empty POST gives no reason, so changes nothing
    }
