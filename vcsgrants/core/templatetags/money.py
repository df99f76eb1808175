"""Template filters for money and UK dates, loaded in every template."""

from decimal import Decimal

from django import template

from vcsgrants.core.money import long_date

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
    return long_date(value) if value else ""


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if mapping else None


@register.filter
def gbp_pence(value) -> str:
    """Whole pence as pounds: 4522800 → £45,228.00."""
    return "" if value is None else gbp(Decimal(value) / 100)


@register.filter
def signed_percent(value) -> str:
    """A percentage with its sign: 5.23 → +5.2%, -10 → −10.0%; blank for None."""
    if value is None:
        return ""
    pct = Decimal(value)
    return f"+{pct:,.1f}%" if pct > 0 else f"−{abs(pct):,.1f}%" if pct < 0 else "0.0%"


@register.filter
def signed_pct(value) -> str:
    """A fraction as a signed percentage: 0.0523 → +5.2%; blank for None."""
    return "" if value is None else signed_percent(Decimal(value) * 100)


@register.filter
def get_index(sequence, index):
    """sequence[index], or None past its end."""
    try:
        return sequence[int(index)]
    except (IndexError, TypeError, ValueError):
        return None
