"""The accessibility crawl's machinery (issue 18): which pages each role reaches, axe-core with the WCAG A/AA tags, the
width check and the empty-form check. The test is tests/browser/test_accessibility_crawl.py; the keyboard journeys are
tests/browser/test_keyboard_journeys.py (they share `focus_is_visible`).
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.test import Client
from django.urls import Resolver404, resolve

from tests.browser.conftest import AXE_JS, _target
from tests.test_permissions import MATRIX, OWN_PROVIDER, ROLES, our_url_names, url_for
from vcsgrants.core.models import CouncilSettings, User
from vcsgrants.funding.models import Agreement

# WCAG 2.0, 2.1 and 2.2 at levels A and AA (axe has no wcag22a tag: 2.2's only new A rule is not automatable).
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
WIDTHS = (320, 1280)
HEIGHT = 900

# Pages that answer with a file (CSV, XLSX, PDF, an upload, the logo) or plain text, not an HTML page.
NOT_HTML = re.compile(r"export|download|-csv|-xlsx|template$|council-logo|healthz|answer-file|consultation-public-document")
NOT_FOLLOWED = ("/accounts/logout/", "/admin/", "/static/", "/media/", "/api/")
# Each role's own Django pages outside MATRIX (tests/test_permissions.py leaves accounts/ to Django).
ACCOUNT_PAGES = {"anonymous": ["/accounts/login/"], "signed-in": ["/accounts/password_change/"]}
# The role whose view of a page axe reads: the first in this order that reaches it. Officers see the most; the
# others only where no officer goes (an applicant's application form, an assessor's scoring page, the sign-in page).
AXE_ROLE_ORDER = [
    "officer",
    "admin",
    "finance",
    "cabinet",
    "partner",
    "partner-icb",
    "provider",
    "applicant",
    "assessor",
    "anonymous",
]


def username(role: str) -> str:
    return OWN_PROVIDER if role == "provider" else role


def pattern_of(path: str) -> tuple[str, str] | None:
    """(page name, its route such as agreements/<int:pk>/) of a path, or None for a path that is not a page of ours."""
    try:
        match = resolve(path.split("?")[0].split("#")[0])
    except Resolver404:
        return None
    return match.url_name or match.route, match.route or "(home)"


def session_cookie(role: str, base_url: str) -> list[dict]:
    """The signed-in session of a demo role, made with Django's test client (a sign-in through the form per role
    would cost a page load and a password hash each)."""
    if role == "anonymous":
        return []
    client = Client()
    client.force_login(User.objects.get(username=username(role)))
    morsel = client.cookies[settings.SESSION_COOKIE_NAME]
    return [{"name": settings.SESSION_COOKIE_NAME, "value": morsel.value, "url": base_url}]


def prepare_demo() -> None:
    """What tests/test_permissions.py's walk adds to the demo so that every page has something to show: an
    agreement document and the council's logo."""
    from django.core.files.base import ContentFile
    from django.core.files.uploadedfile import SimpleUploadedFile

    from vcsgrants.funding.services.agreements import document_upload

    own = User.objects.get(username=OWN_PROVIDER)
    agreement = Agreement.objects.filter(organisation=own.organisation).first()
    officer = User.objects.get(username="officer")
    document = document_upload(
        agreement=agreement, title="Signed SLA", upload=SimpleUploadedFile("sla.txt", b"signed"), actor=officer
    )
    CouncilSettings.objects.get(pk=1).logo.save("logo.png", ContentFile(b"\x89PNG\r\n\x1a\n"))
    return agreement, document


def start_urls() -> dict[str, list[str]]:
    """Each role's HTML pages as the permission MATRIX knows them (the pages it may GET), one URL a page."""
    agreement, document = prepare_demo()
    urls = {name: url_for(name, agreement, document) for name, (may_get, _) in MATRIX.items() if may_get}
    assert set(MATRIX) == set(our_url_names())
    per_role = {}
    for role in ROLES:
        own = [urls[name] for name, (may_get, _) in MATRIX.items() if role in may_get and not NOT_HTML.search(name)]
        own += ACCOUNT_PAGES["anonymous" if role == "anonymous" else "signed-in"]
        per_role[role] = own
    return per_role


