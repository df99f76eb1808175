from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "vcsgrants.demo"
    label = "demo"
    verbose_name = "Demo: load_demo and fake data (not installed in production)"
