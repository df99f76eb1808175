"""python manage.py backup --out FILE: the database and every uploaded file in one checked archive."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections

from vcsgrants.core.backup import BackupError, create_backup, vendor_label


def describe(manifest: dict) -> str:
    """One line saying what a backup holds, for backup's report and restore's question."""
    rows = sum(manifest["tables"].values())
    media = [meta for name, meta in manifest["files"].items() if name.startswith("media/")]
    media_bytes = sum(meta["size"] for meta in media)
    return (
        f"{vendor_label(manifest['database']['vendor'])} database ({len(manifest['tables'])} tables, {rows:,} rows) "
        f"and {len(media):,} uploaded files ({media_bytes:,} bytes), made {manifest['created_at']} "
        f"by VCS Grants {manifest['app_version']}"
    )


class Command(BaseCommand):
    help = (
        "Back up the database (SQLite online backup, or pg_dump for PostgreSQL) and every uploaded file "
        "(MEDIA_ROOT, or the S3 or Azure store: VCSGRANTS_STORAGE) into one .tar.gz archive with a manifest of "
        "row counts and checksums. Safe while the "
        "app is in use. The archive is written to a temporary file and renamed, so FILE is never half-written."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--out", required=True, type=Path, help="The archive to write, e.g. backups/vcsgrants-2025-01-31.tar.gz."
        )

    def handle(self, *args, out: Path, **options):
        out = Path(out)
        try:
            manifest = create_backup(out, connection=connections[DEFAULT_DB_ALIAS])
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"Backed up the {describe(manifest)} to {out} ({out.stat().st_size:,} bytes).")
