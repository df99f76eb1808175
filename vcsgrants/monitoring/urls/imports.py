from django.urls import path

from vcsgrants.monitoring.views import imports as views_imports

urlpatterns = [
    path("returns/<int:pk>/template.xlsx", views_imports.return_template_download, name="return-template"),
    path("returns/<int:pk>/upload/", views_imports.return_upload, name="return-upload"),
]
