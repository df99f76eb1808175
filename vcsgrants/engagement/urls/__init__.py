from django.urls import include, path

app_name = "engagement"

urlpatterns = [
    path("", include("vcsgrants.engagement.urls.meetings")),
    path("", include("vcsgrants.engagement.urls.consultations")),
]
