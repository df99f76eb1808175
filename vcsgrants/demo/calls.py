"""The demo's open call: the applicant and assessor users, then the call itself (see calls_apply, calls_assess)."""

from __future__ import annotations

from django.contrib.auth.models import Group
from django.db import transaction
from django.utils.text import slugify

from vcsgrants.calls.models import ApplicantProfile
from vcsgrants.core.models import Organisation, Role, User
from vcsgrants.demo.names import demo_name, name_demo_user

APPLICANT_USERNAME = "applicant"
ASSESSOR_USERNAME = "assessor"
APPLICANT_ORGANISATION = "Dove Valley Community Hub (demo)"


def _user(username: str, role: Role, organisation: Organisation | None, password: str) -> User:
    user, created = User.objects.get_or_create(username=username, defaults={"organisation": organisation, **demo_name(username)})
    name_demo_user(user)
    if created or not user.check_password(password):
        user.set_password(password)
        user.save(update_fields=["password"])
    user.groups.add(Group.objects.get_or_create(name=role.value)[0])
    return user


@transaction.atomic
def load_calls_users(*, council: Organisation, password: str) -> dict[str, User]:
    """A registered applicant organisation with its user, and a panel member (an assessor from the council)."""
    hub, _ = Organisation.objects.get_or_create(
        slug=slugify(APPLICANT_ORGANISATION),
        defaults={"name": APPLICANT_ORGANISATION, "kind": Organisation.Kind.APPLICANT, "is_demo": True},
    )
    ApplicantProfile.objects.get_or_create(
        organisation=hub,
        defaults={
            "contact_name": "Sam Okafor (demo)",
            "contact_email": "applications@dove-valley-hub.example",
            "contact_phone": "01234 567890",
            "postcode": "DE6 1AA",
        },
    )
    return {
        APPLICANT_USERNAME: _user(APPLICANT_USERNAME, Role.APPLICANT, hub, password),
        ASSESSOR_USERNAME: _user(ASSESSOR_USERNAME, Role.ASSESSOR, council, password),
    }
