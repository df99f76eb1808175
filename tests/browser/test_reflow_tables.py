"""Wide pages reflow (WCAG 2.2 1.4.10): at 320 CSS px, at 640 (a 1280 px window at 200% zoom) and at 1280 px.

Each page is loaded once and measured at each width (resizing the window, as zooming does). On every page:
the page itself never scrolls sideways, only a table's own wrapper does; every table sits in the shared
wrapper (includes its ``{% table_region %}`` tag), which is focusable and named; each link or button in a table
is at least 24 by 24 CSS px or far enough from its neighbours (2.5.8 Target Size, minimum); no button in a
table is stretched to the width of its cell; text in a chart is never smaller than 12 CSS px; and the
officers' navigation folds behind a "Menu" button on a narrow screen.
"""

from __future__ import annotations

import time

from playwright.sync_api import expect

from vcsgrants.engagement.models.meetings import Meeting
from vcsgrants.equity.models import OptionSet
from vcsgrants.funding.models import Agreement, FundingStream

PASSWORD = "demo-pass-2022"
PROVIDER = "provider-kestrel-voluntary-action-demo"
WIDTHS = (1280, 640, 320)
PROGRAMME = "vcs-infrastructure"

# What the page measures: everything a user would notice, gathered in one round trip per width.
MEASURE = """() => {
  const problems = [];
  const scrollWidth = Math.max(document.documentElement.scrollWidth, document.scrollingElement.scrollWidth);
  if (scrollWidth > window.innerWidth) {
    // Name the widest culprits so a failure says what to fix.
    const wide = [...document.querySelectorAll('body *')]
      .filter(el => el.getBoundingClientRect().right > window.innerWidth + 1 && !el.closest('.app-table-wrapper'))
      .slice(-3).map(el => el.tagName + '.' + el.className + ' right=' + Math.round(el.getBoundingClientRect().right));
    problems.push(`page scrolls sideways: ${scrollWidth} > ${window.innerWidth} (${wide.join('; ')})`);
  }
  const named = el => {
    if ((el.getAttribute('aria-label') || '').trim()) return true;
    const ids = (el.getAttribute('aria-labelledby') || '').split(/\\s+/).filter(Boolean);
    return ids.length > 0 && ids.every(id => (document.getElementById(id)?.textContent || '').trim());
  };
  for (const table of document.querySelectorAll('main table')) {
    const wrapper = table.closest('.app-table-wrapper');
    const what = (table.querySelector('caption, th')?.textContent || table.id).trim().slice(0, 60);
    if (!wrapper) { problems.push(`a table is not in the shared wrapper: ${what}`); continue; }
    if (wrapper.getAttribute('tabindex') !== '0' || wrapper.getAttribute('role') !== 'region' || !named(wrapper))
      problems.push(`a table wrapper is not focusable, a region and named: ${wrapper.outerHTML.slice(0, 120)}`);
    if (getComputedStyle(wrapper).position === 'static') problems.push('a table wrapper is not positioned');
  }
  for (const el of document.querySelectorAll('main *')) {
    const style = getComputedStyle(el);
    if (['auto', 'scroll'].includes(style.overflowX) && el.scrollWidth > el.clientWidth + 1 && el.tagName !== 'TEXTAREA'
        && !(el.getAttribute('tabindex') === '0' && el.getAttribute('role') === 'region' && named(el)))
      problems.push(`a scrolling region cannot be reached or has no name: ${el.outerHTML.slice(0, 120)}`);
  }
  // Target size (2.5.8): each target is 24x24, or a 24 px circle on its centre touches no other target or circle.
  const targets = [...document.querySelectorAll('main table a[href], main table button, main table input[type=submit]')]
    .map(el => ({el, r: el.getBoundingClientRect()})).filter(t => t.r.width > 0 && t.r.height > 0);
  const small = t => t.r.width < 23.5 || t.r.height < 23.5;
  const centre = t => [t.r.left + t.r.width / 2, t.r.top + t.r.height / 2];
  const distToRect = ([x, y], r) => Math.hypot(Math.max(r.left - x, 0, x - r.right), Math.max(r.top - y, 0, y - r.bottom));
  for (const t of targets.filter(small)) {
    const c = centre(t);
    const clash = targets.find(o => o !== t && (small(o)
      ? Math.hypot(c[0] - centre(o)[0], c[1] - centre(o)[1]) < 24
      : distToRect(c, o.r) < 12));
    if (clash) problems.push(`target too small and too close: "${t.el.textContent.trim().slice(0, 40)}" ` +
      `${Math.round(t.r.width)}x${Math.round(t.r.height)} near "${clash.el.textContent.trim().slice(0, 40)}"`);
  }
  for (const b of document.querySelectorAll('main table .govuk-button')) {
    const cell = b.closest('td, th');
    if (cell && cell.getBoundingClientRect().width > 150 && b.getBoundingClientRect().width >= cell.clientWidth - 1)
      problems.push(`a button fills its table cell: ${b.textContent.trim()}`);
  }
  // Chart text: at least 12 CSS px as drawn (only the chart on show: the other layout is display: none).
  for (const text of document.querySelectorAll('main svg text')) {
    const r = text.getBoundingClientRect();
    if (r.width === 0 && r.height === 0) continue;
    const size = parseFloat(getComputedStyle(text).fontSize) * (text.ownerSVGElement.getScreenCTM()?.a || 1);
    if (size < 11.95) { problems.push(`chart text ${size.toFixed(1)} px: ${text.textContent.slice(0, 30)}`); break; }
  }
  return problems;
}"""


