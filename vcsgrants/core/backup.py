"""Backup and restore of a whole VCS Grants installation: the database and the uploaded files.

A backup is one ``.tar.gz`` archive holding

- ``manifest.json``: format version, app version, the database vendor, when it was made, the applied
  migrations, every table's row count and every file's size and SHA-256 checksum;
- the database: ``database.sqlite3`` (a copy made with SQLite's online backup API, so it is consistent
  while the app is in use) or ``database.pgdump`` (``pg_dump --format=custom`` of a snapshot whose row
  counts are the ones in the manifest);
- ``media/``: every uploaded file in the file storage (agreement, consultation and call documents, the council's
  logo and report template), read through Django's storage API: the local disk (MEDIA_ROOT) or a shared S3 or
  Azure store (VCSGRANTS_STORAGE), the same code for each.

Restoring checks the whole archive before it changes anything: every file present and matching its
checksum, the database vendor the same as the one the app runs on, no migration this code does not know.
The management commands ``backup`` and ``restore`` are thin wrappers around :func:`create_backup` and
:func:`restore_backup`.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import tomllib
import zlib
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.core.files import File
from django.core.files.storage import FileSystemStorage, Storage, default_storage
from django.utils.functional import empty

FORMAT_VERSION = 1
MANIFEST_NAME = "manifest.json"
MEDIA_DIR = "media"
DUMP_NAMES = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
VENDOR_LABELS = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
# Where the PostgreSQL client tools are looked for after $PG_BIN and PATH.
PG_BIN_DIRS = [Path("/usr/lib/postgresql/15/bin")]
CHUNK = 1024 * 1024


class BackupError(Exception):
    """A backup or restore that cannot go ahead; the message says why and what to do."""


# --- small helpers -------------------------------------------------------------------------------


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def app_version() -> str:
    try:
        with open(Path(settings.BASE_DIR) / "pyproject.toml", "rb") as f:
            return str(tomllib.load(f)["project"]["version"])
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        return "unknown"


def vendor_label(vendor: str) -> str:
    return VENDOR_LABELS.get(vendor, vendor)


def _supported(vendor: str) -> None:
    if vendor not in DUMP_NAMES:
        raise BackupError(f"Backups support SQLite and PostgreSQL; this database is {vendor}.")


def _migrations_from_rows(rows) -> dict[str, list[str]]:
    applied: dict[str, list[str]] = {}
    for app, name in rows:
        applied.setdefault(app, []).append(name)
    return {app: sorted(names) for app, names in sorted(applied.items())}


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def storage_label(storage: Storage) -> str:
    """Where the uploaded files are, for messages: the folder, or the bucket or container."""
    storage = _backend(storage)
    if isinstance(storage, FileSystemStorage):
        return str(storage.location)
    for attribute in ("bucket_name", "azure_container"):
        if getattr(storage, attribute, None):
            return f"{type(storage).__name__} {getattr(storage, attribute)}"
    return type(storage).__name__


def _storage(storage: Storage | None, media_root: Path | str | None) -> Storage:
    if storage is not None:
        return storage
    if media_root is not None:
        return FileSystemStorage(location=media_root)
    return default_storage


def _backend(storage: Storage) -> Storage:
    """The storage itself, not the lazy `default_storage` that stands for it."""
    if storage is default_storage:
        if default_storage._wrapped is empty:
            default_storage._setup()
        return default_storage._wrapped
    return storage


def _media_files(storage: Storage, folder: str = "") -> Iterator[str]:
    """The name of every file in the storage, in a stable order (a missing local folder holds none)."""
    try:
        folders, files = storage.listdir(folder)
    except FileNotFoundError:
        return
    for name in sorted(files):
        yield f"{folder}/{name}" if folder else name
    for name in sorted(folders):
        yield from _media_files(storage, f"{folder}/{name}" if folder else name)


class _HashingReader:
    """Hashes a file as tarfile copies it, so each file is read once and its checksum is what was archived."""

    def __init__(self, f):
        self.f = f
        self.digest = hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        data = self.f.read(size)
        self.digest.update(data)
        return data


# --- PostgreSQL client tools ---------------------------------------------------------------------


def find_pg_tool(name: str) -> str:
    """The path of pg_dump / pg_restore: $PG_BIN first, then PATH, then PG_BIN_DIRS."""
    candidates: list[Path] = []
    if os.environ.get("PG_BIN"):
        candidates.append(Path(os.environ["PG_BIN"]) / name)
    on_path = shutil.which(name)
    if on_path:
        candidates.append(Path(on_path))
    candidates += [d / name for d in PG_BIN_DIRS]
    for candidate in candidates:
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    looked = ", ".join(str(d) for d in PG_BIN_DIRS)
    raise BackupError(
        f"{name} was not found (looked in $PG_BIN, on PATH and in {looked}). "
        f"Install the PostgreSQL 15 client tools (apt-get install postgresql-client-15) "
        f"or set PG_BIN to the folder that holds {name}."
    )


def pg_env(settings_dict: dict) -> dict[str, str]:
    """Connection settings for pg_dump/pg_restore as libpq environment variables.

    The password goes in PGPASSWORD, never on a command line where `ps` would show it.
    """
    env = dict(os.environ)
    for key, var in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER"), ("PASSWORD", "PGPASSWORD")):
        value = settings_dict.get(key)
        if value:
            env[var] = str(value)
    options = settings_dict.get("OPTIONS") or {}
    for key, var in (
        ("sslmode", "PGSSLMODE"),
        ("sslrootcert", "PGSSLROOTCERT"),
        ("sslcert", "PGSSLCERT"),
        ("sslkey", "PGSSLKEY"),
    ):
        if options.get(key):
            env[var] = str(options[key])
    env["PGDATABASE"] = str(settings_dict["NAME"])
    return env


def _run(command: list[str], *, env: dict[str, str], what: str) -> None:
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603 - fixed argv, no shell
    if result.returncode != 0:
        detail = (result.stderr or result.stdout).strip()
        raise BackupError(f"{what} failed (exit status {result.returncode}): {detail}")


# --- dumping the database ------------------------------------------------------------------------


def _sqlite_tables(conn: sqlite3.Connection) -> list[str]:
    rows = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
    return [name for (name,) in rows]


def _dump_sqlite(connection, dest: Path) -> tuple[dict[str, int], dict[str, list[str]]]:
    """Copy the live database with SQLite's online backup API; count rows in the copy itself."""
    connection.ensure_connection()
    target = sqlite3.connect(dest)
    try:
        # One step (pages=-1): the copy is a single consistent snapshot even while others write.
        connection.connection.backup(target)
        # A self-contained file: no -wal/-shm companions when it is opened again.
        target.execute("PRAGMA journal_mode=DELETE")
        tables = {name: target.execute(f"SELECT COUNT(*) FROM {_quote(name)}").fetchone()[0] for name in _sqlite_tables(target)}  # noqa: S608 - quoted table names from sqlite_master
        migrations = {}
        if "django_migrations" in tables:
            migrations = _migrations_from_rows(target.execute("SELECT app, name FROM django_migrations"))
    finally:
        target.close()
    return tables, migrations


