"""A first visitor's guidance: the set-up checklist an administrator or officer sees until the first programme exists."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse

from vcsgrants.core.council import current as current_council
from vcsgrants.core.models import Area, Role, User
from vcsgrants.funding.models import Agreement, Programme


@dataclass(frozen=True)
class SetupStep:
    title: str
    done: bool
    hint: str
    url: str = ""  # empty when this person cannot do the step themselves


def is_administrator(user) -> bool:
    return user.is_superuser or user.has_role(Role.ADMIN)


def setup_checklist(user) -> list[SetupStep]:
    """The steps from an empty install to a working one, with what is done; empty once a programme exists or for
    anyone who is neither an administrator nor an officer."""
    admin = is_administrator(user)
    if not (admin or user.has_role(Role.OFFICER)) or Programme.objects.exists():
        return []
    council = current_council()
    ask_admin = " Ask an administrator to do it."
    return [
        SetupStep(
            "Council settings",
            bool(council.council_name and council.council_org_id),
            "Your council's name, Org-ID, logo, contact address and the word for an area.",
            reverse("core:council-settings") if admin else "",
        ),
        SetupStep(
            "Areas",
            Area.objects.exists(),
            f"The {council.area_word_plural} you allocate to, and money for the whole area ({council.whole_area_name}).",
            reverse("core:area-list"),
        ),
        SetupStep(
            "People",
            User.objects.filter(is_active=True).exclude(pk=user.pk).exists(),
            "Invite officers, finance officers, cabinet members, partners and providers, each with their role."
            + ("" if admin else ask_admin),
            reverse("core:people-list") if admin else "",
        ),
        SetupStep(
            "The first programme",
            False,
            "Create a programme, its funder and its monitoring settings.",
            reverse("funding:programme-create"),
        ),
        SetupStep(
            "Bring in existing data",
            Agreement.objects.exists(),
            "Organisations, agreements, allocations, targets, payments and past returns from one workbook.",
            reverse("workbook:workbook-import"),
        ),
    ]
