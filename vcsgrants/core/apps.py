from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "vcsgrants.core"
    label = "core"
    verbose_name = "Core: areas, organisations, people and audit"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in
        from django.core.signals import request_finished
        from django.db.models.signals import post_migrate

        from vcsgrants.core import sso, two_factor, uploads  # noqa: F401 - register the SSO, two-factor and FILE_LIMITS checks
        from vcsgrants.core.database import make_cache_tables, optimise_now_and_then
        from vcsgrants.core.sessions import mark_touched_on_sign_in

        user_logged_in.connect(mark_touched_on_sign_in, dispatch_uid="vcsgrants-idle-session")
        user_logged_in.connect(two_factor.note_sign_in, dispatch_uid="vcsgrants-two-factor")
        request_finished.connect(optimise_now_and_then, dispatch_uid="vcsgrants-sqlite-optimize")
        post_migrate.connect(make_cache_tables, sender=self, dispatch_uid="vcsgrants-cache-tables")

        # The worker's scheduled tasks (core.schedule) and /readyz's look at the task queue (core.health).
        from vcsgrants.core import health, schedule, tasks

        schedule.register("prune-jobs", tasks.prune_old_jobs, every=tasks.PRUNE_EVERY, description="old background jobs removed")
        health.register("tasks", health.check_tasks)
