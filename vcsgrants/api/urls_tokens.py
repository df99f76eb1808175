"""Pages (not API endpoints) for a user's own API tokens, under /account/."""

from django.urls import path

from vcsgrants.api import views_tokens

urlpatterns = [
    path("api-tokens/", views_tokens.token_list, name="api-tokens"),
    path("api-tokens/<int:pk>/revoke/", views_tokens.token_revoke, name="api-token-revoke"),
]
