"""The outcomes framework and KPI co-design pages, as providers, officers, partners and cabinet members drive them."""

from __future__ import annotations

import copy
import datetime as dt
from decimal import Decimal

import pytest
from django.conf import settings as django_settings
from django.test import override_settings
from django.urls import reverse

from tests.factories import FundingStreamFactory, OrganisationFactory, ProgrammeFactory, UserFactory
from tests.versions import post_opened
from vcsgrants.core.models import Role
from vcsgrants.funding.models import Agreement
from vcsgrants.funding.services import agreements as funding_services
from vcsgrants.monitoring import services
from vcsgrants.monitoring.models import Kpi, KpiComment, KpiVersion, Outcome, ReturnValue

pytestmark = pytest.mark.django_db

DEFINITION = {
    "name": "Groups given one-to-one support",
    "definition": "Distinct groups given at least one hour of one-to-one support in the quarter.",
    "unit": KpiVersion.Unit.COUNT,
    "aggregation": "sum",
    "direction": "higher_is_better",
    "rba_type": KpiVersion.RbaType.HOW_MUCH,
}


@pytest.fixture
def programme(funded):
    return funded.programme


@pytest.fixture
def provider_org(funded):
    """A provider with an agreement in the programme: co-design is open to the programme's own providers."""
    org = OrganisationFactory(name="Kestrel Test Voluntary Action")
    funding_services.agreement_create(
        programme=funded.programme,
        organisation=org,
        areas=[funded.areas[0]],
        title="Test SLA",
        start_date=dt.date(2022, 4, 1),
        end_date=dt.date(2023, 3, 31),
        actor=funded.actor,
    )
    return org


@pytest.fixture
def provider(provider_org):
    return UserFactory(roles=[Role.PROVIDER], organisation=provider_org, first_name="Pat", last_name="Provider")


@pytest.fixture
def partner(programme):
    """A partner body that co-funds the programme through a stream of its own."""
    body = OrganisationFactory(name="Test ICB", kind="partner")
    FundingStreamFactory(programme=programme, funder=body, name="ICB contribution")
    return UserFactory(roles=[Role.PARTNER], organisation=body)


@pytest.fixture
def cabinet(db):
    return UserFactory(roles=[Role.CABINET])


@pytest.fixture
def outcome(programme, officer):
    return services.outcome_save(outcome=Outcome(programme=programme, title="Stronger groups"), actor=officer)


@pytest.fixture
def proposed(outcome, provider):
    return services.kpi_propose(outcome=outcome, code="sg1", actor=provider, **DEFINITION)


@pytest.fixture
def agreed(proposed, officer):
    return services.kpi_decide(kpi=proposed, agree=True, actor=officer)


def as_user(client, user):
    client.force_login(user)
    return client


def decide_url(kpi):
    return reverse("monitoring:kpi-decide", args=[kpi.pk])


# --- Proposing and discussing -----------------------------------------------------------


def test_officer_adds_an_outcome_and_it_heads_the_framework(client, officer, programme):
    response = as_user(client, officer).post(
        reverse("monitoring:outcome-create", args=[programme.slug]), {"title": "More and better volunteering", "description": ""}
    )
    assert response.status_code == 302
    assert response.url == reverse("monitoring:framework", args=[programme.slug])
    outcome = Outcome.objects.get(programme=programme)
    assert outcome.title == "More and better volunteering"
    assert outcome.order == 1
    assert "More and better volunteering" in client.get(response.url).content.decode()


def test_provider_proposes_a_kpi_through_the_page(client, provider, provider_org, programme, outcome):
    response = as_user(client, provider).post(
        reverse("monitoring:kpi-propose", args=[programme.slug]), {"outcome": outcome.pk, "code": "sg1", **DEFINITION}
    )
    kpi = Kpi.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("monitoring:kpi-detail", args=[kpi.pk])
    assert kpi.code == "SG1"
    assert kpi.status == Kpi.Status.PROPOSED
    assert kpi.proposed_by == provider
    assert kpi.proposed_by_organisation == provider_org
    assert list(kpi.versions.values_list("number", "name")) == [(1, DEFINITION["name"])]
    framework = client.get(reverse("monitoring:framework", args=[programme.slug])).content.decode()
    assert "SG1" in framework and DEFINITION["name"] in framework and "Proposed" in framework


