from django import template

from vcsgrants.core import sso

register = template.Library()


@register.simple_tag
def sso_provider_name() -> str:
    """ "your council account" (or the configured name) when single sign-on is set up, else ""."""
    return sso.provider_name()
