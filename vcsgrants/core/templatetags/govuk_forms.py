"""Template filters for the GOV.UK error summary (a builtin: no {% load %} needed)."""

from django import template

register = template.Library()


@register.filter
def first_field_id(form) -> str:
    """The id a problem with the whole form links to from the error summary: its first field's (GOV.UK asks that
    every summary item be a link that moves the focus to a field). A formset gives its first form's first field."""
    forms = getattr(form, "forms", None)
    if forms is not None:
        form = forms[0] if forms else None
    visible_fields = getattr(form, "visible_fields", None)
    fields = visible_fields() if visible_fields else []
    return fields[0].error_target_id if fields else ""
