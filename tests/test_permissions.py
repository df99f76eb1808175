"""Every URL × every role: who may open each page, and who may post to it.

The test walks the URL patterns too, so a new page cannot be added without saying here who may use it.
"""

from __future__ import annotations

import functools
import html
import re

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils.functional import SimpleLazyObject

from tests.calls.url_args_assess import ASSESS_URL_NAMES, calls_assess_url_args
from tests.engagement.test_consultations import consultation_url_args
from tests.engagement.test_meetings_demo import meeting_url_args
from tests.notifications.url_args import notification_url_args
from vcsgrants.core.models import Area, AreaIndicator, BackgroundJob, CouncilSettings, User
from vcsgrants.equity.models import Option, OptionSet
from vcsgrants.funding.models import Agreement, AgreementDocument, Decision, FundingStream
from vcsgrants.monitoring.models import Kpi, Return
from vcsgrants.reports.models import CabinetReport

pytestmark = pytest.mark.django_db

OWN_PROVIDER = "provider-kestrel-voluntary-action-demo"
ROLES = ["anonymous", "admin", "officer", "finance", "cabinet", "partner", "partner-icb", "provider", "applicant", "assessor"]
STAFF = {"admin", "officer", "finance", "cabinet"}
MANAGERS = {"admin", "officer"}
# Those who work on agreements: everyone signed in except applicants and assessors, who see only their calls.
WORKING = set(ROLES) - {"anonymous", "applicant", "assessor"}

