"""Django admin at /admin/ for administrators (superusers): people, their organisation and roles.

Roles are the Django groups named by core.models.Role. A new user's password is checked by
AUTH_PASSWORD_VALIDATORS (Django's admin user-creation form runs them).
"""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from vcsgrants.core.models import User


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