def _pages() -> dict[str, list[tuple[str, str]]]:
    """Role → the wide pages (name, URL) that role sees: the ones the audit found scrolling, and their neighbours."""
    agreement = Agreement.objects.get(reference="SLA-2020-001")
    stream = FundingStream.objects.filter(programme__slug=PROGRAMME).order_by("pk").first()
    option_set = OptionSet.objects.order_by("pk").first()
    meeting = Meeting.objects.filter(actions__isnull=False).order_by("-date").first()
    p = f"/programmes/{PROGRAMME}"
    officer = [
        ("home", "/"),
        ("programme", f"{p}/"),
        ("performance", f"{p}/performance/"),
        ("by provider", f"{p}/performance/providers/"),
        ("by district", f"{p}/performance/districts/"),
        ("trends", f"{p}/performance/trends/"),
        ("agreement", f"/agreements/{agreement.pk}/"),
        ("agreement monitoring", f"/agreements/{agreement.pk}/monitoring/"),
        ("allocations", f"{p}/streams/{stream.pk}/allocations/"),
        ("forecast", f"{p}/forecast/"),
        ("actions", f"{p}/actions/"),
        ("meeting", f"/meetings/{meeting.pk}/"),
        ("organisation", f"/organisations/{agreement.organisation_id}/"),
        ("organisations", "/organisations/"),
        ("payments", "/payments/"),
        ("framework", f"{p}/framework/"),
        ("overdue returns", "/returns/overdue/"),
    ]
    if option_set is not None:
        officer.append(("option set", f"/option-sets/{option_set.pk}/"))
    provider = [("provider home", "/"), ("provider agreement monitoring", f"/agreements/{agreement.pk}/monitoring/")]
    return {"officer": officer, PROVIDER: provider}


def test_wide_pages_reflow_at_320_px_and_200_percent_zoom(demo, page, live_server, login_as, screenshot):
    started = time.monotonic()
    problems: list[str] = []
    pages_by_role = _pages()
    for username, pages in pages_by_role.items():
        page.context.clear_cookies()
        page.set_viewport_size({"width": 1280, "height": 900})
        login_as(page, live_server, username, PASSWORD)
        for name, path in pages:
            page.set_viewport_size({"width": 1280, "height": 900})
            response = page.goto(live_server.url + path)
            assert response.ok, f"{name}: {path} answered {response.status}"
            for width in WIDTHS:
                page.set_viewport_size({"width": width, "height": 900})
                problems.extend(f"{name} ({path}) at {width} px: {p}" for p in page.evaluate(MEASURE))
            if name in ("programme", "performance", "forecast", "provider home"):
                screenshot(page, f"reflow-320-{name}")
    print(
        f"\nLoaded {sum(len(p) for p in pages_by_role.values())} pages, each measured at {len(WIDTHS)} widths, "
        f"in {time.monotonic() - started:.1f} s"
    )
    assert not problems, "\n".join(problems)


def test_the_officers_menu_folds_behind_a_button_on_a_narrow_screen(demo, page, live_server, login_as):
    page.set_viewport_size({"width": 320, "height": 900})
    login_as(page, live_server, "officer", PASSWORD)
    menu = page.get_by_role("button", name="Menu")
    expect(menu).to_be_visible()
    expect(menu).to_have_attribute("aria-expanded", "false")
    links = page.locator("#navigation")
    expect(links).to_be_hidden()
    menu.click()
    expect(links).to_be_visible()
    expect(menu).to_have_attribute("aria-expanded", "true")
    page.set_viewport_size({"width": 1280, "height": 900})
    expect(menu).to_be_hidden()
    expect(links).to_be_visible()
