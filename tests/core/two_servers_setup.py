"""The database behind the two app servers of tests/core/test_two_servers.py: run once, in a process of its own, with
the production settings and the servers' DATABASE_URL (`python -m tests.core.two_servers_setup`). It makes the
tables, the cache table and the records the checks use, and prints what the checks need to know as one JSON line.

The tables are made from the models, as pytest-django's `--nomigrations` makes them (about 9 s on the shared 2-core
machine, where running every migration on PostgreSQL takes about 36 s); the rows migration 0003 adds (one group per
role and the council settings' row) are added by that migration's own function. The migrations themselves run in
tests/core/test_production.py and in every other test's database.
"""

from __future__ import annotations

import datetime as dt
import importlib
import json
from base64 import b32encode

import django
from django.conf import settings


class NoMigrations(dict):
    """MIGRATION_MODULES saying "no migrations" for every app (what pytest-django's --nomigrations does)."""

    def __contains__(self, item):
        return True

    def __getitem__(self, item):
        return None


def main() -> None:
    settings.MIGRATION_MODULES = NoMigrations()
    django.setup()

    from django.apps import apps
    from django.core.management import call_command
    from django.utils import timezone
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from tests.factories import AreaFactory, OrganisationFactory, UserFactory, funded_programme, line
    from vcsgrants.core.models import Role
    from vcsgrants.engagement.services import consultations as consultation_services
    from vcsgrants.funding.services import agreements as agreement_services
    from vcsgrants.reports import services as report_services
    from vcsgrants.reports.models import CabinetReport

    call_command("migrate", run_syncdb=True, interactive=False, verbosity=0)
    importlib.import_module("vcsgrants.core.migrations.0003_roles_and_council_row").create_roles(apps, None)

    # Staff sign in with a password and a code from their authenticator app (the production default): each check that
    # signs in has an officer of its own, as a code is accepted once.
    secrets = {}
    officers = {}
    for name in ("officer-session", "officer-upload", "officer-report"):
        officers[name] = UserFactory(username=name, roles=[Role.OFFICER])
        device = TOTPDevice.objects.create(user=officers[name], name="Authenticator app", confirmed=True)
        secrets[name] = b32encode(device.bin_key).decode()
    UserFactory(username="finance-locked", roles=[Role.FINANCE])  # the account someone guesses passwords for

    actor = officers["officer-upload"]
    area = AreaFactory(name="Two Servers Test")
    funded = funded_programme(actor=actor, areas=[area])
    agreement = agreement_services.agreement_create(
        programme=funded.programme,
        organisation=OrganisationFactory(name="Two Servers Test Trust"),
        areas=[area],
        title="Service level agreement",
        start_date=dt.date(2022, 4, 1),
        end_date=dt.date(2023, 3, 31),
        actor=actor,
        lines=[line(funded.stream, funded.years[0], area, "1000")],
    )
    now = timezone.now()
    consultation = consultation_services.consultation_create(
        programme=funded.programme,
        title="Two servers: an open consultation",
        description="Open to the public, to count responses by address.",
        opens_at=now - dt.timedelta(hours=1),
        closes_at=now + dt.timedelta(days=7),
        privacy_notice="We keep nothing that names you.",
        actor=actor,
        now=now - dt.timedelta(days=1),
    )
    # A draft report, whose PDF the background-task check has made by the worker.
    report = report_services.report_save(
        report=CabinetReport(
            programme=funded.programme,
            title="Two servers: a draft report",
            meeting_date=dt.date(2022, 2, 10),
            report_of="Director of Corporate Services",
            purpose="To approve the grants.",
            progress="The grants were reviewed.",
            recommendations="Approves the grants in Appendix 2.",
            financial_year=funded.years[0],
        ),
        actor=officers["officer-report"],
    )
    facts = {"agreement": agreement.pk, "consultation_token": consultation.public_token, "report": report.pk}
    print(json.dumps({**facts, "totp": secrets}))


if __name__ == "__main__":
    main()