# url name → (roles allowed to GET, roles allowed to POST or None for read-only pages).
# "provider" is the provider user of the agreement in question (its own organisation).
MATRIX = {
    "home": (set(ROLES) - {"anonymous"}, None),
    "queue": (MANAGERS, None),  # a home-page queue in full (returns to review)
    "queue-export": (MANAGERS, None),
    "healthz": (set(ROLES), None),
    "readyz": (set(ROLES), None),  # load balancers: each check's status, never data
    "council-logo": (set(ROLES), None),
    "about-accessibility": (set(ROLES), None),
    "about-cookies": (set(ROLES), None),
    "about-privacy": (set(ROLES), None),
    "council-settings": ({"admin"}, {"admin"}),
    "programme-list": (STAFF | {"partner", "partner-icb"}, None),
    "programme-detail": (STAFF | {"partner"}, None),
    "programme-money-export": (STAFF | {"partner"}, None),  # the page's money tables as CSV/XLSX
    "programme-create": (MANAGERS, MANAGERS),
    "programme-edit": (MANAGERS, MANAGERS),
    "monitoring-settings": (MANAGERS, MANAGERS),
    "period-create": (MANAGERS, MANAGERS),
    "stream-create": (MANAGERS, MANAGERS),
    "stream-edit": (MANAGERS, MANAGERS),
    "budget-set": (MANAGERS | {"finance"}, MANAGERS | {"finance"}),
    "allocations-edit": (MANAGERS, MANAGERS),
    "bulk-extension": (MANAGERS, MANAGERS),
    "agreement-list": (WORKING, None),
    "agreement-list-export": (WORKING, None),  # the list as CSV/XLSX, with the page's filters
    "agreement-create": (MANAGERS, MANAGERS),
    "agreement-detail": (STAFF | {"partner", "provider"}, None),
    "agreement-edit": (MANAGERS, MANAGERS),
    "agreement-add-line": (MANAGERS, MANAGERS),
    "agreement-status": (MANAGERS, MANAGERS),
    "variation-create": (MANAGERS, MANAGERS),
    "schedule-edit": (MANAGERS | {"finance"}, MANAGERS | {"finance"}),
    "payment-record": ({"admin", "finance"}, {"admin", "finance"}),
    "document-upload": (MANAGERS | {"provider"}, MANAGERS | {"provider"}),
    "document-download": (STAFF | {"provider"}, None),
    "payment-list": (STAFF, None),
    "payment-list-export": (STAFF, None),
    "payment-run-list": (STAFF, None),
    "payment-run-create": ({"admin", "finance"}, {"admin", "finance"}),
    "payment-run-detail": (STAFF, None),
    "payment-run-download": (STAFF, None),
    "decision-list": (STAFF, None),
    "decision-list-export": (STAFF, None),
    "decision-create": (MANAGERS | {"cabinet"}, MANAGERS | {"cabinet"}),
    "decision-detail": (STAFF, None),
    "organisation-list": (STAFF, None),
    "organisation-create": (MANAGERS, MANAGERS),
    "organisation-detail": (STAFF | {"provider"}, None),
    "organisation-edit": (MANAGERS, MANAGERS),
    "area-list": (STAFF, None),
    "area-create": (MANAGERS, MANAGERS),
    "area-edit": (MANAGERS, MANAGERS),
    "area-retire": (MANAGERS, MANAGERS),
    "area-indicator-create": (MANAGERS, MANAGERS),
    "area-indicator-edit": (MANAGERS, MANAGERS),
    "audit-log": (STAFF, None),
    "audit-log-export": (STAFF, None),
    # People: administrators (and superusers) only. The person acted on is a spare user made for the walk.
    "people-list": ({"admin"}, None),
    "person-invite": ({"admin"}, {"admin"}),
    "person-detail": ({"admin"}, None),
    "person-edit": ({"admin"}, {"admin"}),
    "person-deactivate": ({"admin"}, {"admin"}),
    "person-reactivate": (set(), {"admin"}),  # POST only
    "person-resend": (set(), {"admin"}),  # POST only
    "person-two-factor-reset": ({"admin"}, {"admin"}),  # the spare person has none to reset: refused with a message
    # --- two-factor sign-in: each person's own (not required of any role under the test settings) ---
    "two-factor": (set(ROLES) - {"anonymous"}, None),
    "two-factor-verify": (set(ROLES) - {"anonymous"}, set(ROLES) - {"anonymous"}),  # nothing pending: sent on
    "two-factor-setup": (set(ROLES) - {"anonymous"}, set(ROLES) - {"anonymous"}),
    "two-factor-recovery-codes": (set(ROLES) - {"anonymous"}, set(ROLES) - {"anonymous"}),
    "two-factor-turn-off": (set(), set(ROLES) - {"anonymous"}),  # POST only; "already off" for these users
    # --- background jobs (core.jobs): each person's own list; a job and its file only for who asked, and admins ---
    "job-list": (set(ROLES) - {"anonymous"}, None),
    "job-detail": ({"officer", "admin"}, None),  # the officer's job
    "job-download": ({"officer", "admin"}, None),
    # Monitoring: the framework is shared with the programme's providers and co-funders.
    "framework": (STAFF | {"partner", "provider"}, None),
    "outcome-create": (MANAGERS, MANAGERS),
    "kpi-propose": (MANAGERS | {"provider"}, MANAGERS | {"provider"}),
    "kpi-detail": (STAFF | {"partner", "provider"}, MANAGERS | {"provider"}),
    "kpi-comment": (set(), MANAGERS | {"provider"}),  # POST only
    "kpi-decide": (MANAGERS, MANAGERS),
    "kpi-refine": (MANAGERS, MANAGERS),
    "kpi-retire": (MANAGERS, MANAGERS),
    "targets-edit": (MANAGERS, MANAGERS),
    "targets-carry-forward": (MANAGERS, MANAGERS),
    "agreement-monitoring": (STAFF | {"partner", "provider"}, None),
    "return-edit": (MANAGERS | {"provider"}, MANAGERS | {"provider"}),
    "return-detail": (STAFF | {"partner", "provider"}, None),
    "return-review": (MANAGERS, MANAGERS),
    "return-template": (STAFF | {"partner", "provider"}, None),
    "return-upload": (MANAGERS | {"provider"}, MANAGERS | {"provider"}),
    "returns-overdue": (STAFF, None),
    "returns-overdue-export": (STAFF, None),
    "performance": (STAFF | {"partner"}, None),
    "performance-providers": (STAFF | {"partner"}, None),
    "performance-districts": (STAFF | {"partner"}, None),
    "performance-trends": (STAFF | {"partner"}, None),
    "performance-export": (STAFF | {"partner"}, None),
    # Equity options: council staff compare them; officers build and adopt them.
    "equity-list": (STAFF, None),
    "equity-create": (MANAGERS, MANAGERS),
    "equity-detail": (STAFF, None),
    "equity-option-create": (MANAGERS, MANAGERS),
    "equity-export": (STAFF, None),
    "equity-export-prepare": (set(), STAFF),  # POST only: a large set's workbook made in the background
    "equity-areas-csv": (STAFF, None),
    "equity-option-delete": (MANAGERS, MANAGERS),  # GET: the warning step
    "equity-option-adopt": (MANAGERS, MANAGERS),
    # --- calls (build and apply) ---
    # Council staff see calls and applications; officers build them. The demo call is closed, so every change is
    # refused with a redirect (an allowed request). Applications are the applicant user's own (404 to anyone else).
    "call-index": (STAFF, None),
    "call-list": (STAFF, None),
    "call-create": (MANAGERS, MANAGERS),
    "call-detail": (STAFF, None),
    "call-edit": (MANAGERS, MANAGERS),
    "call-publish": (set(), MANAGERS),  # POST only
    "call-preview": (STAFF, None),
    "call-applications": (STAFF, None),
    "call-lot-create": (MANAGERS, MANAGERS),
    "call-lot-edit": (MANAGERS, MANAGERS),
    "call-lot-delete": (MANAGERS, MANAGERS),
    "call-eligibility-create": (MANAGERS, MANAGERS),
    "call-eligibility-edit": (MANAGERS, MANAGERS),
    "call-eligibility-delete": (MANAGERS, MANAGERS),
    "call-section-create": (MANAGERS, MANAGERS),
    "call-section-edit": (MANAGERS, MANAGERS),
    "call-section-delete": (MANAGERS, MANAGERS),
    "call-section-move": (set(), MANAGERS),  # POST only
    "call-question-create": (MANAGERS, MANAGERS),
    "call-question-edit": (MANAGERS, MANAGERS),
    "call-question-delete": (MANAGERS, MANAGERS),
    "call-question-move": (set(), MANAGERS),  # POST only
    "call-document-upload": (MANAGERS, MANAGERS),
    "call-document-delete": (MANAGERS, MANAGERS),
    "application-eligibility-override": (MANAGERS, MANAGERS),
    "call-open-list": (set(ROLES), None),
    "applicant-register": (set(ROLES), set(ROLES)),  # signed-in users are sent on; the public register
    "call-document-download": (set(ROLES), None),
    "call-public": (set(ROLES), None),
    "application-list": ({"applicant", "provider"}, None),
    "application-start": ({"applicant", "provider"}, {"applicant", "provider"}),
    "application-detail": (STAFF | {"applicant"}, None),
    "application-edit": ({"applicant"}, {"applicant"}),
    "application-eligibility": ({"applicant"}, {"applicant"}),
    "application-section": ({"applicant"}, {"applicant"}),
    "application-co-applicants": ({"applicant"}, {"applicant"}),
    "application-co-applicant-remove": ({"applicant"}, {"applicant"}),  # GET: the warning step
    "application-check": ({"applicant"}, {"applicant"}),
    "application-withdraw": ({"applicant"}, {"applicant"}),
    "application-answer-file": (STAFF | {"applicant"}, None),
    # --- calls (assess and award) ---
    # Officers set up assessment, moderate and award; council staff read the scores, ranked list and export. An
    # assessor sees only their own assignments (a superuser sits on no panel); applicants never reach a score.
    "assess-setup": (MANAGERS, None),
    "assess-criterion-create": (MANAGERS, MANAGERS),
    "assess-criterion-edit": (MANAGERS, MANAGERS),
    "assess-criterion-delete": (
        MANAGERS,
        MANAGERS,
    ),  # GET: the warning step; POST refused once scoring has started
    "assess-kpis": (MANAGERS, MANAGERS),
    "assess-panel": (MANAGERS, MANAGERS),
    "assess-application-panel": (MANAGERS, MANAGERS),
    "assess-reopen": (MANAGERS, MANAGERS),
    "assess-my-list": ({"admin", "officer", "assessor"}, None),
    "assess-assignment": ({"assessor"}, {"assessor"}),
    "assess-conflict": ({"assessor"}, {"assessor"}),
    "moderation-list": (STAFF, None),
    "moderation-detail": (STAFF, MANAGERS),
    "moderation-reopen": (MANAGERS, MANAGERS),
    "award-preview": (MANAGERS, MANAGERS),
    "call-export": (STAFF, None),
    # --- notifications ---
    # The e-mail outbox: officers and administrators; they queue a failed e-mail again.
    "notification-list": (MANAGERS, None),
    "notification-detail": (MANAGERS, None),
    "notification-send-again": (set(), MANAGERS),  # POST only
    "email-frequency": (set(ROLES) - {"anonymous"}, set(ROLES) - {"anonymous"}),  # each person's own choice
    # --- api tokens ---
    # Any signed-in user lists and makes their own tokens; a token is revoked by its own user only (here the officer's).
    "api-tokens": (set(ROLES) - {"anonymous"}, set(ROLES) - {"anonymous"}),
    "api-token-revoke": ({"officer"}, {"officer"}),  # GET: the warning step
    # --- reports ---
    "report-list": (STAFF, None),
    "report-create": (MANAGERS, MANAGERS),
    "report-detail": (STAFF, None),
    "report-edit": (MANAGERS, MANAGERS),
    "report-download": (STAFF, None),
    "report-decision": (MANAGERS | {"cabinet"}, MANAGERS | {"cabinet"}),
    "report-issue": (MANAGERS, MANAGERS),  # a confirmation page, then the POST that issues
    "report-new-draft": (set(), MANAGERS),  # POST only
    "report-prepare": (set(), STAFF),  # POST only: a draft's PDF made in the background (a job for each POST)
    "report-from-last-year": (set(), MANAGERS),  # POST only
    "report-template": ({"admin"}, {"admin"}),
    "report-template-remove": (set(), {"admin"}),  # POST only
    # --- opendata ---
    # Published grants are public; council staff preview and check grants; officers publish and unpublish.
    "opendata-public": (set(ROLES), None),
    "opendata-download": (set(ROLES), None),
    "opendata-manage": (STAFF, MANAGERS),
    "opendata-export": (STAFF, None),
    "opendata-transparency": (set(ROLES), None),
    "opendata-transparency-download": (set(ROLES), None),
    # --- meetings ---
    # Meetings: providers see their own; the ICB's partner user sees the programme's actions from its NHS meetings.
    "meeting-list": (WORKING, None),
    "meeting-create": (MANAGERS, MANAGERS),
    "meeting-detail": (STAFF | {"provider"}, None),  # a monitoring meeting with the provider
    "meeting-edit": (MANAGERS, MANAGERS),
    "action-create": (MANAGERS, MANAGERS),
    "action-edit": (MANAGERS, MANAGERS),
    "action-done": (MANAGERS | {"provider"}, MANAGERS | {"provider"}),  # an open action the provider owns
    "action-list": (STAFF | {"provider", "partner-icb"}, None),
    "engagement-settings": (MANAGERS, MANAGERS),
    # --- consultations ---
    # Officers run them; staff read them and their summaries; the programme's providers respond for their organisation;
    # co-funding partners read them once open and their summaries once closed; /consult/<token>/ needs no sign-in.
    "consultation-list": (WORKING, None),
    "consultation-create": (MANAGERS, MANAGERS),
    "consultation-detail": (STAFF | {"partner", "provider"}, None),
    "consultation-edit": (MANAGERS, MANAGERS),
    "consultation-question-create": (MANAGERS, MANAGERS),
    "consultation-question-edit": (MANAGERS, MANAGERS),
    "consultation-question-delete": (MANAGERS, MANAGERS),  # GET: the warning step
    "consultation-question-move": (set(), MANAGERS),  # POST only
    "consultation-document-upload": (MANAGERS, MANAGERS),
    "consultation-document-download": (STAFF | {"partner", "provider"}, None),
    "consultation-respond": ({"provider"}, {"provider"}),
    "consultation-summary": (STAFF | {"partner"}, None),
    "consultation-summary-xlsx": (STAFF | {"partner"}, None),
    "consultation-responses": (MANAGERS, None),
    "consultation-response-exclude": (MANAGERS, MANAGERS),
    "consultation-public": (set(ROLES), set(ROLES)),
    "consultation-public-sent": (set(ROLES), None),
    "consultation-public-document": (set(ROLES), None),
    # --- multiyear and partners ---
    # Partner pages: council staff see every body; a partner user their own lineage (partner-list redirects them there).
    "partner-list": (STAFF | {"partner", "partner-icb"}, None),
    "partner-detail": (STAFF | {"partner"}, None),
    "stream-contributions": (MANAGERS | {"finance"}, MANAGERS | {"finance"}),
    "commitments-forecast": (STAFF, None),
    "commitments-forecast-export": (STAFF, None),
    "agreement-create-multiyear": (MANAGERS, MANAGERS),
    "agreement-convert-multiyear": (MANAGERS, MANAGERS),
    # --- bringing in existing data from a workbook: officers and administrators ---
    "workbook-import": (MANAGERS, MANAGERS),
    "workbook-template": (MANAGERS, None),
    # --- forgotten password: public, like the sign-in page (a link with a bad token shows "This link no longer works") ---
    "password_reset": (set(ROLES), set(ROLES)),
    "password_reset_done": (set(ROLES), None),
    "password_reset_confirm": (set(ROLES), set(ROLES)),
    "password_reset_complete": (set(ROLES), None),
}


