from django.urls import path

from vcsgrants.engagement.views import meetings as views

urlpatterns = [
    path("meetings/", views.meeting_list, name="meeting-list"),
    path("programmes/<slug:slug>/meetings/new/", views.meeting_create, name="meeting-create"),
    path("programmes/<slug:slug>/actions/", views.action_list, name="action-list"),
    path("programmes/<slug:slug>/engagement/settings/", views.engagement_settings, name="engagement-settings"),
    path("meetings/<int:pk>/", views.meeting_detail, name="meeting-detail"),
    path("meetings/<int:pk>/edit/", views.meeting_edit, name="meeting-edit"),
    path("meetings/<int:pk>/actions/new/", views.action_create, name="action-create"),
    path("actions/<int:pk>/edit/", views.action_edit, name="action-edit"),
    path("actions/<int:pk>/done/", views.action_done, name="action-done"),
]
