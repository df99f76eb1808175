"""Start the real OpenID provider of tests/oidc/provider.mjs (the certified oidc-provider, under Node) for a test.

`make test-browser` (and `make test`) installs it first with `npm ci` from tests/oidc/package-lock.json. Where node
or the package is missing the test fails, saying how to install it; it never skips.
"""

from __future__ import annotations

import json
import os
import select
import shutil
import subprocess
import time
from pathlib import Path

import pytest

OIDC_DIR = Path(__file__).resolve().parent / "oidc"
START_SECONDS = 30


class OidcProvider:
    """The running provider: its issuer, and the accounts file it reads at each sign-in (`set_account`)."""

    def __init__(self, issuer: str, accounts_file: Path, accounts: dict):
        self.issuer = issuer
        self.accounts_file = accounts_file
        self.accounts = accounts

    def set_account(self, login: str, **claims) -> None:
        self.accounts[login] = claims
        self.accounts_file.write_text(json.dumps(self.accounts))


def start_provider(tmp_path: Path, *, redirect_uri: str, client_id: str, client_secret: str, accounts: dict):
    """Popen and OidcProvider; the caller terminates the process."""
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is missing: the single sign-on test needs Node 20+ (apt-get install -y nodejs npm)", pytrace=False)
    if not (OIDC_DIR / "node_modules" / "oidc-provider").is_dir():
        pytest.fail("oidc-provider is not installed: run `npm ci --prefix tests/oidc` (make test-browser does)", pytrace=False)
    accounts_file = tmp_path / "oidc-accounts.json"
    accounts_file.write_text(json.dumps(accounts))
    env = {
        **os.environ,
        "OIDC_REDIRECT_URI": redirect_uri,
        "OIDC_CLIENT_ID": client_id,
        "OIDC_CLIENT_SECRET": client_secret,
        "OIDC_ACCOUNTS": str(accounts_file),
    }
    log = tmp_path / "oidc-provider.log"  # its warnings and errors, for a failing test
    with log.open("w") as errors:
        process = subprocess.Popen(  # noqa: S603 - our own script, with node from PATH
            [node, str(OIDC_DIR / "provider.mjs")], stdout=subprocess.PIPE, stderr=errors, env=env, text=True
        )
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        ready, _, _ = select.select([process.stdout], [], [], max(0.0, deadline - time.monotonic()))
        if not ready:
            break
        line = process.stdout.readline()
        if not line:
            break
        if line.startswith("{"):
            return process, OidcProvider(json.loads(line)["issuer"], accounts_file, accounts)
    process.kill()
    pytest.fail(f"The OpenID provider (tests/oidc/provider.mjs) did not start: {log.read_text()[-2000:]}", pytrace=False)
