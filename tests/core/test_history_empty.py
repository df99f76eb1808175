import pytest

from tests.factories import OrganisationFactory
from vcsgrants.core.history import history_rows

pytestmark = pytest.mark.django_db


def test_a_record_without_history_has_no_rows():
    organisation = OrganisationFactory()
    organisation.history.all().delete()  # as after a bulk load, which records no history
    assert history_rows(organisation.history.all()) == []
