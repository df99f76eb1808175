"""A live server for tests that need real HTTP and real concurrency: gunicorn (as production runs it) on a free
loopback port, against a SQLite file named by DATABASE_URL=sqlite:///… holding the demo, built for the test.

Used by the live schemathesis run (tests/api/test_schemathesis_live.py) and the SQLite concurrency tests
(tests/core/test_sqlite_concurrency.py). The server is started and stopped by the fixture that uses it; its output
goes to a log file in the test's folder, shown when it fails to start.

`throwaway_postgres` starts a PostgreSQL cluster of a test's own (tests/core/test_two_servers.py).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
# The app's own settings with the fast password hasher (the demo's users would cost a second each).
SETTINGS = "tests.api.live_settings"
DEMO_PASSWORD = "demo-pass-2022"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class LiveServer:
    url: str
    database: Path
    tokens: dict[str, str]
    process: subprocess.Popen
    log: Path

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=5)


def environment(folder: Path, **extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("PYTEST", "DJANGO_"))}
    env.update(
        DATABASE_URL=f"sqlite:///{folder / 'live.sqlite3'}",
        DJANGO_SETTINGS_MODULE=SETTINGS,
        VCSGRANTS_VAR_DIR=str(folder),
        MEDIA_ROOT=str(folder / "media"),
        DEBUG="false",
        PYTHONPATH=str(ROOT),
    )
    env.update(extra)
    return env


def manage(env: dict[str, str], *args: str) -> str:
    command = [sys.executable, "manage.py", *args]
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False)  # noqa: S603
    if result.returncode != 0:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


ISSUE_TOKENS = """
import json
from vcsgrants.api.models import ApiToken
from vcsgrants.core.models import User
users = User.objects.filter(is_active=True) if USERS is None else [User.objects.get(username=u) for u in USERS]
print(json.dumps({u.username: ApiToken.issue(u, name="live tests")[1] for u in users}))
"""


def demo_database(tmp_path_factory) -> Path:
    """The folder of one migrated demo database (and its media) for the whole test run: built by the first test
    process to ask, under a file lock, and copied by every server after (migrate and load_demo cost ~20 s each time).
    """
    run = os.environ.get("PYTEST_XDIST_TESTRUNUID")
    # Under xdist the workers' base folders share a parent; keyed by the run so no run reuses another's build.
    root = tmp_path_factory.getbasetemp().parent / f"live-demo-{run}" if run else tmp_path_factory.getbasetemp()
    root.mkdir(parents=True, exist_ok=True)
    built = root / "demo"
    with (root / "demo.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (built / "live.sqlite3").exists():
            building = root / "building"
            shutil.rmtree(building, ignore_errors=True)
            building.mkdir()
            env = environment(building)
            manage(env, "migrate", "--noinput")
            manage(env, "load_demo")
            building.rename(built)
    return built


def start(folder: Path, users: list[str] | None = None, *, demo: Path, workers: int = 4, **extra_env: str) -> LiveServer:
    """Copy the demo database built in `demo` to folder, issue a token for each user (None: every active user), and
    serve it with gunicorn."""
    env = environment(folder, **extra_env)
    for part in demo.glob("live.sqlite3*"):  # the database, and its -wal/-shm files should any remain
        shutil.copy2(part, folder / part.name)
    if (demo / "media").exists():
        shutil.copytree(demo / "media", folder / "media")
    tokens = json.loads(manage(env, "shell", "-c", f"USERS = {users!r}\n{ISSUE_TOKENS}").strip().splitlines()[-1])
    port = free_port()
    log = folder / "gunicorn.log"
    command = [
        str(VENV_BIN / "gunicorn"),
        "vcsgrants.wsgi:application",
        f"--bind=127.0.0.1:{port}",
        f"--workers={workers}",
        "--timeout=120",
        "--log-level=warning",
    ]
    with log.open("w") as handle:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT)  # noqa: S603
    server = LiveServer(f"http://127.0.0.1:{port}", folder / "live.sqlite3", tokens, process, log)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn stopped at once:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"{server.url}/healthz", timeout=2) as response:  # noqa: S310 - loopback
                if response.status == 200:
                    return server
        except OSError:
            time.sleep(0.2)
    server.stop()
    raise RuntimeError(f"gunicorn did not answer /healthz within 30 s:\n{log.read_text()}")


# Prints the cluster's address, then waits until the test closes its stdin; scripts/with_postgres.sh then stops the
# cluster and removes its folder.
HOLD_CLUSTER = "import os, sys; print(os.environ['DATABASE_URL'], flush=True); sys.stdin.read()"


@contextlib.contextmanager
def throwaway_postgres(log: Path):
    """A PostgreSQL cluster of its own for the `with` block, started by scripts/with_postgres.sh (the same script as
    `make test-postgres`, so it fails loudly where the server binaries are missing); yields its DATABASE_URL."""
    with log.open("w") as handle:
        holder = subprocess.Popen(  # noqa: S603 - our script and our interpreter, fixed arguments, no shell
            [str(ROOT / "scripts" / "with_postgres.sh"), sys.executable, "-c", HOLD_CLUSTER],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=handle,
            text=True,
        )
    try:
        url = holder.stdout.readline().strip()
        if not url.startswith("postgres://"):
            holder.wait(timeout=30)
            raise RuntimeError(f"scripts/with_postgres.sh did not start PostgreSQL:\n{log.read_text()}")
        yield url
    finally:
        holder.stdin.close()  # the holding command ends; the script stops the cluster (pg_ctl -m fast)
        try:
            holder.wait(timeout=60)
        except subprocess.TimeoutExpired:
            holder.terminate()  # the script forwards TERM and still stops the cluster
            holder.wait(timeout=30)
        holder.stdout.close()
