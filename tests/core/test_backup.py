"""Backup and restore: a round trip that compares every table, and every refusal a deployer may meet.

Runs on SQLite (`.venv/bin/pytest tests/core/test_backup.py`) and on PostgreSQL
(`scripts/with_postgres.sh .venv/bin/pytest tests/core/test_backup.py`). The tests restore into the test
database itself, so they use real transactions (transaction=True), not pytest-django's rollback.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import sqlite3
import tarfile
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.models import F
from django.db.utils import ConnectionHandler

from tests.factories import OrganisationFactory, UserFactory
from vcsgrants.core import backup as backup_module
from vcsgrants.core.models import AuditEvent, Organisation, Role
from vcsgrants.funding.models import Agreement, AgreementDocument, FundingLine, Payment
from vcsgrants.funding.services import agreements as services

pytestmark = pytest.mark.django_db(transaction=True)

OTHER_VENDOR = {"sqlite": "postgresql", "postgresql": "sqlite"}
DUMP = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
# Bytes of every value, so a restored copy that is not byte-identical cannot pass.
DOCUMENT_BYTES = b"%PDF-1.7\n" + bytes(range(256)) * 64 + b"%%EOF"  # a PDF header: uploads check it


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MEDIA_ROOT.mkdir()
    return settings.MEDIA_ROOT


@pytest.fixture
def backups(tmp_path):
    folder = tmp_path / "backups"
    folder.mkdir()
    return folder


def snapshot_tables() -> dict[str, list[tuple]]:
    """Every row of every table in the database (models, m2m through tables, history tables, Django's own)."""
    qn = connection.ops.quote_name
    rows = {}
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            pk = connection.introspection.get_primary_key_column(cursor, table)
            columns = [c.name for c in connection.introspection.get_table_description(cursor, table)]
            order = qn(pk) if pk else ", ".join(qn(c) for c in columns)
            cursor.execute(f"SELECT * FROM {qn(table)} ORDER BY {order}")  # noqa: S608 - introspected names
            rows[table] = cursor.fetchall()
    return rows


def media_files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def backup(out: Path) -> str:
    stdout = io.StringIO()
    call_command("backup", out=str(out), stdout=stdout)
    return stdout.getvalue()


def restore(path: Path, *args: str) -> str:
    stdout = io.StringIO()
    call_command("restore", str(path), *args, stdout=stdout)
    return stdout.getvalue()


def read_archive(path: Path) -> dict[str, bytes]:
    with tarfile.open(path, "r:gz") as tar:
        return {m.name: tar.extractfile(m).read() for m in tar.getmembers() if m.isfile()}


def write_archive(path: Path, members: dict[str, bytes]) -> None:
    with tarfile.open(path, "w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))


def edit_manifest(path: Path, change) -> Path:
    members = read_archive(path)
    manifest = json.loads(members["manifest.json"])
    change(manifest)
    members["manifest.json"] = json.dumps(manifest).encode()
    edited = path.with_name("edited.tar.gz")
    write_archive(edited, members)
    return edited


# --- the round trip --------------------------------------------------------------------------------


def test_restore_brings_back_every_table_row_for_row_and_the_uploaded_files(settings, media, backups):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("load_demo", stdout=io.StringIO())
    officer = UserFactory(roles=[Role.OFFICER], username="backup.officer")
    agreement = Agreement.objects.order_by("pk").first()
    document = services.document_upload(
        agreement=agreement,
        title="Signed SLA",
        upload=SimpleUploadedFile("signed sla.pdf", DOCUMENT_BYTES, content_type="application/pdf"),
        actor=officer,
    )
    stored = media / document.file.name
    assert stored.read_bytes() == DOCUMENT_BYTES

    before = snapshot_tables()
    # The snapshot really covers the whole schema: models, m2m through tables, history, Django's tables.
    for table in ("funding_fundingline", "core_user_groups", "funding_historicalagreement", "django_migrations"):
        assert before[table], f"{table} is empty, so the round trip would prove nothing about it"
    assert sum(map(len, before.values())) > 1000

    files_before = media_files(media)
    assert files_before[document.file.name] == DOCUMENT_BYTES

    out = backups / "vcsgrants.tar.gz"
    report = backup(out)
    assert f"to {out}" in report
    assert f"{len(files_before)} uploaded files" in report

    # Change data every way: delete rows (with cascades), add rows, edit a money amount, lose a file.
    Payment.objects.order_by("pk").first().delete()
    AuditEvent.objects.all().delete()
    Organisation.objects.create(name="Added after the backup (demo)", kind=Organisation.Kind.PROVIDER)
    changed_line = FundingLine.objects.order_by("pk").first()
    FundingLine.objects.filter(pk=changed_line.pk).update(amount=F("amount") + Decimal("0.01"))
    with connection.cursor() as cursor:  # as a later migration would: a new table pointing at an old one
        cursor.execute(
            "CREATE TABLE zz_added_after_backup "
            "(id integer PRIMARY KEY, organisation_id bigint REFERENCES core_organisation (id))"
        )
    stored.unlink()
    (media / "agreements" / "uploaded-after-backup.txt").write_text("not in the backup")
    assert snapshot_tables() != before

    report = restore(out, "--yes")
    assert "Restored the" in report

    after = snapshot_tables()
    assert sorted(after) == sorted(before)
    differing = [table for table in before if after[table] != before[table]]
    assert differing == [], f"tables that differ after restore: {differing}"
    assert FundingLine.objects.get(pk=changed_line.pk).amount == changed_line.amount
    assert not Organisation.objects.filter(name="Added after the backup (demo)").exists()
    # The uploaded file is back, byte for byte, and reachable from its record; the stray file is gone.
    assert stored.read_bytes() == DOCUMENT_BYTES
    with AgreementDocument.objects.get(pk=document.pk).file.open("rb") as f:
        assert f.read() == DOCUMENT_BYTES
    assert not (media / "agreements" / "uploaded-after-backup.txt").exists()
    assert media_files(media) == files_before


# --- what a backup holds ---------------------------------------------------------------------------


def test_backup_manifest_lists_vendor_migrations_row_counts_and_checksums(media, backups):
    OrganisationFactory.create_batch(3)
    (media / "consultations").mkdir()
    (media / "consultations" / "response.docx").write_bytes(b"word document")
    out = backups / "b.tar.gz"
    backup(out)

    members = read_archive(out)
    manifest = json.loads(members["manifest.json"])
    vendor = connection.vendor
    assert manifest["format_version"] == backup_module.FORMAT_VERSION
    assert manifest["database"]["vendor"] == vendor
    assert manifest["app_version"] == "0.1.0"
    assert manifest["created_at"].endswith("+00:00")
    assert manifest["tables"]["core_organisation"] == 3
    assert "0001_initial" in manifest["migrations"]["core"]
    assert set(members) == {"manifest.json", DUMP[vendor], "media/consultations/response.docx"}
    assert members["media/consultations/response.docx"] == b"word document"
    for name, meta in manifest["files"].items():
        assert meta["sha256"] == hashlib.sha256(members[name]).hexdigest()
        assert meta["size"] == len(members[name])
    assert os.stat(out).st_mode & 0o077 == 0, "a backup holds personal data: readable by its owner only"


# --- refusals: nothing changes ---------------------------------------------------------------------


@pytest.fixture
def made(media, backups):
    """A backup of one organisation and one file, then a second organisation added after it."""
    OrganisationFactory(name="In the backup")
    (media / "agreements").mkdir()
    (media / "agreements" / "sla.pdf").write_bytes(DOCUMENT_BYTES)
    out = backups / "b.tar.gz"
    backup(out)
    OrganisationFactory(name="Added later")
    return out


def assert_unchanged(media):
    assert Organisation.objects.filter(name="Added later").exists()
    assert (media / "agreements" / "sla.pdf").read_bytes() == DOCUMENT_BYTES


def test_restore_refuses_a_backup_of_the_other_database_vendor(made, media):
    other = OTHER_VENDOR[connection.vendor]
    edited = edit_manifest(made, lambda m: m["database"].update(vendor=other))
    with pytest.raises(CommandError) as exc:
        restore(edited, "--yes")
    message = str(exc.value)
    label = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
    assert f"a backup of a {label[other]} database, but this app is running on {label[connection.vendor]}" in message
    assert "Nothing was changed" in message
    assert_unchanged(media)


def test_restore_refuses_a_file_whose_checksum_does_not_match(made, media):
    members = read_archive(made)
    members["media/agreements/sla.pdf"] = DOCUMENT_BYTES[:-1] + b"X"
    damaged = made.with_name("damaged.tar.gz")
    write_archive(damaged, members)
    with pytest.raises(CommandError, match=r"media/agreements/sla.pdf does not match its checksum"):
        restore(damaged, "--yes")
    assert_unchanged(media)


def test_restore_refuses_an_archive_missing_the_database(made, media):
    members = read_archive(made)
    del members[DUMP[connection.vendor]]
    incomplete = made.with_name("incomplete.tar.gz")
    write_archive(incomplete, members)
    with pytest.raises(CommandError, match=rf"{DUMP[connection.vendor]} is missing from the archive"):
        restore(incomplete, "--yes")
    assert_unchanged(media)


def test_restore_refuses_a_truncated_archive(made, media):
    data = made.read_bytes()
    truncated = made.with_name("truncated.tar.gz")
    truncated.write_bytes(data[: len(data) // 2])
    with pytest.raises(CommandError, match="damaged or incomplete"):
        restore(truncated, "--yes")
    assert_unchanged(media)


def test_restore_refuses_a_file_that_is_not_a_backup(made, media):
    other = made.with_name("notes.tar.gz")
    write_archive(other, {"notes.txt": b"hello"})
    with pytest.raises(CommandError, match="not a VCS Grants backup: it has no manifest.json"):
        restore(other, "--yes")
    with pytest.raises(CommandError, match="There is no backup file at"):
        restore(made.with_name("missing.tar.gz"), "--yes")
    assert_unchanged(media)


def test_restore_refuses_a_backup_from_a_newer_version_of_the_app(made, media):
    edited = edit_manifest(made, lambda m: m["migrations"]["funding"].append("9999_from_the_future"))
    with pytest.raises(CommandError, match=r"newer version of VCS Grants .*funding\.9999_from_the_future"):
        restore(edited, "--yes")
    assert_unchanged(media)


def test_restore_asks_before_replacing_anything(made, media, monkeypatch):
    questions = []
    monkeypatch.setattr("builtins.input", lambda prompt: questions.append(prompt) or "no")
    with pytest.raises(CommandError, match="Restore cancelled; nothing was changed"):
        restore(made)
    assert "Type 'yes' to continue" in questions[0]
    assert_unchanged(media)

    monkeypatch.setattr("builtins.input", lambda prompt: "yes")
    restore(made)
    assert not Organisation.objects.filter(name="Added later").exists()
    assert Organisation.objects.filter(name="In the backup").exists()


# --- backup failures leave nothing behind ----------------------------------------------------------


def test_backup_into_a_missing_folder_fails_cleanly(media, tmp_path):
    out = tmp_path / "no-such-folder" / "b.tar.gz"
    with pytest.raises(CommandError, match=r"the folder .*no-such-folder does not exist"):
        backup(out)
    assert not out.parent.exists()


def test_a_failed_backup_leaves_the_previous_backup_untouched_and_no_temporary_files(media, backups):
    out = backups / "b.tar.gz"
    out.write_bytes(b"yesterday's backup")
    # A real failure part-way: an uploaded file that cannot be read (a link to nowhere).
    (media / "agreements").mkdir()
    (media / "agreements" / "gone.pdf").symlink_to(media / "nowhere.pdf")
    with pytest.raises(CommandError, match=r"Cannot read the uploaded file .*gone.pdf"):
        backup(out)
    assert out.read_bytes() == b"yesterday's backup"
    assert sorted(p.name for p in backups.iterdir()) == ["b.tar.gz"]


def test_a_missing_postgresql_client_is_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.delenv("PG_BIN", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(backup_module, "PG_BIN_DIRS", [tmp_path / "postgresql" / "bin"])
    with pytest.raises(backup_module.BackupError, match=r"pg_dump was not found .*apt-get install postgresql-client-15"):
        backup_module.find_pg_tool("pg_dump")


# --- SQLite as it runs in production: a file in WAL mode with other connections open ------------


def test_sqlite_file_backup_is_a_consistent_snapshot_and_restore_reaches_open_connections(tmp_path):
    path = tmp_path / "vcsgrants.sqlite3"
    options = {"transaction_mode": "IMMEDIATE", "timeout": 20, "init_command": "PRAGMA journal_mode=WAL;"}
    handler = ConnectionHandler({"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": str(path), "OPTIONS": options}})
    db = handler["default"]
    try:
        with db.cursor() as cursor:
            cursor.execute("CREATE TABLE grant_line (id INTEGER PRIMARY KEY, amount TEXT NOT NULL)")
            cursor.executemany("INSERT INTO grant_line (amount) VALUES (%s)", [(f"{n}.00",) for n in range(1, 101)])
        # Another worker of the running app is part-way through a write when the backup starts.
        app = sqlite3.connect(path, isolation_level=None)
        app.execute("BEGIN IMMEDIATE")
        app.execute("INSERT INTO grant_line (amount) VALUES ('999.99')")
        out = tmp_path / "b.tar.gz"
        manifest = backup_module.create_backup(out, connection=db, media_root=tmp_path / "media")
        assert manifest["tables"] == {"grant_line": 100}, "the backup holds committed rows only"
        app.execute("COMMIT")
        app.execute("DELETE FROM grant_line WHERE id <= 50")
        assert app.execute("SELECT COUNT(*) FROM grant_line").fetchone() == (51,)

        backup_module.restore_backup(out, connection=db, media_root=tmp_path / "media")
        # The other connection, still open, sees the restored data; the file stays in WAL mode and sound.
        assert app.execute("SELECT COUNT(*), MIN(amount), MAX(id) FROM grant_line").fetchone() == (100, "1.00", 100)
        assert app.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        assert app.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        app.close()
    finally:
        handler.close_all()
