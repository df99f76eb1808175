from django.urls import path

from vcsgrants.opendata import views

app_name = "opendata"

urlpatterns = [
    # Public: no sign-in (the /open-data/ prefix is in core.middleware.PUBLIC_PREFIXES).
    path("open-data/", views.public_grants, name="opendata-public"),
    path("open-data/360giving.<str:fmt>", views.public_download, name="opendata-download"),
    path("open-data/transparency/", views.transparency_register, name="opendata-transparency"),
    path("open-data/transparency.<str:fmt>", views.transparency_download, name="opendata-transparency-download"),
    # Council staff.
    path("programmes/<slug:slug>/open-data/", views.manage, name="opendata-manage"),
    path("programmes/<slug:slug>/open-data/360giving.<str:fmt>", views.staff_export, name="opendata-export"),
]
