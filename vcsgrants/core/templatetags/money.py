"""Template filters for money and UK dates, loaded in every template."""

from decimal import Decimal

from django import template

register = template.Library()


@register.filter
def gbp(value) -> str:
    """£1,234.56 — negative as −£1,234.56; blank for None."""
    if value is None or value == "":
        return ""
    amount = Decimal(value)
    sign = "−" if amount < 0 else ""
    return f"{sign}£{abs(amount):,.2f}"


@register.filter
def signed_gbp(value) -> str:
    amount = Decimal(value or 0)
    return f"+{gbp(amount)}" if amount > 0 else gbp(amount)


@register.filter
def ukdate(value) -> str:
    return f"{value.day} {value:%B %Y}" if value else ""


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if mapping else None
