from django.urls import include, path

urlpatterns = [
    path("", include("vcsgrants.engagement.urls.meetings")),
    path("", include("vcsgrants.engagement.urls.consultations")),
]
