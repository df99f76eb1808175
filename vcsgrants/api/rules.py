"""Every signed-in user may make API tokens for their own scripts (a token can do only what its user can);
a token is seen and revoked by its own user only."""

import rules


@rules.predicate
def owns_token(user, api_token) -> bool:
    return api_token is not None and api_token.user_id == user.pk


rules.add_perm("api.manage_tokens", rules.is_authenticated)
rules.add_perm("api.revoke_token", rules.is_authenticated & owns_token)