def _pg_tables(cursor) -> list[str]:
    cursor.execute(
        "SELECT table_name FROM information_schema.tables "
        "WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name"
    )
    return [name for (name,) in cursor.fetchall()]


def _dump_postgresql(connection, dest: Path) -> tuple[dict[str, int], dict[str, list[str]]]:
    """pg_dump of an exported snapshot, so the dump and the manifest's row counts agree exactly."""
    pg_dump = find_pg_tool("pg_dump")
    env = pg_env(connection.settings_dict)
    raw = connection.get_new_connection(connection.get_connection_params())
    try:
        raw.autocommit = True
        with raw.cursor() as cursor:
            cursor.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
            tables = {}
            for name in _pg_tables(cursor):
                cursor.execute(f"SELECT COUNT(*) FROM {_quote(name)}")  # noqa: S608 - quoted table names from the catalogue
                tables[name] = cursor.fetchone()[0]
            migrations = {}
            if "django_migrations" in tables:
                cursor.execute("SELECT app, name FROM django_migrations")
                migrations = _migrations_from_rows(cursor.fetchall())
            _run(
                [pg_dump, "--format=custom", f"--snapshot={snapshot}", f"--file={dest}", env["PGDATABASE"]],
                env=env,
                what="pg_dump",
            )
            cursor.execute("COMMIT")
    finally:
        raw.close()
    return tables, migrations


