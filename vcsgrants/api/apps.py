from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "vcsgrants.api"
    label = "api"
    verbose_name = "JSON API"

    def ready(self):
        from django.conf import settings
        from django.db.models.signals import post_save

        from vcsgrants.api.services import revoke_on_password_change_or_deactivation

        # A user's tokens stop working when their password changes or their account is deactivated.
        post_save.connect(
            revoke_on_password_change_or_deactivation,
            sender=settings.AUTH_USER_MODEL,
            dispatch_uid="api-revoke-tokens-on-password-change",
        )
