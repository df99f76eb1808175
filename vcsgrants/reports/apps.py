from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "vcsgrants.reports"
    label = "reports"
    verbose_name = "Cabinet reports for decisions"
