"""One way to page a long list: `paginate` in the view, `includes/pagination.html` in the template.

The rule (docs/development/architecture.md, "Long lists page"): a list or table that can hold more than about 50
rows when a large funder's data is loaded is paged (or summarised), never shown whole; its downloads still give
every row. A page keeps the request's other query parameters (filters, the year, the quarter, another table's page) on its links.
"""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import urlencode

from django.core.paginator import Page, Paginator

PAGE_SIZE = 50


def paginate(request, items: Sequence, per_page: int = PAGE_SIZE, *, param: str = "page", anchor: str = "") -> Page:
    """The page of `items` that `?<param>=` asks for (the first when missing, the last when beyond the end).

    The page carries what the pagination include needs: `param`, `query` (the other query parameters, encoded)
    and `numbers` (page numbers with None for an ellipsis, GOV.UK style: first, last, and one either side).
    """
    paginator = Paginator(items, per_page)
    page = paginator.get_page(request.GET.get(param))
    others = [(key, value) for key, values in request.GET.lists() if key != param for value in values]
    page.param = param
    page.query = urlencode(others)
    page.anchor = anchor
    page.numbers = [
        None if n == Paginator.ELLIPSIS else n for n in paginator.get_elided_page_range(page.number, on_each_side=1, on_ends=1)
    ]
    return page