# --- making a backup -----------------------------------------------------------------------------


def create_backup(out: Path | str, *, connection, storage: Storage | None = None, media_root: Path | str | None = None) -> dict:
    """Write a backup archive to ``out`` and return its manifest.

    The archive is built in a hidden temporary folder beside ``out`` and renamed into place only when
    complete, so a failed backup never leaves a half-written file at ``out`` (an older backup there
    is left as it was).
    """
    out = Path(out)
    storage = _storage(storage, media_root)
    vendor = connection.vendor
    _supported(vendor)
    parent = out.parent if str(out.parent) else Path(".")
    if not parent.is_dir():
        raise BackupError(f"Cannot write {out}: the folder {parent} does not exist. Create it first (mkdir -p {parent}).")
    if out.is_dir():
        raise BackupError(f"Cannot write {out}: it is a folder. Give a file name, e.g. {out / 'vcsgrants.tar.gz'}.")
    local = _backend(storage)
    if isinstance(local, FileSystemStorage) and parent.resolve().is_relative_to(Path(local.location).resolve()):
        raise BackupError(
            f"Cannot write {out}: it is inside MEDIA_ROOT ({local.location}), which the backup copies. Choose another folder."
        )

    with tempfile.TemporaryDirectory(dir=parent, prefix=".vcsgrants-backup-") as tmp:
        work = Path(tmp)
        dump_name = DUMP_NAMES[vendor]
        dump = work / dump_name
        if vendor == "sqlite":
            tables, migrations = _dump_sqlite(connection, dump)
        else:
            tables, migrations = _dump_postgresql(connection, dump)

        files: dict[str, dict] = {}
        archive = work / "backup.tar.gz"
        with tarfile.open(archive, "w:gz") as tar:
            files[dump_name] = {"size": dump.stat().st_size, "sha256": sha256_file(dump)}
            tar.add(dump, arcname=dump_name, recursive=False)
            # The database is copied first, then the files: a document uploaded meanwhile may be kept
            # without its record, which is harmless; a record is never kept without its file.
            for rel in _media_files(storage):
                arcname = f"{MEDIA_DIR}/{rel}"
                try:
                    with storage.open(rel, "rb") as f:
                        info = tarfile.TarInfo(arcname)
                        info.size = f.size
                        info.mtime = int(datetime.now(UTC).timestamp())
                        info.mode = 0o644
                        reader = _HashingReader(f)
                        tar.addfile(info, reader)
                except OSError as exc:
                    raise BackupError(f"Cannot read the uploaded file {rel}: {exc.strerror or exc}.") from exc
                files[arcname] = {"size": info.size, "sha256": reader.digest.hexdigest()}
            manifest = {
                "format": "vcsgrants-backup",
                "format_version": FORMAT_VERSION,
                "app_version": app_version(),
                "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
                "database": {"vendor": vendor, "name": str(connection.settings_dict["NAME"]), "dump": dump_name},
                "migrations": migrations,
                "tables": tables,
                "files": files,
            }
            data = json.dumps(manifest, indent=2, sort_keys=True).encode()
            info = tarfile.TarInfo(MANIFEST_NAME)
            info.size = len(data)
            info.mtime = int(datetime.now(UTC).timestamp())
            info.mode = 0o600
            tar.addfile(info, io.BytesIO(data))
        # A backup holds personal data: readable by its owner only.
        os.chmod(archive, 0o600)
        with open(archive, "rb") as f:
            os.fsync(f.fileno())
        os.replace(archive, out)
    return manifest


# --- reading and checking a backup ---------------------------------------------------------------


def _safe_member(member: tarfile.TarInfo) -> bool:
    path = PurePosixPath(member.name)
    return (member.isfile() or member.isdir()) and not path.is_absolute() and ".." not in path.parts


