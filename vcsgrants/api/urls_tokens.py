"""Pages (not API endpoints) for a user's own API tokens, under /account/."""

from django.urls import path

from vcsgrants.api.views import tokens

urlpatterns = [
    path("api-tokens/", tokens.token_list, name="api-tokens"),
    path("api-tokens/<int:pk>/revoke/", tokens.token_revoke, name="api-token-revoke"),
]