@functools.cache  # url_for asks for every page of every role: walk the URLconf once
def our_url_names() -> dict[str, str]:
    """Each page's name (unique across the apps, as MATRIX keys it) → its namespaced name, for reverse()."""
    names = {}

    def walk(patterns, namespace=None):
        for p in patterns:
            if isinstance(p, URLResolver):
                if str(p.pattern) in {"admin/", "accounts/", "api/"}:
                    continue
                walk(p.url_patterns, p.namespace or namespace)
            elif isinstance(p, URLPattern) and p.name:
                assert p.name not in names, f"{p.name} is a page name in two apps"
                names[p.name] = f"{namespace}:{p.name}" if namespace else p.name

    walk(get_resolver().url_patterns)
    return names


def test_every_page_is_in_the_matrix():
    assert set(our_url_names()) == set(MATRIX), "Add each new page to MATRIX with the roles that may use it"


@pytest.fixture
def demo(demo_module, db):
    own = User.objects.get(username=OWN_PROVIDER)
    agreement = Agreement.objects.filter(organisation=own.organisation).first()
    officer = User.objects.get(username="officer")
    from django.core.files.uploadedfile import SimpleUploadedFile

    from vcsgrants.funding.services.agreements import document_upload

    document = document_upload(
        agreement=agreement, title="Signed SLA", upload=SimpleUploadedFile("sla.txt", b"signed"), actor=officer
    )
    # The council's logo, so /council/logo has a file to serve (it is 404 until one is uploaded).
    CouncilSettings.objects.get(pk=1).logo.save("logo.png", ContentFile(b"\x89PNG\r\n\x1a\n"))
    return agreement, document


