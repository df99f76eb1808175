from django.urls import path

from vcsgrants.notifications import views

app_name = "notifications"

urlpatterns = [
    path("notifications/", views.notification_list, name="notification-list"),
    path("notifications/<int:pk>/", views.notification_detail, name="notification-detail"),
    path("account/emails/", views.email_frequency_view, name="email-frequency"),
    path("notifications/<int:pk>/send-again/", views.notification_send_again_view, name="notification-send-again"),
]
