"""Under the production settings the demo does not exist: `manage.py load_demo` fails saying why, the app is not
installed, and importing vcsgrants.demo raises ImproperlyConfigured. Run as the deployer would, in a subprocess
with the environment tests/core/test_production.py uses."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.core.test_production import production_env as production_settings_env

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def production_env(tmp_path) -> dict[str, str]:
    return production_settings_env(tmp_path)


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    # Our own interpreter with fixed arguments; no shell.
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False)  # noqa: S603


@pytest.mark.parametrize("command", ["load_demo", "generate_scale_data"])
def test_manage_py_refuses_the_demo_commands_under_the_production_settings_and_says_why(production_env, command):
    done = run(["manage.py", command], production_env)
    assert done.returncode != 0
    assert f"{command} is not available under the production settings (vcsgrants.production)" in done.stderr
    assert "DJANGO_SETTINGS_MODULE=vcsgrants.settings" in done.stderr
    assert "Traceback" not in done.stderr  # a sentence, not Django's bare "Unknown command"


def test_the_demo_app_is_not_installed_and_cannot_be_imported_under_the_production_settings(production_env):
    script = (
        "import django; django.setup()\n"
        "from django.apps import apps\n"
        "from django.core.management import get_commands\n"
        "print('installed:', apps.is_installed('vcsgrants.demo'), 'load_demo' in get_commands())\n"
        "import vcsgrants.demo\n"
    )
    done = run(["-c", script], production_env)
    assert "installed: False False" in done.stdout
    assert done.returncode != 0
    last_line = done.stderr.strip().splitlines()[-1]
    assert last_line.startswith("django.core.exceptions.ImproperlyConfigured: The demo (vcsgrants.demo: load_demo")
    assert "is not available under the production settings (PRODUCTION = True in vcsgrants.production)" in last_line


def test_under_the_development_settings_the_demo_is_there(production_env):
    env = {**production_env, "DJANGO_SETTINGS_MODULE": "vcsgrants.settings"}
    done = run(["manage.py", "help", "load_demo"], env)
    assert done.returncode == 0, done.stderr
    assert "refuses a database holding anything else" in " ".join(done.stdout.split())
