from django.apps import AppConfig


class HubConfig(AppConfig):
    name = "vcsgrants.hub"
    label = "hub"
    verbose_name = "Hub: home, navigation and organisation overview"
