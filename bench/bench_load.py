"""Benchmark: officers and providers using the app under load, beside a trivial view on the same server.

Starts gunicorn (the deployed deploy/gunicorn.conf.py, with the production settings over plain HTTP:
bench/load_settings.py) on the scale dataset, signs in
--users virtual users with locust (one officer to every four providers), and for --duration seconds:

- officers browse: a programme's page, its performance dashboard and provider table, agreements, their
  monitoring pages and returns, across the 50 generated programmes;
- providers browse their own agreements and monitoring pages and file returns: they save drafts of the open
  quarters with new values (a real POST of the return form with its CSRF token, which must redirect back) and
  now and then submit one (which must redirect to the submitted return). After the run the database is read:
  every provider's last saved values and every submission must be there.

Then the same number of users, signed in on the same server, request /bench/ok/, a view that returns "ok"
after the whole middleware stack (session, authentication, CSRF, sign-in check…) and does no other work: the
ceiling of this machine for a signed-in page. Both runs print requests per second, p50/p95/p99 latency and
errors (which must be zero), and their ratio is the app's own cost. Users wait no time between requests, so
both runs saturate the server; the load generator shares the machine with the server, and the load average
(other work on the machine) is printed beside the figures.

    .venv/bin/python bench/bench_load.py                         # 50 users, 60 s each run, SQLite
    .venv/bin/python bench/bench_load.py --users 10 --duration 10 --preset small   # a quick run
    scripts/with_postgres.sh .venv/bin/python bench/bench_load.py  # on a throwaway PostgreSQL

The first run builds the dataset in --var-dir (SQLite) or DATABASE_URL: migrate, the demo and
`generate_scale_data --preset large` (about 2 minutes); later runs with the same --var-dir reuse it and only
reset the benchmark providers' open quarters.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
PASSWORD = "bench-load-pass-2026"  # noqa: S105 - throwaway benchmark accounts
THROWAWAY_SECRET_KEY = "bench-load-throwaway-key-2f8a61c94e0b7d35-never-for-production"  # noqa: S105
SLUG = "scale-test"
pick = random.Random(2026)  # noqa: S311 - which page and value each user asks for next: load, not secrets
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
# The return as the form showed it (core.concurrency): a save without it is refused as made on a page never opened.
VERSION = re.compile(r'name="version" value="([^"]*)"')
# What each request cost the server, in the headers bench/load_meter.py adds: app CPU µs, database CPU µs, queries.
COST_HEADERS = ("X-Bench-App-CPU-us", "X-Bench-DB-CPU-us", "X-Bench-Queries")


def django_env(var_dir: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="load_settings",
        PYTHONPATH=os.pathsep.join([str(BENCH), str(ROOT)]),
        SECRET_KEY=THROWAWAY_SECRET_KEY,
        VCSGRANTS_VAR_DIR=var_dir,
        ALLOWED_HOSTS="127.0.0.1,localhost",
        # The benchmark's officers sign in with a password alone: the load is the app's pages, not the second step.
        VCSGRANTS_TWO_FACTOR_REQUIRED_ROLES="none",
    )
    return env


def demo_command(*args: str) -> None:
    """A command of the demo app (load_demo, generate_scale_data), which the production settings the benchmark runs
    under do not install: run by manage.py under the development settings, on the same database."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "vcsgrants.settings"}
    subprocess.run([sys.executable, str(ROOT / "manage.py"), *args], env=env, check=True, stdout=sys.stderr)  # noqa: S603


# --- setup and verification: child processes with Django (the load generator runs under gevent) ------------------