def api_token_of(username: str) -> int:
    """The id of a token of this user's, made once (a revoked one is revoked again, harmlessly)."""
    from vcsgrants.api.models import ApiToken

    user = User.objects.get(username=username)
    api_token = ApiToken.objects.filter(user=user, name="permissions walk").first()
    return (api_token or ApiToken.issue(user, name="permissions walk")[0]).pk


PERSON_URL_NAMES = [
    "person-detail",
    "person-edit",
    "person-deactivate",
    "person-reactivate",
    "person-resend",
    "person-two-factor-reset",
]


def spare_person() -> int:
    """Someone invited for the walk, whom an administrator's POSTs may change or deactivate harmlessly."""
    person, created = User.objects.get_or_create(
        username="permissions-walk-person", defaults={"first_name": "Walk", "email": "walk@example.org"}
    )
    if created:
        person.set_unusable_password()
        person.save(update_fields=["password"])
    return person.pk


def officers_job():
    """A finished background job of the officer's, with its file."""
    job = BackgroundJob.objects.filter(requested_by__username="officer", kind="permissions-walk").first()
    if job is None:
        job = BackgroundJob(requested_by=User.objects.get(username="officer"), kind="permissions-walk", title="A walk")
        job.state = BackgroundJob.State.DONE
        job.result_file.save("walk.csv", ContentFile(b"a,b\n"), save=False)
        job.result_name = "walk.csv"
        job.save()
    return job.pk


