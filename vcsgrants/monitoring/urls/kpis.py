from django.urls import path

from vcsgrants.monitoring.views import kpis as views

urlpatterns = [
    path("programmes/<slug:slug>/framework/", views.framework, name="framework"),
    path("programmes/<slug:slug>/framework/outcomes/new/", views.outcome_create, name="outcome-create"),
    path("programmes/<slug:slug>/framework/kpis/new/", views.kpi_propose, name="kpi-propose"),
    path("kpis/<int:pk>/", views.kpi_detail, name="kpi-detail"),
    path("kpis/<int:pk>/comment/", views.kpi_comment, name="kpi-comment"),
    path("kpis/<int:pk>/decide/", views.kpi_decide, name="kpi-decide"),
    path("kpis/<int:pk>/refine/", views.kpi_refine, name="kpi-refine"),
    path("kpis/<int:pk>/retire/", views.kpi_retire, name="kpi-retire"),
]
