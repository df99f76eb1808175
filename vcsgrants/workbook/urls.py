from django.urls import path

from vcsgrants.workbook import views

app_name = "workbook"

urlpatterns = [
    path("import/", views.workbook_import, name="workbook-import"),
    path("import/template.xlsx", views.workbook_template, name="workbook-template"),
]
