"""A second stream of the same name in a programme is refused on the page, naming the field, not a server error."""

import pytest
from django.urls import reverse

from tests.factories import UserFactory, funded_programme
from vcsgrants.core.models import Role
from vcsgrants.funding.models import FundingStream

pytestmark = pytest.mark.django_db


def test_a_duplicate_stream_name_is_refused_with_a_message(client, districts):
    officer = UserFactory(roles=[Role.OFFICER])
    funded = funded_programme(actor=officer, areas=districts)
    client.force_login(officer)
    url = reverse("funding:stream-create", args=[funded.programme.slug])
    response = client.post(
        url,
        {
            "name": funded.stream.name,
            "funder": funded.stream.funder_id,
            "recurrence": "recurrent",
            "start": "2022-04-01",
        },
    )
    assert response.status_code == 200
    assert "already has a funding stream called" in response.content.decode()
    assert FundingStream.objects.filter(programme=funded.programme, name=funded.stream.name).count() == 1
