from django.urls import path

from vcsgrants.hub import views

app_name = "hub"

urlpatterns = [
    path("", views.home, name="home"),
    path("queues/<slug:key>/", views.queue, name="queue"),
    path("queues/<slug:key>.<str:fmt>", views.queue_export, name="queue-export"),
    path("programmes/<slug:slug>/", views.programme_detail, name="programme-detail"),
    path("programmes/<slug:slug>/money/<str:table>.<str:fmt>", views.programme_money_export, name="programme-money-export"),
    path("organisations/<int:pk>/", views.organisation_detail, name="organisation-detail"),
]