def test_a_code_already_used_in_the_framework_is_refused_on_the_form(client, provider, programme, outcome, proposed):
    response = as_user(client, provider).post(
        reverse("monitoring:kpi-propose", args=[programme.slug]), {"outcome": outcome.pk, "code": "SG1", **DEFINITION}
    )
    assert response.status_code == 200
    assert "SG1 is already used in this framework" in response.content.decode()
    assert Kpi.objects.count() == 1


def test_outcome_choice_is_limited_to_the_programme(client, provider, officer, programme, outcome):
    other = services.outcome_save(outcome=Outcome(programme=ProgrammeFactory(), title="Elsewhere"), actor=officer)
    response = as_user(client, provider).post(
        reverse("monitoring:kpi-propose", args=[programme.slug]), {"outcome": other.pk, "code": "X1", **DEFINITION}
    )
    assert response.status_code == 200
    assert "Select the outcome it measures again: that choice is not one of the options" in response.content.decode()
    assert not Kpi.objects.exists()


def test_provider_and_officer_discuss_a_proposed_kpi_oldest_first(client, provider, officer, proposed):
    url = reverse("monitoring:kpi-detail", args=[proposed.pk])
    response = as_user(client, provider).post(
        reverse("monitoring:kpi-comment", args=[proposed.pk]), {"text": "Should it count repeat visits?"}
    )
    assert response.status_code == 302
    # The detail page takes a comment too.
    response = as_user(client, officer).post(url, {"text": "No: distinct groups only."})
    assert response.status_code == 302
    assert list(KpiComment.objects.values_list("author", "text")) == [
        (provider.pk, "Should it count repeat visits?"),
        (officer.pk, "No: distinct groups only."),
    ]
    page = client.get(url).content.decode()
    assert page.index("Should it count repeat visits?") < page.index("No: distinct groups only.")
    assert "Pat Provider, Kestrel Test Voluntary Action" in page


def test_an_empty_comment_is_refused_with_a_message(client, provider, proposed):
    response = as_user(client, provider).post(reverse("monitoring:kpi-comment", args=[proposed.pk]), {"text": "  "})
    assert response.status_code == 200
    assert "Enter a comment" in response.content.decode()
    assert not KpiComment.objects.exists()


# --- Deciding -----------------------------------------------------------------------------


def test_officer_agrees_with_an_amendment_and_the_page_shows_both_versions_and_the_discussion(
    client, provider, officer, proposed
):
    services.kpi_comment(kpi=proposed, text="Should it count repeat visits?", actor=provider)
    client = as_user(client, officer)
    form_page = client.get(decide_url(proposed)).content.decode()
    assert f'value="{DEFINITION["name"]}"' in form_page  # prefilled with the current version
    response = client.post(
        decide_url(proposed),
        {
            "decision": "agree",
            "reason": "Named to match the county's wording.",
            **DEFINITION,
            "name": "Groups given one-to-one support (distinct groups)",
        },
    )
    assert response.status_code == 302
    proposed.refresh_from_db()
    assert proposed.status == Kpi.Status.AGREED
    versions = list(proposed.versions.order_by("number"))
    assert [(v.number, v.name) for v in versions] == [
        (1, DEFINITION["name"]),
        (2, "Groups given one-to-one support (distinct groups)"),
    ]
    assert versions[1].change_note == "Named to match the county's wording."
    assert versions[1].created_by == officer
    page = client.get(reverse("monitoring:kpi-detail", args=[proposed.pk])).content.decode()
    table = page[page.index('id="versions-table"') : page.index("</table>", page.index('id="versions-table"'))]
    assert DEFINITION["name"] in table and "Groups given one-to-one support (distinct groups)" in table
    assert "Named to match the county&#x27;s wording." in table
    assert "Should it count repeat visits?" in page
    assert page.index("Should it count repeat visits?") < page.index(
        "Named to match the county&#x27;s wording.", page.index("Discussion")
    )
    assert "Agreed" in page


