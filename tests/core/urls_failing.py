"""The site's addresses plus one page that fails, to see what a person is shown when something breaks."""

from django.urls import path

from vcsgrants.urls import urlpatterns as site


def failing_page(request):
    raise RuntimeError("a fault in the service")


urlpatterns = [path("failing/", failing_page), *site]