def calls_apply_url_args(slug: str) -> dict[str, list]:
    """The demo's closed call and the applicant user's application (ineligible, so no assessor reads it)."""
    from django.core.files.base import ContentFile

    from vcsgrants.calls.models import Answer, Call, CoApplicant, FormQuestion
    from vcsgrants.demo.calls_apply import REFERENCE

    call = Call.objects.get(reference=REFERENCE)
    application = call.applications.get(organisation__users__username="applicant")
    section = call.sections.first()
    file_question = FormQuestion.objects.get(section__call=call, kind=FormQuestion.Kind.FILE)
    answer, _ = Answer.objects.get_or_create(application=application, question=file_question)
    if not answer.file:
        answer.original_name = "policy.pdf"
        answer.file.save("policy.pdf", ContentFile(b"%PDF-1.4 demo"))
    co_applicant, _ = CoApplicant.objects.get_or_create(application=application, name="Permissions walk partner")
    one = {"call": [call.pk], "application": [application.pk]}
    return {
        "call-list": [slug],
        "call-create": [slug],
        **{name: one["call"] for name in ["call-detail", "call-edit", "call-publish", "call-preview", "call-applications"]},
        **{name: one["call"] for name in ["call-lot-create", "call-eligibility-create", "call-section-create"]},
        "call-document-upload": [call.pk],
        "call-lot-edit": [call.lots.first().pk],
        "call-lot-delete": [call.lots.first().pk],
        "call-eligibility-edit": [call.eligibility_questions.first().pk],
        "call-eligibility-delete": [call.eligibility_questions.first().pk],
        **{name: [section.pk] for name in ["call-section-edit", "call-section-delete", "call-section-move"]},
        "call-question-create": [section.pk],
        **{name: [file_question.pk] for name in ["call-question-edit", "call-question-delete", "call-question-move"]},
        "call-document-delete": [call.documents.first().pk],
        "call-document-download": [call.documents.first().pk],
        "call-public": [call.reference],
        "application-start": [call.pk],
        **{
            name: one["application"]
            for name in [
                "application-detail",
                "application-edit",
                "application-eligibility",
                "application-co-applicants",
                "application-check",
                "application-withdraw",
                "application-eligibility-override",
            ]
        },
        "application-section": [application.pk, section.pk],
        "application-co-applicant-remove": [co_applicant.pk],
        "application-answer-file": [answer.pk],
    }


