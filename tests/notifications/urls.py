"""The project's URLs with the notifications pages, for these tests whether or not vcsgrants/urls.py includes them yet."""

from django.urls import include, path

from vcsgrants.urls import urlpatterns as project_urlpatterns

urlpatterns = [*project_urlpatterns, path("", include("vcsgrants.notifications.urls"))]
