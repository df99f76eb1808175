"""The pages, as people use them: officers build, applicants apply; drafts survive errors; nobody sees another's."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tests.calls.conftest import applicant_user
from tests.calls.test_apply_services import complete, start
from tests.factories import UserFactory
from vcsgrants.calls.models import Answer, Call, FormQuestion
from vcsgrants.calls.services import apply
from vcsgrants.core.models import Role

pytestmark = pytest.mark.django_db
K = FormQuestion.Kind


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_an_officer_builds_and_publishes_a_call_through_the_pages(officer, funded):
    client = signed_in(officer)
    slug = funded.programme.slug
    response = client.post(
        f"/programmes/{slug}/calls/new/",
        {
            "title": "Rural support",
            "reference": "rural-2024",
            "description": "For rural groups.",
            "stream": funded.stream.pk,
            "opens_at": "2030-06-01",
            "opens_at_time": "09:00",
            "closes_at": "2030-07-15",
            "closes_at_time": "17:00",
            "first_year": "2031",
            "agreement_years": "2",
        },
    )
    call = Call.objects.get(reference="rural-2024")
    assert response["Location"] == f"/calls/{call.pk}/"
    assert (call.agreement_start.isoformat(), call.agreement_end.isoformat()) == ("2031-04-01", "2033-03-31")
    page = client.get(f"/calls/{call.pk}/").content.decode()
    assert "9am on 1 June 2030" in page and "5pm on 15 July 2030" in page
    assert "Add at least one lot" in page
    area = funded.areas[0]
    client.post(f"/calls/{call.pk}/lots/new/", {"name": "Amber Valley", "area": area.pk, "amount": "30000"})
    client.post(f"/calls/{call.pk}/sections/new/", {"title": "Your plan", "intro": ""})
    section = call.sections.get()
    response = client.post(
        f"/call-sections/{section.pk}/questions/new/",
        {"text": "Budget", "kind": "budget", "required": "on", "budget_lines": "Staff\nRent"},
    )
    assert response.status_code == 302
    assert client.get(f"/calls/{call.pk}/preview/").status_code == 200
    client.post(f"/calls/{call.pk}/publish/", {"action": "publish"})
    call.refresh_from_db()
    assert call.published_at is not None
    assert "Rural support" in Client().get("/open-calls/").content.decode()  # under "Opening soon"
    assert "Rural support" in Client().get("/open-calls/rural-2024/").content.decode()


def test_a_frozen_call_refuses_edits_with_a_message(built, officer):
    client = signed_in(officer)
    response = client.get(f"/calls/{built.call.pk}/lots/new/", follow=True)
    assert "can no longer be changed" in response.content.decode()


def test_the_public_page_shows_lots_money_uk_times_and_calls_to_action(built):
    page = Client().get(f"/open-calls/{built.call.reference}/").content.decode()
    assert "£40,000.00" in page and "£80,000.00" in page
    assert "Register to apply" in page and "Sign in to apply" in page
    built.call.published_at = None
    built.call.save()
    assert Client().get(f"/open-calls/{built.call.reference}/").status_code == 404


def test_a_draft_survives_a_validation_error_on_the_page(built, applicant):
    application = start(built, applicant)
    q = built.questions
    client = signed_in(applicant)
    url = f"/applications/{application.pk}/sections/{built.sections[1].pk}/"
    response = client.post(
        url,
        {
            f"q{q[K.LONG_TEXT].pk}": "Our plan is good.",
            f"q{q[K.MONEY].pk}": "ten thousand",
            f"q{q[K.BUDGET].pk}_0": "£1,000.10",
            f"q{q[K.BUDGET].pk}_1": "2,000.20",
            f"q{q[K.BUDGET].pk}_2": "0",
        },
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in page and "Your answers are saved as a draft" in page
    assert "Enter an amount in pounds" in page
    assert 'value="ten thousand"' in page  # what was typed is still in the box
    assert "£3,000.30" in page  # the budget's exact total
    assert Answer.objects.get(application=application, question=q[K.LONG_TEXT]).value == "Our plan is good."
    # Coming back later, the draft is there.
    assert "Our plan is good." in client.get(url).content.decode()
    tasks = client.get(f"/applications/{application.pk}/").content.decode()
    assert re.search(r"2\. Your plan and budget.*?There is a problem", tasks, re.S)


def test_the_check_page_lists_what_is_missing_with_links_and_refuses_submission(built, applicant):
    application = start(built, applicant)
    client = signed_in(applicant)
    page = client.get(f"/applications/{application.pk}/check/").content.decode()
    assert f'href="/applications/{application.pk}/eligibility/#id_e{built.eligibility[0].pk}_0"' in page
    response = client.post(f"/applications/{application.pk}/check/")
    assert "Your application has not been submitted" in response.content.decode()


def test_submitting_through_the_pages_then_it_is_read_only(built, applicant, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    application = start(built, applicant)
    complete(built, application, applicant)
    client = signed_in(applicant)
    response = client.post(f"/applications/{application.pk}/check/", follow=True)
    page = response.content.decode()
    assert "Application submitted" in page and application.reference in page
    after = client.get(f"/applications/{application.pk}/sections/{built.sections[0].pk}/", follow=True).content.decode()
    assert "can no longer be changed" in after


def test_applicants_never_see_another_organisations_application_or_files(built, applicant, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    application = start(built, applicant)
    file_question = built.questions[K.FILE]
    apply.section_save(
        application=application,
        section=file_question.section,
        values={},
        files={file_question.pk: SimpleUploadedFile("policy.pdf", b"%PDF-1.7 secret")},
        actor=applicant,
    )
    answer = Answer.objects.get(application=application, question=file_question)
    own = signed_in(applicant).get(f"/application-answers/{answer.pk}/file/")
    assert own.status_code == 200 and b"".join(own.streaming_content) == b"%PDF-1.7 secret"
    other = signed_in(applicant_user("Rival Group (test)"))
    provider = signed_in(UserFactory(roles=[Role.PROVIDER]))
    for client in (other, provider):
        for url in [
            f"/applications/{application.pk}/",
            f"/applications/{application.pk}/check/",
            f"/applications/{application.pk}/sections/{built.sections[0].pk}/",
            f"/application-answers/{answer.pk}/file/",
        ]:
            assert client.get(url).status_code == 404, url
        assert application.reference not in client.get("/applications/").content.decode()
        assert client.get(f"/calls/{built.call.pk}/").status_code == 403


def test_the_officers_list_shows_ineligible_reasons_and_exact_totals_per_lot(built, applicant, officer):
    first = start(built, applicant, "12345.67")
    complete(built, first, applicant, charity="No")
    apply.application_submit(application=first, actor=applicant)
    second_user = applicant_user("Second Group (test)")
    second = start(built, second_user, "0.33")
    complete(built, second, second_user)
    apply.application_submit(application=second, actor=second_user)
    page = signed_in(officer).get(f"/calls/{built.call.pk}/applications/").content.decode()
    assert "Only charities and CICs may apply." in page
    assert "£12,346.00" in page  # 12,345.67 + 0.33, to the penny
    detail = signed_in(officer).get(f"/applications/{first.pk}/").content.decode()
    assert "Override: treat as eligible" in detail
    signed_in(officer).post(f"/applications/{first.pk}/eligibility-override/", {"reason": "Charity status confirmed"})
    assert "Charity status confirmed" in signed_in(officer).get(f"/applications/{first.pk}/").content.decode()
    assert first.amount_requested + second.amount_requested == Decimal("12346.00")
