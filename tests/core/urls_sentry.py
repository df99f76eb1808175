"""The site's addresses plus a page anyone may open that fails (under /about/, so no sign-in and no database)."""

from django.urls import path

from tests.core.urls_failing import failing_page
from vcsgrants.urls import urlpatterns as site

urlpatterns = [path("about/failing/", failing_page), *site]
