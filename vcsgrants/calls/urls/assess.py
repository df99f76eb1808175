from django.urls import path

from vcsgrants.calls.views import assess as views

urlpatterns = [
    # Officers set up assessment on a call: criteria, the KPIs agreements will carry, the panel.
    path("calls/<int:pk>/assessment/", views.assessment_setup, name="assess-setup"),
    path("calls/<int:pk>/criteria/new/", views.criterion_create, name="assess-criterion-create"),
    path("call-criteria/<int:pk>/edit/", views.criterion_edit, name="assess-criterion-edit"),
    path("call-criteria/<int:pk>/delete/", views.criterion_delete, name="assess-criterion-delete"),
    path("calls/<int:pk>/kpis/", views.call_kpis, name="assess-kpis"),
    path("calls/<int:pk>/panel/", views.panel_assign, name="assess-panel"),
    path("applications/<int:pk>/assessors/", views.application_panel, name="assess-application-panel"),
    path("assessments/<int:pk>/reopen/", views.scores_reopen, name="assess-reopen"),
    # Assessors (and officers on a panel): their own assignments only.
    path("assessments/", views.my_assessments, name="assess-my-list"),
    path("assessments/<int:pk>/", views.assignment_detail, name="assess-assignment"),
    path("assessments/<int:pk>/conflict/", views.conflict, name="assess-conflict"),
    # Moderation, the ranked list, award and the export.
    path("calls/<int:pk>/moderation/", views.moderation_list, name="moderation-list"),
    path("applications/<int:pk>/moderation/", views.moderation_detail, name="moderation-detail"),
    path("applications/<int:pk>/moderation/reopen/", views.moderation_reopen, name="moderation-reopen"),
    path("calls/<int:pk>/award/", views.award, name="award-preview"),
    path("calls/<int:pk>/export.xlsx", views.export, name="call-export"),
]