def url_for(name: str, agreement: Agreement, document: AgreementDocument) -> str:
    from django.urls import reverse

    slug = agreement.programme.slug
    # Looked up only when a page's args read them (SimpleLazyObject), afresh for each page and role as before: the
    # walk asks for every page of every role, and these queries for every one of them were a third of its time.
    stream = SimpleLazyObject(lambda: FundingStream.objects.filter(programme=agreement.programme).first())
    instalment = SimpleLazyObject(lambda: agreement.instalments.first())
    kpi = SimpleLazyObject(lambda: Kpi.objects.filter(outcome__programme=agreement.programme, status=Kpi.Status.AGREED).first())
    return_record = SimpleLazyObject(lambda: Return.objects.filter(agreement=agreement).first())
    option_set = SimpleLazyObject(lambda: OptionSet.objects.get(programme=agreement.programme))
    report = SimpleLazyObject(  # the first: new drafts come later
        lambda: CabinetReport.objects.filter(programme=agreement.programme).order_by("pk").first()
    )
    # A page's args: a list, or a function returning one (called for that page only) where they need a query.
    args = {
        # url args --- calls (build and apply) ---
        **(calls_apply_url_args(slug) if name.startswith(("call-", "application-")) else {}),
        # url args --- calls (assess and award) ---
        **(calls_assess_url_args() if name in ASSESS_URL_NAMES else {}),
        # url args --- notifications ---
        **(notification_url_args() if name.startswith("notification-") else {}),
        # url args --- meetings ---
        **(meeting_url_args(agreement) if name.startswith(("meeting-", "action-", "engagement-")) else {}),
        # url args --- consultations ---
        **(consultation_url_args(agreement) if name.startswith("consultation") else {}),
        # url args --- api tokens ---
        **({"api-token-revoke": [api_token_of("officer")]} if name == "api-token-revoke" else {}),
        # url args --- people ---
        **({name: [spare_person()] for name in PERSON_URL_NAMES} if name in PERSON_URL_NAMES else {}),
        # url args --- forgotten password ---
        "password_reset_confirm": ["MQ", "not-a-real-token"],
        # url args --- multiyear and partners ---
        "partner-detail": lambda: [User.objects.get(username="partner").organisation_id],  # the partner user's own body
        "stream-contributions": lambda: [slug, stream.pk],
        "commitments-forecast": [slug],
        "commitments-forecast-export": [slug, "csv"],
        "agreement-convert-multiyear": [agreement.pk],
        "report-list": [slug],
        "report-create": [slug],
        "report-detail": lambda: [report.pk],
        "report-edit": lambda: [report.pk],
        "report-download": lambda: [report.pk, "pdf"],
        "report-decision": lambda: [report.pk],
        "report-issue": lambda: [report.pk],
        "report-new-draft": lambda: [report.pk],
        "report-prepare": lambda: [report.pk, "pdf"],
        "job-detail": lambda: [officers_job()],
        "job-download": lambda: [officers_job()],
        "report-from-last-year": [slug],
        "report-template": [],
        "report-template-remove": [],
        "equity-list": [slug],
        "equity-create": [slug],
        "equity-detail": lambda: [option_set.pk],
        "equity-option-create": lambda: [option_set.pk],
        "equity-export": lambda: [option_set.pk],
        "equity-export-prepare": lambda: [option_set.pk],
        "equity-areas-csv": lambda: [option_set.pk],
        "equity-option-adopt": lambda: [option_set.options.first().pk],
        "framework": [slug],
        "outcome-create": [slug],
        "kpi-propose": [slug],
        "kpi-detail": lambda: [kpi.pk],
        "kpi-comment": lambda: [kpi.pk],
        "kpi-decide": lambda: [kpi.pk],
        "kpi-refine": lambda: [kpi.pk],
        "kpi-retire": lambda: [kpi.pk],
        "targets-edit": [agreement.pk, "2022-23"],
        "targets-carry-forward": [slug, "2023-24"],
        "agreement-monitoring": [agreement.pk],
        "return-edit": [agreement.pk, "2022-23", 1],
        "return-detail": lambda: [return_record.pk],
        "return-review": lambda: [return_record.pk],
        "return-template": lambda: [return_record.pk],
        "return-upload": lambda: [return_record.pk],
        "performance": [slug],
        "performance-providers": [slug],
        "performance-districts": [slug],
        "performance-trends": [slug],
        "performance-export": [slug, "framework", "csv"],
        "agreement-list-export": ["csv"],
        "payment-list-export": ["xlsx"],
        "decision-list-export": ["csv"],
        "returns-overdue-export": ["csv"],
        "audit-log-export": ["csv"],
        "programme-detail": [slug],
        "programme-money-export": [slug, "streams", "csv"],
        "queue": ["returns-to-review"],
        "queue-export": ["returns-to-review", "csv"],
        "period-create": [slug],
        "programme-edit": [slug],
        "monitoring-settings": [slug],
        "stream-create": [slug],
        "bulk-extension": [slug],
        "stream-edit": lambda: [slug, stream.pk],
        "budget-set": lambda: [slug, stream.pk],
        "allocations-edit": lambda: [slug, stream.pk],
        "agreement-detail": [agreement.pk],
        "agreement-edit": [agreement.pk],
        "agreement-add-line": [agreement.pk],
        "agreement-status": [agreement.pk],
        "variation-create": [agreement.pk],
        "document-upload": [agreement.pk],
        "schedule-edit": [agreement.pk, "2022-23"],
        "payment-record": lambda: [agreement.pk, instalment.pk],
        "document-download": [document.pk],
        "decision-detail": lambda: [Decision.objects.first().pk],
        "organisation-detail": [agreement.organisation_id],
        "organisation-edit": [agreement.organisation_id],
        "area-edit": lambda: [Area.objects.filter(kind=Area.Kind.DISTRICT).first().pk],
        "area-retire": lambda: [Area.objects.filter(kind=Area.Kind.DISTRICT).first().pk],
        "area-indicator-edit": lambda: [AreaIndicator.objects.get(key="imd").pk],
        "opendata-download": ["json"],
        "opendata-manage": [slug],
        "opendata-export": [slug, "json"],
        "opendata-transparency-download": ["csv"],
    }.get(name, [])
    if callable(args):
        args = args()
    if name == "equity-option-delete":
        # A fresh option each time: a role allowed to POST removes it.
        officer = User.objects.get(username="officer")
        args = [Option.objects.create(option_set_id=option_set.pk, label="Spare", blend={"equal": "1"}, created_by=officer).pk]
    if name in ("payment-run-detail", "payment-run-download"):
        import datetime as dt

        from vcsgrants.funding.models import PaymentRun

        finance = User.objects.get(username="finance")
        run = PaymentRun.objects.create(paid_on=dt.date(2022, 7, 1), reference="RUN-1", recorded_by=finance)
        args = [run.pk] + (["csv"] if name == "payment-run-download" else [])
    if name == "opendata-download":
        # Something published to download, whether or not the demo loader publishes (it does nothing if already done).
        from vcsgrants.demo.opendata import publish_demo_grants

        publish_demo_grants(agreement.programme, officer=User.objects.get(username="officer"))
    return reverse(our_url_names()[name], args=args)


