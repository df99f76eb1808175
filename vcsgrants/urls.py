from django.contrib import admin
from django.contrib.auth import urls as auth_urls
from django.urls import include, path

from vcsgrants.core import account_forms, password_reset, views_sso

# Django's sign-out and password-changed pages; the sign-in, change-password and password-reset pages with our forms;
# single sign-on's start and callback (core.sso).
OURS = {"login", "password_change"}
ACCOUNT_URLS = [
    p for p in auth_urls.urlpatterns if not p.name.startswith("password_reset") and p.name not in OURS
] + views_sso.urlpatterns

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include([*account_forms.urlpatterns, *ACCOUNT_URLS])),
    *password_reset.urlpatterns,
    path("api/", include("vcsgrants.api.urls")),
    path("account/", include("vcsgrants.api.urls_tokens")),  # a user's own API tokens
    # funding before hub: its programmes/new/ must not be read as the programme page of a programme called "new".
    path("", include("vcsgrants.funding.urls")),
    path("", include("vcsgrants.hub.urls")),
    path("", include("vcsgrants.core.urls")),
    path("", include("vcsgrants.monitoring.urls")),
    path("", include("vcsgrants.equity.urls")),
    path("", include("vcsgrants.reports.urls")),
    path("", include("vcsgrants.opendata.urls")),
    path("", include("vcsgrants.engagement.urls")),
    path("", include("vcsgrants.calls.urls")),
    path("", include("vcsgrants.notifications.urls")),
    path("", include("vcsgrants.workbook.urls")),
]

# A database busy past its timeout answers 503 with a retry message, whatever raised it (vcsgrants/core/middleware.py).
handler500 = "vcsgrants.core.views.server_error"
