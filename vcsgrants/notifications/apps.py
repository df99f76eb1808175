from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "vcsgrants.notifications"
    label = "notifications"
    verbose_name = "E-mail notifications"

    def ready(self):
        from vcsgrants.core import health
        from vcsgrants.core.people import invitation_wanted
        from vcsgrants.notifications import notify  # noqa: F401 - registers the GOV.UK Notify settings check
        from vcsgrants.notifications.health import check_outbox
        from vcsgrants.notifications.invitations import queue_invitation

        # core cannot import this app (it is below it): an invitation reaches the outbox through this signal.
        invitation_wanted.connect(queue_invitation, dispatch_uid="notifications.queue_invitation")
        # /readyz reports the outbox backlog (core cannot import this app, so it registers its check here).
        health.register("outbox", check_outbox)
