from django.urls import include, path

urlpatterns = [
    path("", include("vcsgrants.engagement.urls_meetings")),
    path("", include("vcsgrants.engagement.urls_consultations")),
]
