from django.conf import settings
from django.contrib.auth.views import redirect_to_login

# Paths anyone may reach without signing in.
PUBLIC_PREFIXES = (
    "/accounts/login/",
    "/accounts/password_reset/",  # forgotten password: ask for a link
    "/accounts/reset/",  # forgotten password: the link, and done
    "/static/",
    "/healthz",
    "/api/",
    "/open-data/",
    "/consult/",
    "/open-calls/",
)


class LoginRequiredMiddleware:
    """Anonymous users reach only the sign-in page; the API answers 401/403 itself."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.user.is_authenticated and not request.path.startswith(PUBLIC_PREFIXES):
            return redirect_to_login(request.get_full_path(), settings.LOGIN_URL)
        return self.get_response(request)