def setup(options: dict) -> dict:
    """Migrate, build the dataset if missing, create the benchmark users, reset their open quarters."""
    import django

    django.setup()
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group
    from django.core.management import call_command
    from django.db import transaction

    from vcsgrants.core.models import Organisation, Role, User
    from vcsgrants.funding.models import Agreement, Programme
    from vcsgrants.monitoring.models import KpiTarget, Return

    call_command("migrate", verbosity=0)  # and the production settings' shared cache table (core.database)
    call_command("collectstatic", "--noinput", verbosity=0)
    if not Programme.objects.filter(slug="vcs-infrastructure").exists():
        print("load_demo …", file=sys.stderr)
        demo_command("load_demo")
    if not Programme.objects.filter(slug__startswith=f"{SLUG}-").exists():
        size = {"medium": ["--programmes", "5", "--orgs", "500", "--agreements", "2000"]}.get(options["preset"], [])
        demo_command("generate_scale_data", "--preset", "large", "--slug", SLUG, *size)  # medium: 100,000 values
    n_officers = max(1, options["users"] // 5)
    n_providers = max(1, options["users"] - n_officers)
    hashed = make_password(PASSWORD)  # one hash for every account: hashing is slow on purpose
    officer_group = Group.objects.get_or_create(name=Role.OFFICER)[0]
    provider_group = Group.objects.get_or_create(name=Role.PROVIDER)[0]
    orgs = list(Organisation.objects.filter(slug__startswith=f"{SLUG}-p").order_by("slug")[:n_providers])
    providers, officers = [], []
    with transaction.atomic():
        for i in range(n_officers):
            user, _ = User.objects.update_or_create(
                username=f"bench-officer-{i}", defaults={"password": hashed, "is_active": True}
            )
            user.groups.add(officer_group)
            officers.append(user.username)
        for i, org in enumerate(orgs):
            user, _ = User.objects.update_or_create(
                username=f"bench-provider-{i}", defaults={"password": hashed, "is_active": True, "organisation": org}
            )
            user.groups.add(provider_group)
            agreements = []
            for agreement in Agreement.objects.filter(organisation=org).order_by("pk"):
                last = KpiTarget.objects.filter(agreement=agreement).order_by("-financial_year__start_year").first()
                year = last.financial_year
                # Generated returns are accepted; anything else is the benchmark's own, from an earlier run.
                Return.objects.filter(agreement=agreement, financial_year=year).exclude(status=Return.Status.ACCEPTED).delete()
                done = set(Return.objects.filter(agreement=agreement, financial_year=year).values_list("quarter", flat=True))
                open_quarters = [q for q in (1, 2, 3, 4) if q not in done]
                if open_quarters:
                    kpis = list(
                        KpiTarget.objects.filter(agreement=agreement, financial_year=year).values_list("kpi_id", flat=True)
                    )
                    agreements.append({"pk": agreement.pk, "year": year.label, "quarters": open_quarters, "kpis": kpis})
            if agreements:
                providers.append({"username": user.username, "agreements": agreements})
    generated = Agreement.objects.filter(programme__slug__startswith=f"{SLUG}-")
    return {
        "officers": officers,
        "providers": providers,
        "programmes": list(Programme.objects.filter(slug__startswith=f"{SLUG}-").values_list("slug", flat=True)),
        "agreements": list(generated.order_by("?").values_list("pk", flat=True)[:500]),
        "returns": list(Return.objects.filter(agreement__in=generated).order_by("?").values_list("pk", flat=True)[:500]),
    }


def verify(saved: dict) -> dict:
    """The values the providers saved last and the returns they submitted, as the database holds them."""
    import django

    django.setup()
    from vcsgrants.monitoring.models import Return, ReturnValue

    wrong, checked, submitted = [], 0, 0
    for key, expected in saved["drafts"].items():
        pk, year, quarter = key.split("/")
        stored = {
            str(kpi): int(value)
            for kpi, value in ReturnValue.objects.filter(
                return_record__agreement_id=pk,
                return_record__financial_year__start_year=int(year[:4]),
                return_record__quarter=quarter,
            ).values_list("kpi_version__kpi_id", "value")
        }
        checked += 1
        if stored != expected:
            wrong.append(f"{key}: saved {expected}, stored {stored}")
    for key in saved["submitted"]:
        pk, year, quarter = key.split("/")
        status = Return.objects.filter(agreement_id=pk, financial_year__start_year=int(year[:4]), quarter=quarter).values_list(
            "status", flat=True
        )
        submitted += list(status) == [Return.Status.SUBMITTED]
        if list(status) != [Return.Status.SUBMITTED]:
            wrong.append(f"{key}: submitted, but the return is {list(status)}")
    return {"checked": checked, "submitted": submitted, "wrong": wrong}


def child(phase: str, var_dir: str, payload: dict) -> dict:
    """Run setup() or verify() in a fresh Python with the benchmark settings; its JSON answer on the last line."""
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(payload, f)
    done = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, __file__, "--child", phase, f.name],
        env=django_env(var_dir),
        stdout=subprocess.PIPE,
        check=True,
        text=True,
    )
    os.unlink(f.name)
    return json.loads(done.stdout.strip().splitlines()[-1])


