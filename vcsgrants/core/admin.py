"""Django admin at /admin/ for superusers, for emergencies: the daily job (inviting people, their roles and
organisation, deactivating them) is on the People pages (/people/, core.views_people), which audit every change.

Roles are the Django groups named by core.models.Role, created by `migrate`. A new user's password is checked by
AUTH_PASSWORD_VALIDATORS (Django's admin user-creation form runs them).
"""

from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin as DjangoGroupAdmin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group

from vcsgrants.core.models import BackgroundJob, ScheduledRun, User

admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(DjangoGroupAdmin):
    """A role. The app's permissions come from rules predicates on the group's name (core/rules.py), never from
    Django's permission rows, so the form leaves out Django's permission picker: ticking boxes there did nothing."""

    exclude = ("permissions",)
    list_display = ("name", "members")
    readonly_fields = ("about",)
    fields = ("name", "about")

    @admin.display(description="What this role may do")
    def about(self, obj) -> str:
        return (
            "What a role may do is decided by the service's rules on the group's name (admin, officer, finance, "
            "cabinet, partner, provider, applicant, assessor), not by Django permissions. Give people roles on the "
            "People page (/people/), which records every change in the audit log."
        )

    @admin.display(description="Active members")
    def members(self, obj) -> int:
        return obj.user_set.filter(is_active=True).count()


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ("username", "first_name", "last_name", "email", "organisation", "is_active", "is_superuser")
    list_filter = ("is_active", "is_superuser", "groups")
    list_select_related = ("organisation",)
    fieldsets = (
        *DjangoUserAdmin.fieldsets[:1],
        ("Personal info", {"fields": ("first_name", "last_name", "email", "organisation")}),
        ("Roles and access", {"fields": ("is_active", "is_staff", "is_superuser", "groups")}),
        ("Important dates", {"fields": ("last_login", "date_joined")}),
    )


@admin.register(BackgroundJob)
class BackgroundJobAdmin(admin.ModelAdmin):
    """Background jobs (core.jobs), read-only: what was asked, by whom, and how it ended. The task queue's own rows,
    with tracebacks, are under "Task Results" (django_tasks_db)."""

    list_display = ("title", "requested_by", "kind", "state", "created_at", "finished_at")
    list_filter = ("state", "kind")
    search_fields = ("title", "requested_by__username")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(ScheduledRun)
class ScheduledRunAdmin(admin.ModelAdmin):
    """Each slot of a scheduled task, and the worker that enqueued it (core.schedule)."""

    list_display = ("name", "slot", "worker", "enqueued_at", "task_id")
    list_filter = ("name",)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
