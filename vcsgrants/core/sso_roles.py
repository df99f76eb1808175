"""Single sign-on: which of the service's roles a council identity provider's claims give (pure: no Django).

The council's identity provider (Entra ID, say) puts the person's groups, or the application roles assigned to them,
in one claim of the ID token: a list of names or object IDs (`groups` by default; Entra's app roles are `roles`).
The role map (VCSGRANTS_OIDC_ROLE_MAP, JSON) says which group gives which role, e.g.

    {"grants-officers": "officer", "grants-finance": "finance", "3f2c…-group-object-id": "admin"}

Someone in several mapped groups has every role they map to; someone in none is refused (no account is made).
Only staff roles may be given this way: the provider, partner and applicant roles need an organisation, which an
identity provider cannot say, so those users keep signing in with a password.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping


class RoleMapError(ValueError):
    """The role map is not usable: the message says what to fix in VCSGRANTS_OIDC_ROLE_MAP."""


def parse_role_map(text: str, allowed_roles: Iterable[str]) -> dict[str, str]:
    """The role map from its JSON text: group (or app role) name → one of `allowed_roles`.

    A value may also be a list of roles ({"grants-leads": ["officer", "assessor"]}); it is flattened to one pair per
    role internally by `roles_for`. Raises RoleMapError saying what is wrong.
    """
    allowed = list(allowed_roles)
    text = (text or "").strip()
    if not text:
        return {}
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise RoleMapError(f"VCSGRANTS_OIDC_ROLE_MAP is not valid JSON ({exc.msg} at character {exc.pos})") from None
    if not isinstance(data, dict):
        raise RoleMapError('VCSGRANTS_OIDC_ROLE_MAP must be a JSON object, like {"grants-officers": "officer"}')
    role_map: dict[str, str] = {}
    for group, roles in data.items():
        values = roles if isinstance(roles, list) else [roles]
        if not values or not group.strip():
            raise RoleMapError(f"VCSGRANTS_OIDC_ROLE_MAP: the group {group!r} maps to no role")
        for role in values:
            if role not in allowed:
                raise RoleMapError(
                    f"VCSGRANTS_OIDC_ROLE_MAP: the group {group!r} maps to {role!r}, which is not a role single "
                    f"sign-on can give (one of: {', '.join(allowed)})"
                )
        role_map[group] = ",".join(values)
    return role_map


def claimed_groups(claims: Mapping, claim: str) -> list[str]:
    """The groups (or app roles) in the claim: a list of strings, or one string (some providers send one group so)."""
    value = claims.get(claim)
    if isinstance(value, str):
        return [value]
    if isinstance(value, list | tuple):
        return [item for item in value if isinstance(item, str)]
    return []


def roles_for(claims: Mapping, role_map: Mapping[str, str], claim: str = "groups", order: Iterable[str] = ()) -> list[str]:
    """The roles the claims give, each once, in `order` (the service's own order of roles) where given."""
    roles: set[str] = set()
    for group in claimed_groups(claims, claim):
        if group in role_map:
            roles.update(role_map[group].split(","))
    ordered = [role for role in order if role in roles]
    return ordered + sorted(roles - set(ordered))
