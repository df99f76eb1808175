"""Bring in a council's existing data from one workbook: `manage.py import_workbook FILE.xlsx --as USERNAME`."""

from __future__ import annotations

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from vcsgrants.core.models import User
from vcsgrants.monitoring.spreadsheets import ImportRefused
from vcsgrants.workbook.services import import_workbook


class Command(BaseCommand):
    help = "Bring in organisations, agreements and their history from the workbook template; all or nothing."

    def add_arguments(self, parser):
        parser.add_argument("file", help="The filled-in workbook (XLSX)")
        parser.add_argument("--as", dest="username", required=True, help="The officer the import is recorded against")

    def handle(self, *args, file, username, **options):
        try:
            actor = User.objects.get(username=username)
        except User.DoesNotExist:
            raise CommandError(f"No user called '{username}'.") from None
        if not actor.has_perm("workbook.import_workbook"):
            raise CommandError(f"{username} is not an officer or administrator, so cannot bring in data.")
        try:
            data = Path(file).read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {file}: {exc.strerror or exc}") from None
        try:
            result = import_workbook(data=data, filename=Path(file).name, actor=actor)
        except ImportRefused as refused:
            problems = refused.problems
            self.stderr.write(f"Refused: {problems.total:,} problem(s); nothing was imported.")
            for line in problems.lines():  # the first 200, then how many more of each kind
                self.stderr.write(f"  {line}")
            sys.exit(1)
        if not result.changed:
            self.stdout.write("Nothing changed: everything in the workbook is already in the service.")
        for line in result.lines():
            self.stdout.write(line)
        self.stdout.write(f"Done in {result.seconds:.1f} s.")
