from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    name = "vcsgrants.monitoring"
    label = "monitoring"
    verbose_name = "Monitoring: outcomes framework, KPIs, targets, quarterly returns"
