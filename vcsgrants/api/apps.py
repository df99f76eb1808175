from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "vcsgrants.api"
    label = "api"
    verbose_name = "JSON API"
