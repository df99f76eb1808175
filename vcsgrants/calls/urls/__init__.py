from django.urls import include, path

app_name = "calls"

urlpatterns = [
    path("", include("vcsgrants.calls.urls.apply")),
    path("", include("vcsgrants.calls.urls.assess")),
]
