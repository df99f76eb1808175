from django.urls import path

from vcsgrants.reports import views

app_name = "reports"

urlpatterns = [
    path("programmes/<slug:slug>/reports/", views.report_list, name="report-list"),
    path("programmes/<slug:slug>/reports/new/", views.report_edit, name="report-create"),
    path("programmes/<slug:slug>/reports/from-last-year/", views.report_from_last_year, name="report-from-last-year"),
    path("council/report-template/", views.report_template, name="report-template"),
    path("council/report-template/remove/", views.report_template_remove, name="report-template-remove"),
    path("reports/<int:pk>/", views.report_detail, name="report-detail"),
    path("reports/<int:pk>/edit/", views.report_edit, name="report-edit"),
    path("reports/<int:pk>/report.<str:fmt>", views.report_download, name="report-download"),
    path("reports/<int:pk>/prepare.<str:fmt>", views.report_prepare, name="report-prepare"),
    path("reports/<int:pk>/issue/", views.report_issue, name="report-issue"),
    path("reports/<int:pk>/new-draft/", views.report_new_draft, name="report-new-draft"),
    path("reports/<int:pk>/decision/", views.report_decision, name="report-decision"),
]