def client_for(role: str) -> Client:
    client = Client()
    if role != "anonymous":
        client.force_login(User.objects.get(username=OWN_PROVIDER if role == "provider" else role))
    return client


def outcome(response) -> str:
    if response.status_code == 302 and "/accounts/login/" in response["Location"]:
        return "login"
    return "allow" if response.status_code in (200, 302) else "deny"


def test_every_url_for_every_role(demo):
    agreement, document = demo
    wrong = []
    for role in ROLES:
        client = client_for(role)
        for name, (may_get, may_post) in MATRIX.items():
            url = url_for(name, agreement, document)
            expected = "allow" if role in may_get else ("login" if role == "anonymous" else "deny")
            got = outcome(client.get(url))
            if got != expected:
                wrong.append(f"GET {url} as {role}: expected {expected}, got {got}")
            if may_post is not None:
                expected = "allow" if role in may_post else ("login" if role == "anonymous" else "deny")
                got = outcome(client.post(url, {}))
                if got != expected:
                    wrong.append(f"POST {url} as {role}: expected {expected}, got {got}")
    assert not wrong, "\n".join(wrong)


def test_a_provider_cannot_reach_another_organisations_records(demo):
    agreement, document = demo
    other = Agreement.objects.exclude(organisation=agreement.organisation).first()
    other_doc_owner_client = client_for("provider")
    for url in [
        f"/agreements/{other.pk}/",
        f"/agreements/{other.pk}/documents/new/",
        f"/organisations/{other.organisation_id}/",
    ]:
        response = other_doc_owner_client.get(url)
        assert response.status_code == 403, url
        assert "does not allow you" in response.content.decode()
    listing = other_doc_owner_client.get("/agreements/").content.decode()
    assert agreement.reference in listing
    assert other.reference not in listing


