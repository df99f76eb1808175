from django.urls import path

from vcsgrants.equity import views

app_name = "equity"

urlpatterns = [
    path("programmes/<slug:slug>/options/", views.option_set_list, name="equity-list"),
    path("programmes/<slug:slug>/options/new/", views.option_set_create, name="equity-create"),
    path("option-sets/<int:pk>/", views.option_set_detail, name="equity-detail"),
    path("option-sets/<int:pk>/options/new/", views.option_create, name="equity-option-create"),
    path("option-sets/<int:pk>/comparison.xlsx", views.option_set_export, name="equity-export"),
    path("option-sets/<int:pk>/comparison/prepare/", views.option_set_export_prepare, name="equity-export-prepare"),
    path("option-sets/<int:pk>/areas.csv", views.option_set_areas_csv, name="equity-areas-csv"),
    path("options/<int:pk>/delete/", views.option_delete, name="equity-option-delete"),
    path("options/<int:pk>/adopt/", views.option_adopt, name="equity-option-adopt"),
]
