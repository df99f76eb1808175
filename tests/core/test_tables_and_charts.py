"""The shared table wrapper ({% table_region %}) and the charts' reflow and contrast (WCAG 1.4.10, 1.4.11, 2.1.1).

The browser test tests/browser/test_reflow_tables.py measures the pages; these pin the pieces without a browser.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from decimal import Decimal as D
from pathlib import Path

import pytest
from django.template import Context, Template, TemplateSyntaxError

from vcsgrants.core import charts

TEMPLATES = Path(__file__).resolve().parents[2] / "vcsgrants" / "templates"
SVG = "{http://www.w3.org/2000/svg}"


def render(source: str, **context) -> str:
    return Template(source).render(Context(context))


def test_every_table_in_every_template_is_in_the_shared_wrapper():
    """No template opens a table outside {% table_region %}, or hand-writes a wrapper of its own."""
    unwrapped = []
    for path in TEMPLATES.rglob("*.html"):
        text = path.read_text()
        if "report-table" in text:  # the report's own document (its PDF and its preview box), not a page table
            continue
        depth = 0
        for token in re.finditer(r"\{% table_region[^%]*%\}|\{% endtable_region %\}|<table\b|table-wrapper", text):
            if token.group().startswith("{% table_region"):
                depth += 1
            elif token.group() == "{% endtable_region %}":
                depth -= 1
            elif token.group() == "table-wrapper" or depth == 0:
                line = text[: token.start()].count("\n") + 1
                unwrapped.append(f"{path.relative_to(TEMPLATES)}: {token.group()} at line {line}")
    assert not unwrapped, "\n".join(unwrapped)


def test_the_wrapper_is_focusable_a_region_and_named_by_its_label_or_the_caption():
    html = render('{% table_region "Payments for " year %}<table></table>{% endtable_region %}', year="2024-25")
    wrapper = '<div class="app-table-wrapper" tabindex="0" role="region" aria-label="Payments for 2024-25">'
    assert html == f"{wrapper}<table></table></div>"
    html = render('{% table_region %}<table><caption class="x">By <b>area</b> &amp; year</caption></table>{% endtable_region %}')
    assert 'aria-label="By area &amp; year"' in html
    html = render('{% table_region labelledby="cap-1" %}<table></table>{% endtable_region %}')
    assert 'aria-labelledby="cap-1"' in html and "aria-label=" not in html
    assert 'aria-label="&lt;script&gt;"' in render("{% table_region name %}<table></table>{% endtable_region %}", name="<script>")


def test_a_table_with_nothing_to_name_it_fails_loudly():
    with pytest.raises(TemplateSyntaxError):
        render("{% table_region %}<table></table>{% endtable_region %}")


def _luminance(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    r, g, b = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


SAMPLES = {
    "line": lambda width: charts.line_chart(
        title="Groups supported",
        desc="d",
        labels=[f"Q{q} 20{y}-{y + 1}" for y in (21, 22) for q in (1, 2, 3, 4)],
        series=[
            charts.Series("Actual", [D(150), D(180), None, D(140), D(150), D(140), D(120), D(160)]),
            charts.Series("Target", [D(150)] * 8, colour="#0b0c0c", dashed=True, marker="square"),
        ],
        y_label="Groups",
        width=width,
    ),
    "rag": lambda width: charts.stacked_bar(
        title="KPIs by rating",
        desc="d",
        segments=[
            charts.Segment("Green", 10, "#00703c"),
            charts.Segment("Amber", 3, "#ffdd00", "#0b0c0c"),
            charts.Segment("Red", 1, "#d4351c"),
            charts.Segment("No data", 0, "#b1b4b6", "#0b0c0c"),
        ],
        width=width,
    ),
    "bars": lambda width: charts.grouped_bars(
        title="Commitments against known budgets",
        desc="d",
        labels=["2023-24", "2024-25 (flagged)", "A district with a very long name indeed"],
        series=[charts.Series(f"Option {n}", [D(100 * n), D(90), None], colour=c) for n, c in enumerate(charts.PALETTE)],
        format_value=lambda v: f"£{v:,.0f}",
        width=width,
    ),
}


@pytest.mark.parametrize("kind", SAMPLES)
@pytest.mark.parametrize("width", [charts.NARROW, 720, 900])
def test_charts_keep_text_readable_inside_the_drawing_and_colours_at_3_to_1(kind, width):
    svg = ET.fromstring(SAMPLES[kind](width))  # noqa: S314 (our own output)
    view_width = float(svg.get("viewBox").split()[2])
    assert view_width == width and svg.get("font-size") == str(charts.FONT_SIZE)
    background = svg.find(f"{SVG}rect")
    assert background.get("fill") == charts.BACKGROUND and background.get("width") == str(width)
    for text in svg.iter(f"{SVG}text"):
        assert float(text.get("font-size", charts.FONT_SIZE)) >= charts.FONT_SIZE, text.text
        # Wrapped legends and narrow labels stay inside the drawing (Arial at 14 px: about 6.5 px a character).
        x = float(text.get("x"))
        w = 6.5 * len(text.text or "")
        left = {"end": x - w, "middle": x - w / 2}.get(text.get("text-anchor"), x)
        assert -2 <= left and left + w <= width + 2, (kind, width, text.text)
    for shape in [*svg.iter(f"{SVG}rect"), *svg.iter(f"{SVG}circle"), *svg.iter(f"{SVG}polyline")]:
        if shape is background:
            continue
        fill, stroke = shape.get("fill"), shape.get("stroke")
        colours = [c for c in (fill, stroke) if c and c.startswith("#") and c != charts.BACKGROUND]
        assert any(contrast(c, charts.BACKGROUND) >= 3 for c in colours), (kind, fill, stroke)


def test_a_responsive_chart_has_both_layouts_with_their_own_ids():
    html = charts.responsive(SAMPLES["bars"], wide=900)
    assert html.count("<svg") == 2 and 'class="app-chart-wide app-chart-wide--900"' in html
    ids = re.findall(r' id="([^"]+)"', html)
    assert len(ids) == len(set(ids)), ids
    with pytest.raises(ValueError):
        charts.responsive(SAMPLES["bars"], wide=640)