def test_anonymous_users_reach_only_the_sign_in_page(client):
    assert client.get("/accounts/login/").status_code == 200
    response = client.get("/programmes/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


LINK = re.compile(r'<a [^>]*href="(/[^"#]*)"')
NOT_FOLLOWED = ("/accounts/logout/", "/admin/", "/static/")
PAGES_PER_ROLE = 80


@pytest.mark.parametrize("role", ["provider", "partner", "partner-icb", "partner-nhs-demo", "cabinet", "applicant", "assessor"])
def test_every_link_a_role_is_shown_opens_for_it(demo, role):
    """Walk the links a user is shown, from the home page: none may lead to a refusal or a missing page. A link
    the user may not follow should not be shown (a provider shown a Cabinet decision it may not open, say)."""
    client = client_for(role)
    to_visit, seen, broken = ["/"], {"/"}, []
    while to_visit and len(seen) <= PAGES_PER_ROLE:
        page = to_visit.pop(0)
        response = client.get(page, follow=True)  # a redirect is fine where it lands on a page that opens
        if response.status_code != 200:
            broken.append(f"{page}: {response.status_code}")
            continue
        if not response["Content-Type"].startswith("text/html"):
            continue
        for href in LINK.findall(response.content.decode()):
            href = html.unescape(href)
            if href not in seen and not href.startswith(NOT_FOLLOWED):
                seen.add(href)
                to_visit.append(href)
    assert not broken, f"{role} is shown links that do not open:\n" + "\n".join(broken)
