from django.apps import AppConfig


class EngagementConfig(AppConfig):
    name = "vcsgrants.engagement"
    label = "engagement"
    verbose_name = "Engagement: meetings, actions and consultations"
