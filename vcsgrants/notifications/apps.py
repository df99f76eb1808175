from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "vcsgrants.notifications"
    label = "notifications"
    verbose_name = "E-mail notifications"
