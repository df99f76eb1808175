from django.apps import AppConfig


class HubConfig(AppConfig):
    name = "vcsgrants.hub"
    label = "hub"
    verbose_name = "Hub: home, navigation and organisation overview"

    def ready(self):
        # The worker (manage.py run_worker) queues reminders and daily digests every hour (core.schedule).
        from vcsgrants.core import schedule
        from vcsgrants.hub import tasks

        schedule.register(
            "queue-reminders", tasks.queue_reminders, every=tasks.QUEUE_EVERY, description="reminders and digests queued"
        )
