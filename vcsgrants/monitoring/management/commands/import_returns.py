"""Import many returns' KPI values from one CSV: `manage.py import_returns PROGRAMME_SLUG FILE.csv --as USERNAME`."""

from __future__ import annotations

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from vcsgrants.core.models import User
from vcsgrants.funding.models import Programme
from vcsgrants.monitoring.bulk_import import HEADER, import_returns_csv
from vcsgrants.monitoring.spreadsheets import ImportRefused


class Command(BaseCommand):
    help = f"Import returns' KPI values from a CSV with the header {','.join(HEADER)}; all or nothing."

    def add_arguments(self, parser):
        parser.add_argument("programme", help="The programme's slug")
        parser.add_argument("file", help="The CSV file")
        parser.add_argument("--as", dest="username", required=True, help="The officer the import is recorded against")

    def handle(self, *args, programme, file, username, **options):
        try:
            programme_obj = Programme.objects.get(slug=programme)
        except Programme.DoesNotExist:
            raise CommandError(f"No programme with slug '{programme}'.") from None
        try:
            actor = User.objects.get(username=username)
        except User.DoesNotExist:
            raise CommandError(f"No user called '{username}'.") from None
        try:
            source = Path(file).open("rb")  # read a row at a time by the import, not loaded whole
        except OSError as exc:
            raise CommandError(f"Cannot read {file}: {exc.strerror or exc}") from None
        try:
            with source:
                result = import_returns_csv(programme=programme_obj, data=source, actor=actor)
        except ImportRefused as refused:
            problems = refused.problems
            self.stderr.write(f"Refused: {problems.total:,} problem(s); nothing was imported.")
            for line in problems.lines():  # the first 200, then how many more of each kind
                self.stderr.write(f"  {line}")
            sys.exit(1)
        self.stdout.write(
            f"Imported {result.values_written:,} values into {result.returns_created + result.returns_updated:,} returns "
            f"({result.returns_created:,} created, {result.returns_updated:,} existing; "
            f"{result.values_replaced:,} earlier values replaced) in {result.seconds:.2f} s "
            f"({result.values_per_second:,.0f} values/second)."
        )
