"""Invented full names for the demo users, so that pages name people as they would in use ("Welcome, Olivia
Ashworth", "by Femi Adeyemi"), not by username. Every name is made up for the demo and belongs to no real person.

`demo_name(username)` gives the fields to create a demo user with; `name_demo_user(user)` names a demo user that
was created without a name (a database loaded before the demo had names) and leaves one that has a name alone, so
loading the demo again changes nothing.
"""

from __future__ import annotations

from vcsgrants.core.models import User

DEMO_NAMES: dict[str, tuple[str, str]] = {
    "admin": ("Priya", "Shah"),
    "officer": ("Olivia", "Ashworth"),
    "finance": ("Femi", "Adeyemi"),
    "cabinet": ("Carol", "Bennett"),
    "partner": ("Hannah", "Pryce"),
    "partner-icb": ("Daniel", "Osei"),
    "partner-nhs-demo": ("Rachel", "Lomas"),
    "applicant": ("Sam", "Okafor"),  # the Dove Valley Community Hub (demo) contact
    "assessor": ("Gareth", "Rowlands"),
    "assessor-2": ("Aisha", "Karim"),
    "assessor-3": ("Tom", "Whitfield"),
    "provider-kestrel-voluntary-action-demo": ("Megan", "Hollis"),
    "provider-millstone-community-hub-demo": ("Imran", "Bashir"),
    "provider-lapwing-community-network-demo": ("Claire", "Dunmore"),
    "provider-curlew-rural-action-demo": ("Owen", "Pritchard"),
    "provider-wagtail-volunteer-centre-demo": ("Grace", "Adebayo"),
    "provider-skylark-community-link-demo": ("Liam", "Fenwick"),
    "provider-bilberry-volunteer-network-demo": ("Ruth", "Kowalski"),
    "provider-pennywort-voluntary-services-demo": ("Nadia", "Hussain"),
    "provider-hawthorn-community-partnership-demo": ("Peter", "Garside"),
    "provider-lantern-infrastructure-alliance-demo": ("Chloe", "Ramsden"),
}


def demo_name(username: str) -> dict[str, str]:
    """`first_name` and `last_name` for a demo user (none for a username the demo does not name)."""
    if username not in DEMO_NAMES:
        return {}
    first_name, last_name = DEMO_NAMES[username]
    return {"first_name": first_name, "last_name": last_name}


def name_demo_user(user: User) -> None:
    """Give a demo user with no name its demo name; a user with a name keeps it (and nothing is saved)."""
    name = demo_name(user.username)
    if name and not (user.first_name or user.last_name):
        user.first_name, user.last_name = name["first_name"], name["last_name"]
        user.save(update_fields=["first_name", "last_name"])