@dataclass
class Seen:
    """What the crawl found: each (role, page) once, with the URL it was read at."""

    urls: dict[tuple[str, str], str] = field(default_factory=dict)  # (role, name) → url
    routes: dict[str, str] = field(default_factory=dict)  # name → route
    problems: list[str] = field(default_factory=list)

    def roles_of(self) -> dict[str, list[str]]:
        out = defaultdict(list)
        for role, name in self.urls:
            out[name].append(role)
        return out


AXE_RUN = """async (tags) => {
  const result = await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']});
  return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map(n => ({target: n.target}))}));
}"""

WIDER_THAN_VIEWPORT = """() => {
  const root = document.documentElement;
  if (root.scrollWidth <= root.clientWidth) return null;
  // The widest element that sticks out, to say where to look.
  let worst = null, right = root.clientWidth;
  for (const el of document.body.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    if (r.right > right + 1) { right = r.right; worst = el; }
  }
  const name = worst ? worst.tagName.toLowerCase() + (worst.id ? '#' + worst.id : '') +
    (worst.className && typeof worst.className === 'string' ? '.' + worst.className.trim().split(/\\s+/).join('.') : '') : '?';
  return root.scrollWidth + 'px wide, widest: ' + name;
}"""


def axe(page) -> list[dict]:
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(AXE_JS.read_text())  # not a <script>: the Content-Security-Policy refuses inline scripts
    return page.evaluate(AXE_RUN, AXE_TAGS)


def axe_lines(violations: list[dict], where: str) -> list[str]:
    lines = []
    for v in violations:
        targets = [_target(n) for n in v["nodes"]]
        more = f" (+{len(targets) - 2} more)" if len(targets) > 2 else ""
        lines.append(f"{where} {v['id']} [{v['impact']}] at {'; '.join(targets[:2])}{more}")
    return lines


FOCUS_YELLOW = "rgb(255, 221, 0)"

FOCUS_STYLE = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  // A GOV.UK radio or checkbox input is see-through: its focus ring is drawn on the label's ::before box.
  const drawn = el.matches('.govuk-radios__input, .govuk-checkboxes__input') && el.nextElementSibling
    ? getComputedStyle(el.nextElementSibling, '::before') : getComputedStyle(el);
  const s = getComputedStyle(el);
  return {tag: el.tagName.toLowerCase(), id: el.id, text: (el.innerText || el.value || '').trim().slice(0, 60),
          outline: s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2 ? s.outlineColor : '',
          background: s.backgroundColor, shadow: drawn.boxShadow + ' ' + s.boxShadow};
}"""


def focus_is_visible(style: dict | None) -> bool:
    """GOV.UK's focus state: a yellow outline (inputs, buttons' outline) or yellow background (links) or yellow
    box-shadow."""
    if not style:
        return False
    return FOCUS_YELLOW in (style["outline"], style["background"]) or FOCUS_YELLOW in (style["shadow"] or "")


POST_FORMS = """() => Array.from(document.querySelectorAll('main form')).map((form, index) => ({index, method:
  (form.getAttribute('method') || 'get').toLowerCase(), action: form.getAttribute('action') || '',
  fields: Array.from(form.elements).filter(el => el.matches(
    'input:not([type=hidden]):not([type=submit]):not([type=button]):not([type=image]), select, textarea')).length}))
  .filter(f => f.method === 'post' && f.fields > 0 && !f.action.includes('/logout'))"""

EMPTY_AND_SUBMIT = """(index) => {
  const form = document.querySelectorAll('main form')[index];
  for (const el of form.elements) {
    if (el.matches('input[type=checkbox], input[type=radio]')) el.checked = false;
    else if (el.matches('select')) {
      const blank = Array.from(el.options).findIndex(o => o.value === '');
      if (el.multiple) Array.from(el.options).forEach(o => { o.selected = false; });
      else el.selectedIndex = blank;
    } else if (el.matches('input:not([type=hidden]):not([type=submit]):not([type=button]), textarea')) {
      if (el.type === 'file') el.value = ''; else el.value = '';
    }
  }
  form.noValidate = true;  // the server's answer is under test, not the browser's own bubbles
  const submitter = form.querySelector('button:not([type=button]), input[type=submit]');
  form.requestSubmit(submitter || undefined);
}"""

ERROR_LINKS = """() => Array.from(document.querySelectorAll('.govuk-error-summary a[href^="#"]'),
  a => ({href: a.getAttribute('href'), text: a.innerText.trim()}))"""

FOCUSED_FIELD = """() => {
  const el = document.activeElement;
  return el && el.matches('input, select, textarea') ? (el.id || el.name || el.tagName) : null;
}"""
