"""The one wrapper for every table: ``{% table_region "Label" %}<table>…</table>{% endtable_region %}``.

It renders ``<div class="app-table-wrapper" tabindex="0" role="region" aria-label="Label">`` around the table:

- positioned (``position: relative`` in vcsgrants.css), so a table's visually hidden text is placed inside the
  wrapper and clipped by it, instead of escaping and widening the whole page;
- scrolling sideways inside itself when the table is wider than the screen (WCAG 1.4.10 Reflow), so the page
  never does;
- focusable and named, so a keyboard user can scroll it and a screen reader says what it holds (axe
  ``scrollable-region-focusable``; WCAG 2.1.1).

Name it with a label (strings and template variables, joined), or ``labelledby="some-id"`` to point at a caption or heading
with that id; with neither, the table's own ``<caption>`` text names it.
"""

from __future__ import annotations

import re
from html import unescape

from django import template
from django.utils.html import format_html, strip_tags

WRAPPER = '<div class="app-table-wrapper" tabindex="0" role="region" aria-label="{}">{}</div>'
CAPTION = re.compile(r"<caption\b[^>]*>(.*?)</caption>", re.S | re.I)

register = template.Library()


class TableRegionNode(template.Node):
    def __init__(self, nodelist, label_parts, labelledby):
        self.nodelist, self.label_parts, self.labelledby = nodelist, label_parts, labelledby

    def render(self, context) -> str:
        inner = self.nodelist.render(context)
        if self.labelledby is not None:
            labelledby = str(self.labelledby.resolve(context) or "").strip()
            if not labelledby:
                raise template.TemplateSyntaxError("table_region: labelledby names no id")
            return format_html(WRAPPER.replace("aria-label", "aria-labelledby"), labelledby, inner)
        if self.label_parts:
            label = "".join(str(part.resolve(context)) for part in self.label_parts).strip()
        else:
            caption = CAPTION.search(inner)
            label = " ".join(unescape(strip_tags(caption.group(1))).split()) if caption else ""
        if not label:
            raise template.TemplateSyntaxError("table_region needs a label, or a table with a caption, to say what it holds")
        return format_html(WRAPPER, label, inner)


@register.tag
def table_region(parser, token):
    """``{% table_region "Payments due" %}`` (several parts are joined: ``{% table_region "Lot " lot.number %}``),
    ``{% table_region labelledby="caption-id" %}`` or, to be named by the table's caption, ``{% table_region %}``;
    closed by ``{% endtable_region %}``."""
    bits = token.split_contents()[1:]
    labelledby = None
    label_parts = []
    for bit in bits:
        if bit.startswith("labelledby="):
            labelledby = parser.compile_filter(bit.split("=", 1)[1])
        else:
            label_parts.append(parser.compile_filter(bit))
    if label_parts and labelledby is not None:
        raise template.TemplateSyntaxError("table_region takes a label or labelledby=, not both")
    nodelist = parser.parse(("endtable_region",))
    parser.delete_first_token()
    return TableRegionNode(nodelist, label_parts, labelledby)