def test_agreeing_without_amendment_keeps_one_version(client, officer, proposed):
    response = as_user(client, officer).post(decide_url(proposed), {"decision": "agree", "reason": "", **DEFINITION})
    assert response.status_code == 302
    proposed.refresh_from_db()
    assert proposed.status == Kpi.Status.AGREED
    assert proposed.versions.count() == 1


def test_reject_needs_a_reason_and_nothing_changes_without_one(client, officer, proposed):
    client = as_user(client, officer)
    response = client.post(decide_url(proposed), {"decision": "reject", "reason": "", **DEFINITION})
    assert response.status_code == 200
    assert "Say why the KPI is rejected." in response.content.decode()
    assert "govuk-error-summary" in response.content.decode()
    proposed.refresh_from_db()
    assert proposed.status == Kpi.Status.PROPOSED
    assert proposed.versions.count() == 1
    assert not KpiComment.objects.exists()

    response = client.post(decide_url(proposed), {"decision": "reject", "reason": "Duplicates SG2."})
    assert response.status_code == 302
    proposed.refresh_from_db()
    assert proposed.status == Kpi.Status.REJECTED
    assert list(KpiComment.objects.values_list("text", flat=True)) == ["Duplicates SG2."]
    assert "Rejected" in client.get(reverse("monitoring:framework", args=[proposed.outcome.programme.slug])).content.decode()


def test_a_kpi_already_agreed_cannot_be_decided_again(client, officer, agreed):
    response = as_user(client, officer).post(decide_url(agreed), {"decision": "reject", "reason": "Changed my mind."})
    assert response.status_code == 200
    assert "SG1 is agreed, not proposed." in response.content.decode()
    agreed.refresh_from_db()
    assert agreed.status == Kpi.Status.AGREED


# --- Refining and retiring -------------------------------------------------------------


def test_refining_an_agreed_kpi_with_a_change_note_makes_a_new_version(client, officer, agreed):
    client = as_user(client, officer)
    url = reverse("monitoring:kpi-refine", args=[agreed.pk])
    new_definition = {**DEFINITION, "definition": "Distinct groups given at least two hours of support."}

    response = post_opened(client, url, {**new_definition, "change_note": ""})
    assert response.status_code == 200
    assert "Enter what changed and why" in response.content.decode()

    response = post_opened(client, url, {**DEFINITION, "change_note": "No change really"})
    assert response.status_code == 200
    assert "Nothing changed" in response.content.decode()
    assert agreed.versions.count() == 1

    response = post_opened(client, url, {**new_definition, "change_note": "Two hours, as agreed at the provider forum."})
    assert response.status_code == 302
    current = Kpi.objects.get(pk=agreed.pk).current_version
    assert current.number == 2
    assert current.definition == new_definition["definition"]
    assert current.change_note == "Two hours, as agreed at the provider forum."
    page = client.get(reverse("monitoring:kpi-detail", args=[agreed.pk])).content.decode()
    assert "Two hours, as agreed at the provider forum." in page


