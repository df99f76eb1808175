from django.apps import AppConfig


class OpendataConfig(AppConfig):
    name = "vcsgrants.opendata"
    label = "opendata"
    verbose_name = "Open data: grants published in the 360Giving Data Standard"
