from django.urls import include, path

urlpatterns = [
    path("", include("vcsgrants.calls.urls_apply")),
    path("", include("vcsgrants.calls.urls_assess")),
]
