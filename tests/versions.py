"""The edit pages' version (core.concurrency), as a browser carries it: read from the page, posted back with the form."""

from __future__ import annotations

import re
from html.parser import HTMLParser

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


class _FormReader(HTMLParser):
    """The values a browser would submit from the page's POST form(s): inputs, checked boxes, textareas, selects."""

    def __init__(self):
        super().__init__()
        self.data: dict[str, list[str]] = {}
        self.in_post_form = False
        self.textarea: str | None = None
        self.select: str | None = None

    def add(self, name, value):
        self.data.setdefault(name, []).append(value)

    def handle_starttag(self, tag, attrs):
        a = {k: (v or "") for k, v in attrs}
        if tag == "form":
            self.in_post_form = a.get("method", "").lower() == "post"
        if not self.in_post_form or not a.get("name") and tag != "option":
            return
        if tag == "input" and a.get("type") not in ("submit", "button", "file"):
            if a.get("type") in ("checkbox", "radio") and "checked" not in a:
                return
            self.add(a["name"], a.get("value", "on" if a.get("type") == "checkbox" else ""))
        elif tag == "textarea":
            self.textarea = a["name"]
            self.add(self.textarea, "")
        elif tag == "select":
            self.select = a["name"]
        elif tag == "option" and self.select and "selected" in a:
            self.add(self.select, a.get("value", ""))

    def handle_endtag(self, tag):
        if tag == "form":
            self.in_post_form = False
        elif tag == "textarea":
            self.textarea = None
        elif tag == "select":
            self.select = None

    def handle_data(self, data):
        if self.textarea:
            self.data[self.textarea][-1] += data.removeprefix("\n") if not self.data[self.textarea][-1] else data


def shown_form(response) -> dict[str, list[str]]:
    """The form's fields with the values a page shows after a post (a form shown again), as a browser would resubmit it."""
    reader = _FormReader()
    reader.feed(response.content.decode())
    return reader.data


def opened_form(client, url: str) -> dict[str, list[str]]:
    """Open the page at url as a browser does: the form's fields with the values it shows (its version among them)."""
    page = client.get(url)
    assert page.status_code == 200, f"GET {url} answered {page.status_code}"
    reader = _FormReader()
    reader.feed(page.content.decode())
    assert "version" in reader.data, f"{url} has no version field"
    return reader.data
