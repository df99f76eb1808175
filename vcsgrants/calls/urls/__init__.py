from django.urls import include, path

urlpatterns = [
    path("", include("vcsgrants.calls.urls.apply")),
    path("", include("vcsgrants.calls.urls.assess")),
]