def test_a_return_value_keeps_the_version_it_was_made_against_after_refinement(
    client, officer, provider_org, funded, agreed, fy2022
):
    agreement = funding_services.agreement_create(
        programme=funded.programme,
        organisation=provider_org,
        areas=funded.areas[1:2],
        title="Infrastructure support",
        start_date=dt.date(2022, 4, 1),
        end_date=dt.date(2023, 3, 31),
        actor=officer,
        lines=[
            funding_services.LineInput(stream=funded.stream, financial_year=fy2022, area=funded.areas[1], amount=Decimal("1000"))
        ],
    )
    funding_services.agreement_set_status(agreement=agreement, status=Agreement.Status.ACTIVE, actor=officer)
    services.target_set(agreement=agreement, kpi=agreed, year=fy2022, annual_target=Decimal("40"), actor=officer)
    q1 = services.return_for(agreement=agreement, year=fy2022, quarter=1)
    services.return_save(return_record=q1, values={agreed: Decimal("12")}, actor=officer)
    version_1 = agreed.versions.get(number=1)

    response = post_opened(
        as_user(client, officer),
        reverse("monitoring:kpi-refine", args=[agreed.pk]),
        {**DEFINITION, "definition": "Distinct groups, two hours or more.", "change_note": "Tightened."},
    )
    assert response.status_code == 302

    value = ReturnValue.objects.get(return_record=q1)
    assert value.kpi_version == version_1
    assert value.kpi_version.definition == DEFINITION["definition"]
    assert list(KpiVersion.objects.filter(kpi=agreed).values_list("number", flat=True)) == [1, 2]
    # A return made now uses the new version.
    q2 = services.return_for(agreement=agreement, year=fy2022, quarter=2)
    services.return_save(return_record=q2, values={Kpi.objects.get(pk=agreed.pk): Decimal("9")}, actor=officer)
    assert ReturnValue.objects.get(return_record=q2).kpi_version.number == 2


def test_retiring_keeps_the_kpi_in_the_framework_marked_retired(client, officer, provider, agreed):
    client = as_user(client, officer)
    url = reverse("monitoring:kpi-retire", args=[agreed.pk])
    response = client.post(url, {"reason": ""})
    assert response.status_code == 200
    agreed.refresh_from_db()
    assert agreed.status == Kpi.Status.AGREED

    response = client.post(url, {"reason": "Replaced by SG3."})
    assert response.status_code == 302
    agreed.refresh_from_db()
    assert agreed.status == Kpi.Status.RETIRED
    page = as_user(client, provider).get(reverse("monitoring:framework", args=[agreed.outcome.programme.slug])).content.decode()
    row = page[page.index(f'id="kpi-{agreed.pk}"') :]
    row = row[: row.index("</tr>")]
    assert "SG1" in row and "govuk-tag--grey" in row and "Retired" in row
    assert "Retired: Replaced by SG3." in client.get(reverse("monitoring:kpi-detail", args=[agreed.pk])).content.decode()


# --- Who may do what ---------------------------------------------------------------------


def test_a_provider_outside_the_programme_cannot_see_its_framework(client, outcome):
    outsider = UserFactory(roles=[Role.PROVIDER], organisation=OrganisationFactory())
    assert as_user(client, outsider).get(reverse("monitoring:framework", args=[outcome.programme.slug])).status_code == 403


def test_provider_sees_every_kpi_in_the_framework(client, officer, funded, outcome, proposed, agreed):
    other_org = OrganisationFactory()
    funding_services.agreement_create(
        programme=funded.programme,
        organisation=other_org,
        areas=[funded.areas[1]],
        title="Other SLA",
        start_date=dt.date(2022, 4, 1),
        end_date=dt.date(2023, 3, 31),
        actor=officer,
    )
    other_org_user = UserFactory(roles=[Role.PROVIDER], organisation=other_org)
    services.kpi_propose(outcome=outcome, code="SG2", actor=officer, **{**DEFINITION, "name": "New groups formed"})
    page = as_user(client, other_org_user).get(reverse("monitoring:framework", args=[outcome.programme.slug])).content.decode()
    assert "SG1" in page and "SG2" in page and "New groups formed" in page
    assert "Propose a KPI" in page
    assert "Add an outcome" not in page
    detail = client.get(reverse("monitoring:kpi-detail", args=[agreed.pk])).content.decode()
    assert "Add comment" in detail
    assert reverse("monitoring:kpi-refine", args=[agreed.pk]) not in detail


