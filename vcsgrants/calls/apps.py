from django.apps import AppConfig


class CallsConfig(AppConfig):
    name = "vcsgrants.calls"
    label = "calls"
    verbose_name = "Open calls: applications, assessment and award"