# --- the server ---------------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(var_dir: str, port: int, workers: int) -> subprocess.Popen:
    log = open(Path(var_dir) / "gunicorn.log", "a")  # noqa: SIM115 - open for the server's life
    # The deployed configuration (deploy/gunicorn.conf.py: its timeout, and gc.freeze() once each worker has loaded the
    # app), on a TCP port, without recycling workers every ~1,000 requests: a recycled worker's start-up would fall
    # mostly on the trivial view's run, which serves ten times the requests in the same time.
    env = {**django_env(var_dir), "GUNICORN_BIND": f"127.0.0.1:{port}", "GUNICORN_WORKERS": str(workers)}
    server = subprocess.Popen(  # noqa: S603
        [str(ROOT / ".venv/bin/gunicorn"), "--config", str(ROOT / "deploy" / "gunicorn.conf.py"), "--max-requests", "0"],
        env=env,
        cwd=ROOT,
        stdout=log,
        stderr=log,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/accounts/login/", timeout=5) as response:  # noqa: S310
                if response.status == 200:
                    return server
        except OSError:
            time.sleep(0.3)
    server.terminate()
    raise SystemExit(f"gunicorn did not answer on port {port}; see {var_dir}/gunicorn.log")


# --- the load (locust as a library, under gevent) -------------------------------------------------------------------


def run_load(host: str, plan: dict, users: int, duration: float, trivial: bool, sessions: list[str]) -> dict:
    import gevent
    from locust import FastHttpUser, constant, events, task
    from locust.env import Environment

    timings: list[tuple[str, float, bool, tuple[int, int, int, int]]] = []
    errors: list[str] = []
    state = {"measuring": False, "stopping": False, "ready": 0, "posting": 0}
    saved: dict = {"drafts": {}, "submitted": []}
    officer_names = list(plan["officers"])
    provider_plans = list(plan["providers"])

    @events.request.add_listener
    def record(request_type, name, response_time, response_length, response=None, exception=None, **kwargs):
        if state["measuring"]:
            headers = getattr(response, "headers", None) or {}
            cost = tuple(int(headers.get(h) or 0) for h in COST_HEADERS) + (response_length or 0,)
            timings.append((name, response_time, exception is not None, cost))
            if exception is not None and len(errors) < 20:
                errors.append(f"{request_type} {name}: {exception}")

    class SignedIn(FastHttpUser):
        abstract = True
        wait_time = constant(0)
        # A slow answer is a latency, not an error: wait as long as gunicorn lets a worker run (--timeout 120).
        network_timeout = connection_timeout = 180.0

        def sign_in(self, username: str) -> None:
            page = self.client.get("/accounts/login/", name="sign in (form)")
            token = CSRF.search(page.text).group(1)
            with self.client.post(
                "/accounts/login/",
                data={"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token, "next": "/"},
                allow_redirects=False,
                catch_response=True,
                name="sign in",
            ) as response:
                if response.status_code != 302:
                    response.failure(f"sign-in of {username} answered {response.status_code}")
                    raise SystemExit(f"could not sign in {username}")
            sessions.append(next(c.value for c in self.client.cookiejar if c.name == "sessionid"))
            state["ready"] += 1

        def get(self, path: str, name: str, expect: int = 200):
            with self.client.get(path, name=name, allow_redirects=False, catch_response=True) as response:
                if response.status_code != expect:
                    response.failure(f"{path} answered {response.status_code}, not {expect}")
                return response

    class Officer(SignedIn):
        weight = 1

        def on_start(self):
            self.sign_in(officer_names[len(sessions) % len(officer_names)])

        @task(2)
        def programme(self):
            self.get(f"/programmes/{pick.choice(plan['programmes'])}/", "programme page")

        @task(3)
        def dashboard(self):
            self.get(f"/programmes/{pick.choice(plan['programmes'])}/performance/", "performance dashboard")

        @task(1)
        def providers_table(self):
            self.get(f"/programmes/{pick.choice(plan['programmes'])}/performance/providers/", "performance by provider")

        @task(2)
        def agreement(self):
            self.get(f"/agreements/{pick.choice(plan['agreements'])}/", "agreement page")

        @task(2)
        def monitoring(self):
            self.get(f"/agreements/{pick.choice(plan['agreements'])}/monitoring/", "agreement monitoring")

        @task(1)
        def a_return(self):
            self.get(f"/returns/{pick.choice(plan['returns'])}/", "return page")

    class Provider(SignedIn):
        weight = 4

        def on_start(self):
            self.plan = provider_plans.pop()
            self.sign_in(self.plan["username"])
            self.open = [(a, q) for a in self.plan["agreements"] for q in a["quarters"]]

        @task(2)
        def home(self):
            self.get("/", "home")

        @task(2)
        def agreement(self):
            self.get(f"/agreements/{pick.choice(self.plan['agreements'])['pk']}/", "agreement page")

        @task(3)
        def monitoring(self):
            self.get(f"/agreements/{pick.choice(self.plan['agreements'])['pk']}/monitoring/", "agreement monitoring")

        def post_return(self, agreement: dict, quarter: int, submit: bool) -> None:
            if state["stopping"]:  # the run is over: no new writes, so the database can be checked against them
                gevent.sleep(1)
                return
            state["posting"] += 1
            try:
                self._post_return(agreement, quarter, submit)
            finally:
                state["posting"] -= 1

        def _post_return(self, agreement: dict, quarter: int, submit: bool) -> None:
            path = f"/agreements/{agreement['pk']}/returns/{agreement['year']}/{quarter}/"
            form = self.get(path, "return form")
            match = CSRF.search(form.text or "")
            if match is None:
                return  # already counted as a failure by get()
            values = {str(kpi): pick.randint(0, 100) for kpi in agreement["kpis"]}
            data = {f"kpi_{kpi}": str(v) for kpi, v in values.items()}
            version = VERSION.search(form.text or "")
            data.update(csrfmiddlewaretoken=match.group(1), narrative="Quarter's work (load benchmark).", case_studies="")
            data["version"] = version.group(1) if version else ""
            if submit:
                data["action"] = "submit"
            with self.client.post(
                path,
                data=data,
                allow_redirects=False,
                catch_response=True,
                name="return submit" if submit else "return save draft",
            ) as response:
                location = response.headers.get("Location", "")
                ok = response.status_code == 302 and (location.startswith("/returns/") if submit else location == path)
                if not ok:
                    response.failure(f"POST {path} answered {response.status_code} {location!r}")
                    return
            key = f"{agreement['pk']}/{agreement['year']}/{quarter}"
            if submit:
                saved["submitted"].append(key)
                saved["drafts"].pop(key, None)
                self.open.remove((agreement, quarter))
            else:
                saved["drafts"][key] = values

        @task(3)
        def save_draft(self):
            agreement, quarter = pick.choice(self.open)
            self.post_return(agreement, quarter, submit=False)

        @task(1)
        def submit(self):
            if len(self.open) > 1:  # keep a quarter open for drafts
                agreement, quarter = pick.choice(self.open)
                self.post_return(agreement, quarter, submit=True)

    class Trivial(SignedIn):
        def on_start(self):
            self.cookie = {"Cookie": f"sessionid={sessions[state['ready'] % len(sessions)]}"}
            state["ready"] += 1

        @task
        def ok(self):
            with self.client.get("/bench/ok/", name="trivial view", headers=self.cookie, catch_response=True) as response:
                if response.status_code != 200 or response.text != "ok":
                    response.failure(f"/bench/ok/ answered {response.status_code}")

    for cls in (Officer, Provider, Trivial):
        cls.host = host
    env = Environment(user_classes=[Trivial] if trivial else [Officer, Provider], events=events)
    runner = env.create_local_runner()
    runner.start(users, spawn_rate=users)
    deadline = time.monotonic() + 600
    while state["ready"] < users and time.monotonic() < deadline:
        gevent.sleep(0.2)
    if state["ready"] < users:
        raise SystemExit(f"only {state['ready']} of {users} users signed in")
    load_before = os.getloadavg()
    state["measuring"] = True
    started = time.monotonic()
    gevent.sleep(duration)
    state["measuring"], state["stopping"] = False, True
    elapsed = time.monotonic() - started
    deadline = time.monotonic() + 120
    while state["posting"] and time.monotonic() < deadline:  # let the returns being filed finish
        gevent.sleep(0.1)
    runner.quit()
    events.request.remove_listener(record)
    return {"timings": timings, "elapsed": elapsed, "errors": errors, "saved": saved, "load": (load_before, os.getloadavg())}


# --- figures --------------------------------------------------------------------------------------------------------


Timing = tuple[str, float, bool, tuple[int, int, int, int]]  # page, ms, failed, (app µs, db µs, queries, bytes)
# The bounds for any page of the mix (issue 21): its mean CPU (app and database) and its HTML.
CPU_BOUND_MS, BYTES_BOUND = 150, 300_000


def figures(timings: list[Timing], elapsed: float) -> dict:
    """Requests, req/s, latency percentiles, errors, and the mean cost per request as the server measured it."""
    times = sorted(t for _, t, _, _ in timings)
    n = max(len(times), 1)
    costs = [sum(cost[i] for *_, cost in timings) / n for i in range(4)]
    result = {
        "requests": len(times),
        "rps": len(times) / elapsed,
        "errors": sum(failed for _, _, failed, _ in timings),
        "app_ms": costs[0] / 1000,
        "db_ms": costs[1] / 1000,
        "queries": costs[2],
        "kb": costs[3] / 1000,
        "max_kb": max((cost[3] for *_, cost in timings), default=0) / 1000,
    }
    if len(times) < 2:  # nothing to interpolate: the one time (or none) is every percentile
        only = times[0] if times else 0
        return {**result, "p50": only, "p95": only, "p99": only}
    cuts = statistics.quantiles(times, n=100, method="inclusive")
    return {**result, "p50": cuts[49], "p95": cuts[94], "p99": cuts[98]}


HEADER = (
    f"{'':<34} {'requests':>9} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'errors':>7}"
    f" {'app CPU':>8} {'DB CPU':>7} {'queries':>8} {'KB':>7} {'max KB':>7}"
)


def row(label: str, f: dict) -> str:
    return (
        f"{label:<34} {f['requests']:>9,} {f['rps']:>8.1f} {f['p50']:>8.0f} {f['p95']:>8.0f} {f['p99']:>8.0f} {f['errors']:>7}"
        f" {f['app_ms']:>6.1f}ms {f['db_ms']:>5.1f}ms {f['queries']:>8.1f} {f['kb']:>7.1f} {f['max_kb']:>7.1f}"
    )


def main() -> None:
    if len(sys.argv) == 4 and sys.argv[1] == "--child":
        payload = json.loads(Path(sys.argv[3]).read_text())
        print(json.dumps(setup(payload) if sys.argv[2] == "setup" else verify(payload)))
        return
    import locust  # noqa: F401 - gevent patches the standard library first, before sockets are made

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50, help="Concurrent signed-in users (one officer to four providers)")
    parser.add_argument("--duration", type=float, default=60, help="Seconds measured, for each of the two runs")
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1, help="gunicorn sync workers")
    parser.add_argument(
        "--preset",
        choices=["large", "medium"],
        default="large",
        help="the dataset built when --var-dir has none: large (1,000,000 values) or medium (5 programmes, 100,000)",
    )
    parser.add_argument("--var-dir", default=str(ROOT / "var" / "bench-load"), help="SQLite file, static files, logs")
    args = parser.parse_args()
    Path(args.var_dir).mkdir(parents=True, exist_ok=True)
    database = "PostgreSQL" if os.environ.get("DATABASE_URL") else f"SQLite ({args.var_dir})"

    started = time.monotonic()
    plan = child("setup", args.var_dir, {"users": args.users, "preset": args.preset})
    print(f"setup: {time.monotonic() - started:.0f} s; {len(plan['officers'])} officers, {len(plan['providers'])} providers")
    port = free_port()
    server = start_gunicorn(args.var_dir, port, args.workers)
    try:
        host = f"http://127.0.0.1:{port}"
        sessions: list[str] = []
        app = run_load(host, plan, args.users, args.duration, trivial=False, sessions=sessions)
        floor = run_load(host, plan, args.users, args.duration, trivial=True, sessions=sessions)
    finally:
        server.terminate()
        server.wait(timeout=30)
    check = child("verify", args.var_dir, app["saved"])

    a, t = figures(app["timings"], app["elapsed"]), figures(floor["timings"], floor["elapsed"])
    print()
    print(f"database: {database}; gunicorn {args.workers} sync workers; {args.users} users, {args.duration:.0f} s a run")
    print(f"machine: {os.cpu_count()} CPUs; load generator (locust) on the same machine")
    print(HEADER)
    print(row("app: officers and providers", a))
    print(row("trivial view (the ceiling)", t))
    print(
        f"app / ceiling: {a['rps'] / max(t['rps'], 1e-9):.3f} of the requests per second; "
        f"p50 {a['p50'] / max(t['p50'], 1e-9):.1f}×"
    )
    for label, run in (("app", app), ("trivial", floor)):
        before, after = run["load"]
        print(f"load average during the {label} run: {before[0]:.2f} at the start, {after[0]:.2f} at the end (1 min)")
    print("\nby page (app run); CPU, queries and KB are means per request, measured in the server (bench/load_meter.py):")
    print(HEADER)
    over = []
    for name in sorted({n for n, *_ in app["timings"]}):
        page = figures([x for x in app["timings"] if x[0] == name], app["elapsed"])
        print(row(f"  {name}", page))
        if page["app_ms"] + page["db_ms"] > CPU_BOUND_MS or page["max_kb"] * 1000 > BYTES_BOUND:
            over.append(f"{name} ({page['app_ms'] + page['db_ms']:.0f} ms CPU, up to {page['max_kb']:.0f} KB)")
    print(
        f"CPU per request, app and database: {a['app_ms'] + a['db_ms']:.1f} ms for the app's mix, "
        f"{t['app_ms'] + t['db_ms']:.1f} ms for the trivial view"
    )
    print(f"pages over {CPU_BOUND_MS} ms of CPU or {BYTES_BOUND // 1000} KB of HTML: {', '.join(over) or 'none'}")
    print(
        f"\nreturns: {len(app['saved']['drafts'])} drafts' last values and {check['submitted']} submissions checked "
        f"in the database; {len(check['wrong'])} wrong"
    )
    problems = app["errors"] + floor["errors"] + check["wrong"]
    for problem in problems[:20]:
        print(f"  ! {problem}")
    if a["errors"] or t["errors"] or check["wrong"] or not check["checked"]:
        raise SystemExit("FAILED: errors under load, or the returns saved are not what the database holds")


if __name__ == "__main__":
    main()
