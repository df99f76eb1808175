"""How lists page, apart from base.py: DRF reads DEFAULT_PAGINATION_CLASS while its generic views are imported, so
the class must live in a module that imports none of them."""

from __future__ import annotations

from rest_framework.pagination import LimitOffsetPagination

# The largest id a request may name: a 64-bit integer, as both databases store ids. A larger one is a 400 at its
# field, not a database overflow (a 500).
MAX_ID = 2**63 - 1


class Pagination(LimitOffsetPagination):
    """Lists by limit and offset: 100 a page unless limit says otherwise, never more than 1000 (a larger limit
    gives 1000); an offset past the end gives an empty page. Neither ever reaches the database out of range."""

    max_limit = 1000

    def get_offset(self, request):
        return min(super().get_offset(request), MAX_ID - self.max_limit)