def test_partner_may_view_but_not_propose_or_comment(client, partner, programme, outcome, proposed):
    client = as_user(client, partner)
    assert client.get(reverse("monitoring:framework", args=[programme.slug])).status_code == 200
    detail = client.get(reverse("monitoring:kpi-detail", args=[proposed.pk]))
    assert detail.status_code == 200
    assert "Add comment" not in detail.content.decode()
    url = reverse("monitoring:kpi-propose", args=[programme.slug])
    assert client.get(url).status_code == 403
    assert client.post(url, {"outcome": outcome.pk, "code": "P1", **DEFINITION}).status_code == 403
    assert client.post(reverse("monitoring:kpi-comment", args=[proposed.pk]), {"text": "Hello"}).status_code == 403
    assert Kpi.objects.count() == 1
    assert not KpiComment.objects.exists()


def test_cabinet_may_view_but_not_decide(client, cabinet, programme, proposed):
    client = as_user(client, cabinet)
    assert client.get(reverse("monitoring:framework", args=[programme.slug])).status_code == 200
    detail = client.get(reverse("monitoring:kpi-detail", args=[proposed.pk])).content.decode()
    assert decide_url(proposed) not in detail
    assert client.get(decide_url(proposed)).status_code == 403
    assert client.post(decide_url(proposed), {"decision": "agree", **DEFINITION}).status_code == 403
    assert client.post(reverse("monitoring:kpi-refine", args=[proposed.pk]), {}).status_code == 403
    assert client.post(reverse("monitoring:kpi-retire", args=[proposed.pk]), {"reason": "x"}).status_code == 403
    assert client.post(reverse("monitoring:outcome-create", args=[programme.slug]), {"title": "x"}).status_code == 403
    proposed.refresh_from_db()
    assert proposed.status == Kpi.Status.PROPOSED


def test_provider_may_not_manage_the_framework(client, provider, programme, proposed):
    client = as_user(client, provider)
    assert client.get(reverse("monitoring:outcome-create", args=[programme.slug])).status_code == 403
    assert client.get(decide_url(proposed)).status_code == 403


def test_anonymous_users_are_sent_to_sign_in(client, programme, proposed):
    urls = [
        reverse("monitoring:framework", args=[programme.slug]),
        reverse("monitoring:outcome-create", args=[programme.slug]),
        reverse("monitoring:kpi-propose", args=[programme.slug]),
        reverse("monitoring:kpi-detail", args=[proposed.pk]),
        reverse("monitoring:kpi-decide", args=[proposed.pk]),
        reverse("monitoring:kpi-refine", args=[proposed.pk]),
        reverse("monitoring:kpi-retire", args=[proposed.pk]),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.url.startswith(reverse("login")), url
    response = client.post(reverse("monitoring:kpi-comment", args=[proposed.pk]), {"text": "hi"})
    assert response.status_code == 302
    assert not KpiComment.objects.exists()


# --- Every page renders ------------------------------------------------------------------

INVALID = "@@MISSING:%s@@"


def strict_templates():
    templates = copy.deepcopy(django_settings.TEMPLATES)
    templates[0]["OPTIONS"]["string_if_invalid"] = INVALID
    return override_settings(TEMPLATES=templates)


def test_every_page_renders_for_an_officer_without_template_errors(client, officer, programme, outcome, proposed, agreed):
    services.kpi_comment(kpi=agreed, text="Looks right.", actor=officer)
    client = as_user(client, officer)
    urls = [
        reverse("monitoring:framework", args=[programme.slug]),
        reverse("monitoring:outcome-create", args=[programme.slug]),
        reverse("monitoring:kpi-propose", args=[programme.slug]) + f"?outcome={outcome.pk}",
        reverse("monitoring:kpi-detail", args=[agreed.pk]),
        reverse("monitoring:kpi-decide", args=[agreed.pk]),
        reverse("monitoring:kpi-refine", args=[agreed.pk]),
        reverse("monitoring:kpi-retire", args=[agreed.pk]),
    ]
    with strict_templates():
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, url
            assert "@@MISSING" not in response.content.decode(), url


def test_an_empty_framework_says_so(client, officer, programme):
    page = as_user(client, officer).get(reverse("monitoring:framework", args=[programme.slug])).content.decode()
    assert 'id="no-outcomes"' in page
    assert reverse("monitoring:outcome-create", args=[programme.slug]) in page