def read_backup(path: Path | str, workdir: Path) -> dict:
    """Unpack ``path`` into ``workdir`` and check it whole; return the manifest.

    Refuses an unreadable archive, one with no manifest or of an unknown format, a file listed in the
    manifest that is missing or whose checksum differs, and any file the manifest does not list.
    """
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"There is no backup file at {path}.")
    try:
        with tarfile.open(path, "r:gz") as tar:
            members = tar.getmembers()
            unsafe = [m.name for m in members if not _safe_member(m)]
            if unsafe:
                raise BackupError(
                    f"{path} is not a VCS Grants backup: it holds entries that are not plain files: {', '.join(unsafe[:5])}."
                )
            tar.extractall(workdir, filter="data")
    except (tarfile.TarError, EOFError, zlib.error, OSError) as exc:
        raise BackupError(f"{path} cannot be read as a backup archive: it is damaged or incomplete ({exc}).") from exc

    manifest_path = workdir / MANIFEST_NAME
    if not manifest_path.is_file():
        raise BackupError(f"{path} is not a VCS Grants backup: it has no {MANIFEST_NAME}.")
    try:
        manifest = json.loads(manifest_path.read_text())
    except (ValueError, UnicodeDecodeError) as exc:
        raise BackupError(f"{path}: {MANIFEST_NAME} is not valid JSON ({exc}).") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != "vcsgrants-backup":
        raise BackupError(f"{path} is not a VCS Grants backup: its {MANIFEST_NAME} is of another format.")
    version = manifest.get("format_version")
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise BackupError(
            f"{path} is a backup of format version {version}; this version of VCS Grants reads up to "
            f"version {FORMAT_VERSION}. Restore it with the version of the app that made it."
        )
    for key in ("database", "tables", "files", "migrations"):
        if not isinstance(manifest.get(key), dict):
            raise BackupError(f"{path}: {MANIFEST_NAME} has no '{key}' section.")

    files: dict[str, dict] = manifest["files"]
    dump_name = manifest["database"].get("dump")
    if dump_name not in files:
        raise BackupError(f"{path}: {MANIFEST_NAME} does not list the database dump.")
    problems = []
    for name, meta in sorted(files.items()):
        target = workdir / name
        if not _safe_member(tarfile.TarInfo(name)) or not target.is_file():
            problems.append(f"{name} is missing from the archive")
        elif target.stat().st_size != meta.get("size") or sha256_file(target) != meta.get("sha256"):
            problems.append(f"{name} does not match its checksum (the file is damaged or was changed)")
    listed = set(files) | {MANIFEST_NAME}
    for member in members:
        if member.isfile() and member.name not in listed:
            problems.append(f"{member.name} is in the archive but not in {MANIFEST_NAME}")
    if problems:
        raise BackupError(f"{path} failed its checks, so nothing was restored: " + "; ".join(problems) + ".")
    return manifest


def migration_problems(manifest: dict) -> tuple[list[str], list[str]]:
    """(migrations in the backup this code does not have, migrations of this code the backup lacks)."""
    from django.db.migrations.loader import MigrationLoader

    known = set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)
    in_backup = {(app, name) for app, names in manifest["migrations"].items() for name in names}
    unknown = sorted(f"{app}.{name}" for app, name in in_backup - known)
    missing = sorted(f"{app}.{name}" for app, name in known - in_backup)
    return unknown, missing


# --- restoring -----------------------------------------------------------------------------------


def _table_counts(connection) -> dict[str, int]:
    with connection.cursor() as cursor:
        names = connection.introspection.table_names(cursor)
        counts = {}
        for name in names:
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(name)}")  # noqa: S608 - introspected table names
            counts[name] = cursor.fetchone()[0]
    return counts


def _restore_sqlite(connection, dump: Path) -> None:
    """Copy the backup into the live database with the online backup API.

    The database is rewritten page by page under SQLite's own lock, so the file is never swapped
    underneath an open connection and other connections see the restored data at their next query.
    """
    if connection.in_atomic_block:
        raise BackupError("Cannot restore inside a database transaction.")
    connection.ensure_connection()
    source = sqlite3.connect(dump)
    try:
        source.backup(connection.connection)
    except sqlite3.Error as exc:
        raise BackupError(f"SQLite could not restore the database: {exc}. Stop the app and try again.") from exc
    finally:
        source.close()
    connection.close()  # drop any cached schema; the next query reconnects (a no-op for in-memory test databases)


