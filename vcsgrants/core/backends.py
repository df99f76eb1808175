from django.contrib.auth.backends import ModelBackend


class PasswordBackend(ModelBackend):
    """Signs people in; permissions come from rules alone (core/rules.py), never from permission rows.

    Skipping the permission tables saves two queries on every refused permission check.
    Active superusers still pass every check (Django's own rule, before any backend is asked).
    """

    def get_user_permissions(self, user_obj, obj=None):
        return set()

    def get_group_permissions(self, user_obj, obj=None):
        return set()

    def has_perm(self, user_obj, perm, obj=None):
        return False

    def has_module_perms(self, user_obj, app_label):
        return False
