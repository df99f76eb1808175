"""Benchmark: /healthz while two hostile uploads are in flight under gunicorn, beside /healthz with nothing in flight.

Issue 19: two 2.5 MB workbook uploads under production gunicorn got both workers killed and /healthz waited 114 s.
This starts gunicorn with the production settings over plain HTTP (bench/load_settings.py) and two sync workers, as
few as the issue's, on a throwaway database holding the demo; signs in the demo provider; then

1. asks /healthz every 0.1 s for --duration seconds with nothing else running (the bare lower bound);
2. does the same while two threads upload bombs back to back, never letting up: a 1 MB ODT whose "mimetype" unpacks
   to 1 GB as an agreement document, and a quarterly return XLSX whose shared strings unpack to 1 GB (both from
   tests/bombs.py). Every upload must be refused with its message (a 200 page naming the file), never a 5xx.

It prints /healthz's p50, p95 and worst time in each run and the ratio of their p95s, the uploads' own times, and the load
average (the machine is shared). /healthz must answer within 1 s throughout.

    .venv/bin/python bench/bench_uploads.py                 # 20 s a run
    .venv/bin/python bench/bench_uploads.py --duration 5    # a quick run
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from bench_load import django_env, free_port, start_gunicorn  # noqa: E402

from tests.bombs import odt_bomb, with_part, zeros  # noqa: E402

PROVIDER = "provider-kestrel-voluntary-action-demo"
DEMO_PASSWORD = os.environ.get("DEMO_PASSWORD", "demo-pass-2022")
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
FIND = """
import json
from vcsgrants.core.models import FinancialYear
from vcsgrants.funding.models import Agreement
from vcsgrants.monitoring import services
agreement = Agreement.objects.get(reference="SLA-2020-001")
draft = services.return_for(agreement=agreement, year=FinancialYear.objects.get(start_year=2022), quarter=3)
print(json.dumps({"agreement": agreement.pk, "return": draft.pk}))
"""


def setup(var_dir: str) -> dict:
    """A throwaway database with the demo (the development settings load it), and the pages to upload to."""
    env = {**django_env(var_dir), "DJANGO_SETTINGS_MODULE": "vcsgrants.settings"}
    manage = [sys.executable, str(ROOT / "manage.py")]
    for command in (["migrate", "--verbosity", "0"], ["load_demo"]):
        subprocess.run(manage + command, env=env, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)  # noqa: S603
    found = subprocess.run(manage + ["shell", "-c", FIND], env=env, cwd=ROOT, check=True, capture_output=True, text=True)  # noqa: S603
    return json.loads(found.stdout.strip().splitlines()[-1])


def signed_in(base: str) -> requests.Session:
    session = requests.Session()
    token = CSRF.search(session.get(f"{base}/accounts/login/").text).group(1)
    response = session.post(
        f"{base}/accounts/login/",
        data={"username": PROVIDER, "password": DEMO_PASSWORD, "csrfmiddlewaretoken": token},
        headers={"Referer": f"{base}/accounts/login/"},
    )
    if "/accounts/login/" in response.url:
        raise SystemExit(f"could not sign in as {PROVIDER}")
    return session


def poll_healthz(base: str, duration: float) -> list[float]:
    times = []
    stop = time.monotonic() + duration
    while time.monotonic() < stop:
        started = time.perf_counter()
        response = requests.get(f"{base}/healthz", timeout=130)
        times.append(time.perf_counter() - started)
        if response.status_code != 200:
            raise SystemExit(f"FAILED: /healthz answered {response.status_code}")
        time.sleep(0.1)
    return times


def uploader(session, base: str, url: str, name: str, data: bytes, stop: threading.Event, times: list[float], errors: list[str]):
    while not stop.is_set():
        token = CSRF.search(session.get(f"{base}{url}").text).group(1)
        started = time.perf_counter()
        response = session.post(
            f"{base}{url}",
            data={"title": "Minutes", "csrfmiddlewaretoken": token},
            files={"file": (name, data)},
            headers={"Referer": f"{base}{url}"},
            timeout=130,
        )
        times.append(time.perf_counter() - started)
        if response.status_code != 200 or f"“{name}” cannot be accepted" not in response.text:
            errors.append(f"{url}: {response.status_code}")


def figures(times: list[float]) -> str:
    return (
        f"{len(times)} requests, p50 {statistics.median(times) * 1000:.0f} ms, p95 {p95(times) * 1000:.0f} ms, "
        f"worst {max(times) * 1000:.0f} ms"
    )


def p95(times: list[float]) -> float:
    return sorted(times)[min(len(times) - 1, int(len(times) * 0.95))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=float, default=20.0, help="seconds of each run")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers (the issue's server had 2)")
    args = parser.parse_args()
    var_dir = tempfile.mkdtemp(prefix="bench-uploads-")
    pages = setup(var_dir)
    subprocess.run(  # noqa: S603
        [sys.executable, str(ROOT / "manage.py"), "collectstatic", "--noinput", "--verbosity", "0"],
        env=django_env(var_dir),
        cwd=ROOT,
        check=True,
    )
    port = free_port()
    server = start_gunicorn(var_dir, port, args.workers)
    base = f"http://127.0.0.1:{port}"
    try:
        template = signed_in(base).get(f"{base}/returns/{pages['return']}/template.xlsx").content
        odt = odt_bomb()
        xlsx = with_part(template, "xl/sharedStrings.xml", zeros("xl/sharedStrings.xml", 1024))
        print(f"gunicorn {args.workers} sync workers; {args.duration:.0f} s a run; load average {os.getloadavg()[0]:.2f}")
        print(f"uploads: minutes.odt {len(odt) / 1e6:.2f} MB (unpacks to 1 GB), q3.xlsx {len(xlsx) / 1e6:.2f} MB (1 GB)")
        idle = poll_healthz(base, args.duration)
        stop, upload_times, errors = threading.Event(), {"odt": [], "xlsx": []}, []
        sessions = [signed_in(base), signed_in(base)]  # before the run: signing in hashes a password on purpose slowly
        threads = [
            threading.Thread(
                target=uploader,
                args=(
                    sessions[0],
                    base,
                    f"/agreements/{pages['agreement']}/documents/new/",
                    "minutes.odt",
                    odt,
                    stop,
                    upload_times["odt"],
                    errors,
                ),
            ),
            threading.Thread(
                target=uploader,
                args=(
                    sessions[1],
                    base,
                    f"/returns/{pages['return']}/upload/",
                    "q3.xlsx",
                    xlsx,
                    stop,
                    upload_times["xlsx"],
                    errors,
                ),
            ),
        ]
        for thread in threads:
            thread.start()
        busy = poll_healthz(base, args.duration)
        stop.set()
        for thread in threads:
            thread.join()
        print(f"/healthz, nothing in flight:      {figures(idle)}")
        print(f"/healthz, two bombs in flight:    {figures(busy)}")
        print(f"ratio of p95 times:               {p95(busy) / p95(idle):.1f}x")
        print(f"minutes.odt uploads (refused):    {figures(upload_times['odt'])}")
        print(f"q3.xlsx uploads (refused):        {figures(upload_times['xlsx'])}")
        print(f"errors: {len(errors)}{': ' + ', '.join(errors[:5]) if errors else ''}; load average {os.getloadavg()[0]:.2f}")
        if errors or max(busy) >= 1.0:
            raise SystemExit("FAILED: /healthz must answer within 1 s and every upload be refused cleanly")
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
