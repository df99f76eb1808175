"""Saving an organisation: the page and the API call the same service (core.services.organisation_save)."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from tests.factories import OrganisationFactory
from tests.versions import post_opened
from vcsgrants.core import services
from vcsgrants.core.models import AuditEvent, Organisation


def test_a_new_organisation_gets_a_unique_slug_and_an_audit_event(officer):
    OrganisationFactory(name="Dales-Volunteers", slug="dales-volunteers")  # another name, the same slug
    saved = services.organisation_save(organisation=Organisation(name="Dales Volunteers", kind="provider"), actor=officer)
    assert saved.slug == "dales-volunteers-2"
    event = AuditEvent.objects.filter(verb="organisation.saved").latest("id")
    assert (event.actor, event.summary) == (officer, "Added organisation Dales Volunteers")
    saved.charity_number = "1100001"
    services.organisation_save(organisation=saved, actor=officer)
    assert Organisation.objects.get(pk=saved.pk).slug == "dales-volunteers-2"  # an edit keeps the slug
    assert AuditEvent.objects.filter(verb="organisation.saved").latest("id").summary == "Edited organisation Dales Volunteers"


def test_the_organisation_page_saves_through_the_service(officer):
    client = Client()
    client.force_login(officer)
    response = client.post(reverse("core:organisation-create"), {"name": "Peak Care", "kind": "provider"})
    organisation = Organisation.objects.get(name="Peak Care")
    assert response.status_code == 302 and organisation.slug == "peak-care"
    post_opened(client, reverse("core:organisation-edit", args=[organisation.pk]), {"name": "Peak Care CIC", "kind": "provider"})
    summaries = list(AuditEvent.objects.filter(verb="organisation.saved").order_by("id").values_list("summary", flat=True))
    assert summaries == ["Added organisation Peak Care", "Edited organisation Peak Care CIC"]
    assert Organisation.objects.get(pk=organisation.pk).slug == "peak-care"
