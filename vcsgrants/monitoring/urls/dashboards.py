from django.urls import path

from vcsgrants.monitoring.views import dashboards as views

urlpatterns = [
    path("programmes/<slug:slug>/performance/", views.performance, name="performance"),
    path("programmes/<slug:slug>/performance/providers/", views.performance_providers, name="performance-providers"),
    path("programmes/<slug:slug>/performance/districts/", views.performance_districts, name="performance-districts"),
    path("programmes/<slug:slug>/performance/trends/", views.performance_trends, name="performance-trends"),
    path("programmes/<slug:slug>/performance/<str:table>.<str:fmt>", views.performance_export, name="performance-export"),
]