def _restore_postgresql(connection, dump: Path, manifest: dict) -> None:
    pg_restore = find_pg_tool("pg_restore")
    env = pg_env(connection.settings_dict)
    # Tables made by migrations newer than the backup would survive pg_restore --clean and then clash
    # with `migrate`; the backup's state has none of them.
    with connection.cursor() as cursor:
        extra = sorted(set(_pg_tables(cursor)) - set(manifest["tables"]))
        for name in extra:
            cursor.execute(f"DROP TABLE IF EXISTS {_quote(name)} CASCADE")
    connection.close()
    _run(
        [
            pg_restore,
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-privileges",
            "--single-transaction",
            "--exit-on-error",
            f"--dbname={env['PGDATABASE']}",
            str(dump),
        ],
        env=env,
        what="pg_restore (it runs in one transaction, so the database was left as it was)",
    )


def _restore_media(source: Path, storage: Storage, names: list[str]) -> None:
    """Make the storage hold exactly the backup's files, under the same names (each replaced whole)."""
    wanted = set(names)
    for rel in names:
        if storage.exists(rel):
            storage.delete(rel)
        with open(source / rel, "rb") as src:
            saved = storage.save(rel, File(src, name=rel))
        if saved != rel:
            raise BackupError(f"The storage saved {rel} as {saved}; the restore cannot keep the backup's names.")
    for rel in list(_media_files(storage)):
        if rel not in wanted:
            storage.delete(rel)
    if isinstance(_backend(storage), FileSystemStorage):
        root = Path(_backend(storage).location)
        for dirpath, _dirnames, _filenames in sorted(os.walk(root), reverse=True):
            if Path(dirpath) != root and not os.listdir(dirpath):
                os.rmdir(dirpath)


def restore_backup(
    path: Path | str,
    *,
    connection,
    storage: Storage | None = None,
    media_root: Path | str | None = None,
    confirm: Callable[[dict], bool] | None = None,
) -> dict:
    """Replace the database and the uploaded files with the backup at ``path``; return its manifest.

    Everything is checked before anything changes. ``confirm`` (if given) sees the manifest and
    returns False to cancel.
    """
    storage = _storage(storage, media_root)
    vendor = connection.vendor
    _supported(vendor)
    with tempfile.TemporaryDirectory(prefix="vcsgrants-restore-") as tmp:
        work = Path(tmp)
        manifest = read_backup(path, work)
        backup_vendor = manifest["database"].get("vendor")
        if backup_vendor != vendor:
            raise BackupError(
                f"{path} is a backup of a {vendor_label(backup_vendor)} database, but this app is running on "
                f"{vendor_label(vendor)}. A backup can only be restored onto the same kind of database: "
                + (
                    "set DATABASE_URL to a PostgreSQL database and run restore again."
                    if backup_vendor == "postgresql"
                    else "unset DATABASE_URL to use SQLite and run restore again."
                )
                + " Nothing was changed."
            )
        unknown, _missing = migration_problems(manifest)
        if unknown:
            raise BackupError(
                f"{path} was made by a newer version of VCS Grants ({manifest.get('app_version')}): it has "
                f"migrations this code does not know ({', '.join(unknown[:5])}). Upgrade the app, then restore. "
                "Nothing was changed."
            )
        if confirm is not None and not confirm(manifest):
            raise BackupError("Restore cancelled; nothing was changed.")

        dump = work / manifest["database"]["dump"]
        if vendor == "sqlite":
            _restore_sqlite(connection, dump)
        else:
            _restore_postgresql(connection, dump, manifest)
        prefix = f"{MEDIA_DIR}/"
        media_names = sorted(name[len(prefix) :] for name in manifest["files"] if name.startswith(prefix))
        _restore_media(work / MEDIA_DIR, storage, media_names)

    counts = _table_counts(connection)
    differ = [
        f"{name} has {counts.get(name, 'no')} rows, the backup {expected}"
        for name, expected in sorted(manifest["tables"].items())
        if counts.get(name) != expected
    ]
    if differ:
        raise BackupError("The restored database does not match the backup: " + "; ".join(differ[:10]) + ".")
    return manifest
