"""What a person sees when the service fails: the service's own page, not the server's bare 'Server Error (500)'."""

import pytest
from django.test import Client

from tests.factories import UserFactory
from vcsgrants.core.models import Role


@pytest.mark.urls("tests.core.urls_failing")
@pytest.mark.django_db
def test_a_failure_shows_the_services_own_page_with_a_way_home():
    client = Client(raise_request_exception=False)
    client.force_login(UserFactory(roles=[Role.PROVIDER]))
    response = client.get("/failing/")
    assert response.status_code == 500
    page = response.content.decode()
    assert "Sorry, there is a problem with the service" in page
    assert "a fault in the service" not in page  # nothing of the fault itself
    assert 'href="/"' in page and "app-header" in page  # the service's own layout, with a way back
