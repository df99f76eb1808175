"""Load the demo: the county's VCS infrastructure programme as its Cabinet minutes describe it, and the rest of the
demo around it (each area's part in its own module of vcsgrants.demo).

Idempotent: reference data (groups, areas, organisations, users) is got or created, and the programme with its
money is created only if no programme with the demo slug exists yet, so a second run writes nothing.

It refuses, with a CommandError saying why, under the production settings (where the app is not even installed)
and against a database holding organisations, programmes or users the demo did not create (vcsgrants.demo.guard),
because it creates logins with a published password. The one exception, asked for with --leave-used-demo (make run
passes it): a database that already holds the demo, with records someone added while using it, is left as it is,
with nothing written, so that `make run` starts again on it.
"""

from __future__ import annotations

import os
from collections.abc import Iterable

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from vcsgrants.core.database import analyse
from vcsgrants.core.models import User
from vcsgrants.demo import PRODUCTION_REFUSAL, funding, production_settings_active
from vcsgrants.demo.calls import load_calls_users
from vcsgrants.demo.calls_apply import load_demo_call
from vcsgrants.demo.calls_assess import load_demo_assessment, load_demo_assessors
from vcsgrants.demo.consultations import load_consultations_demo
from vcsgrants.demo.equity import load_equity_demo
from vcsgrants.demo.guard import demo_usernames, records_not_from_the_demo, refusal
from vcsgrants.demo.meetings import load_meetings_demo
from vcsgrants.demo.monitoring import load_monitoring_demo
from vcsgrants.demo.multiyear import load_multiyear_demo
from vcsgrants.demo.notifications import load_notifications_demo
from vcsgrants.demo.opendata import publish_demo_grants
from vcsgrants.demo.reports import load_reports_demo
from vcsgrants.funding.models import Programme

DEFAULT_DEMO_PASSWORD = "demo-pass-2022"  # noqa: S105 - the published demo password, printed by the command


class Command(BaseCommand):
    help = (
        "Load the demo programme, its fictional providers and demo logins into an empty database (safe to run again "
        "on the demo's own database; refuses a database holding anything else, and the production settings)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--leave-used-demo",
            action="store_true",
            help=(
                "When the database already holds the demo and also records added since (someone has used the demo), "
                "write nothing and succeed instead of refusing. make run passes it, so that it starts again on the demo "
                "database you used last time. A database holding other records but not the demo is refused all the same."
            ),
        )

    def handle(self, *args, leave_used_demo: bool = False, **options) -> None:
        if production_settings_active():
            raise CommandError(PRODUCTION_REFUSAL.format(module=settings.SETTINGS_MODULE))
        password = os.environ.get("DEMO_PASSWORD", DEFAULT_DEMO_PASSWORD)
        with transaction.atomic():
            if found := records_not_from_the_demo():
                demo_loaded = Programme.objects.filter(slug=funding.PROGRAMME_SLUG).exists()
                if leave_used_demo and demo_loaded:
                    self.stdout.write(
                        "The demo is already loaded, and the database also holds records added since ("
                        + "; ".join(found)
                        + "): left as it is (--leave-used-demo)."
                    )
                    self.print_logins(User.objects.filter(username__in=demo_usernames()).order_by("pk"), password=None)
                    return
                raise CommandError(refusal(found, demo_loaded=demo_loaded))
            funding.load_groups()
            funding.load_council_settings()
            areas = funding.load_areas()
            council, public_health = funding.load_organisations()
            providers = funding.load_providers()
            users = funding.load_users(password=password, council=council, public_health=public_health, providers=providers)
            if Programme.objects.filter(slug=funding.PROGRAMME_SLUG).exists():
                self.stdout.write(f"The demo programme '{funding.PROGRAMME_SLUG}' is already loaded; its money is left as it is.")
            else:
                funding.load_programme(
                    areas=areas, council=council, public_health=public_health, providers=providers, users=users
                )
                self.stdout.write(self.style.SUCCESS("Loaded the demo programme 'VCS infrastructure core provision'."))
            programme = Programme.objects.get(slug=funding.PROGRAMME_SLUG)
            provider_users = [users[f"provider-{org.slug}"] for _, org in providers]
            if load_monitoring_demo(programme, officer=users["officer"], provider_users=provider_users):
                self.stdout.write(self.style.SUCCESS("Loaded the demo outcomes framework, targets and returns (illustrative)."))
            if load_meetings_demo(programme, officer=users["officer"]):
                self.stdout.write(
                    self.style.SUCCESS("Loaded the demo meetings and actions, January 2022 – March 2023 (illustrative).")
                )
            if load_equity_demo(programme, officer=users["officer"]):
                self.stdout.write(self.style.SUCCESS("Loaded the demo allocation options for 2023-24 (illustrative)."))
            if load_reports_demo(programme, officer=users["officer"]):
                self.stdout.write(self.style.SUCCESS("Loaded the demo report to Cabinet of 10 February 2022 and its decision."))
            if load_consultations_demo(programme, officer=users["officer"], provider_users=provider_users):
                self.stdout.write(
                    self.style.SUCCESS(
                        "Loaded the demo consultation on the review of VCS infrastructure provision (illustrative responses)."
                    )
                )
            published = publish_demo_grants(programme, officer=users["officer"])
            if published:
                self.stdout.write(self.style.SUCCESS(f"Published the {published} grants of 2022-23 as 360Giving open data."))
            multiyear = load_multiyear_demo(programme, officer=users["officer"], finance=users["finance"], password=password)
            users.update(multiyear.users)  # partner-nhs-demo, so the login list prints it
            if multiyear.loaded:
                self.stdout.write(
                    self.style.SUCCESS(
                        "Loaded the demo funding partners (a fictional NHS partner across the CCG-to-ICB handover) and a "
                        "multi-year partnership programme with its commitments forecast (illustrative)."
                    )
                )
            users.update(load_calls_users(council=council, password=password))
            # --- open calls demo (demo.calls_apply, demo.calls_assess) ---
            demo_call = load_demo_call(
                programme, officer=users["officer"], applicant_users=[users["applicant"], *provider_users[:3]]
            )
            if demo_call:
                self.stdout.write(self.style.SUCCESS("Loaded the demo open call, closed, with its applications (illustrative)."))
            assessors = [users["assessor"], *load_demo_assessors(organisation=council, password=password)]
            users.update({a.username: a for a in assessors})
            if load_demo_assessment(demo_call, officer=users["officer"], assessors=assessors):
                self.stdout.write(self.style.SUCCESS("Scored and moderated the demo call: awaiting award (illustrative)."))
            if load_notifications_demo(users=list(users.values())):
                self.stdout.write(
                    self.style.SUCCESS(
                        "Queued the demo reminders as on 6 February 2023 (demo users get <username>@example.org addresses)."
                    )
                )
        analyse()  # planner statistics for what was just loaded (core.database)
        self.print_logins(users.values(), password=password)

    def print_logins(self, users: Iterable[User], *, password: str | None) -> None:
        self.stdout.write("")
        self.stdout.write("Demo logins (every one uses the same password):")
        for user in users:
            org = f" ({user.organisation})" if user.organisation_id else ""
            self.stdout.write(f"  {user.username:<48} {user.display_name:<18} {', '.join(user.role_names)}{org}")
        self.stdout.write(f"Password: {password}" if password else "Password: the one they had when the demo was loaded.")
