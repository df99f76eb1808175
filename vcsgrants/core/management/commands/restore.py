"""python manage.py restore FILE: put back the database and uploaded files from a backup archive."""

from __future__ import annotations

from pathlib import Path

from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections

from vcsgrants.core.backup import BackupError, migration_problems, restore_backup, storage_label, vendor_label
from vcsgrants.core.management.commands.backup import describe


class Command(BaseCommand):
    help = (
        "Restore a backup made by `manage.py backup`: checks the archive whole (every file's checksum, the "
        "database vendor, the migrations) before changing anything, then replaces every record in the database "
        "and every uploaded file (MEDIA_ROOT, or the S3 or Azure store) with the backup's. Stop the app first. "
        "Asks for confirmation unless --yes."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="The backup archive (.tar.gz) to restore.")
        parser.add_argument(
            "--yes",
            "--noinput",
            "--no-input",
            action="store_false",
            dest="interactive",
            help="Do not ask for confirmation.",
        )

    def handle(self, *args, file: Path, interactive: bool, **options):
        file = Path(file)
        connection = connections[DEFAULT_DB_ALIAS]
        target = f"the {vendor_label(connection.vendor)} database {connection.settings_dict['NAME']}"

        def confirm(manifest: dict) -> bool:
            self.stdout.write(f"{file} holds the {describe(manifest)}.")
            answer = input(
                f"This replaces every record in {target} and every file in {storage_label(default_storage)} with the backup's. "
                "Type 'yes' to continue: "
            )
            return answer.strip().lower() == "yes"

        try:
            manifest = restore_backup(file, connection=connection, confirm=confirm if interactive else None)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"Restored the {describe(manifest)} into {target} and {storage_label(default_storage)}.")
        _unknown, missing = migration_problems(manifest)
        if missing:
            self.stdout.write(
                f"The backup predates {len(missing)} migration(s) of this version of the app: "
                "run `python manage.py migrate` before starting it."
            )
