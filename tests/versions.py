"""The edit pages' version (core.concurrency), as a browser carries it: read from the page, posted back with the form."""

from __future__ import annotations

import re

VERSION = re.compile(r'name="version" value="([^"]*)"')


def page_version(client, url: str) -> str:
    """The hidden version field of the form at url, as the page shows it now."""
    page = client.get(url)
    assert page.status_code == 200, f"GET {url} answered {page.status_code}"
    found = VERSION.search(page.content.decode())
    assert found, f"{url} has no version field"
    return found.group(1)


def post_opened(client, url: str, data: dict):
    """Post the form as someone who has just opened the page: with the version it shows."""
    return client.post(url, {**data, "version": page_version(client, url)})
