from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "vcsgrants.core"
    label = "core"
    verbose_name = "Core: areas, organisations, people and audit"
