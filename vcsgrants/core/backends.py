from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend

UserModel = get_user_model()


class PasswordBackend(ModelBackend):
    """Signs people in; permissions come from rules alone (core/rules.py), never from permission rows.

    Skipping the permission tables saves two queries on every refused permission check.
    Active superusers still pass every check (Django's own rule, before any backend is asked).
    """

    def get_user(self, user_id):
        """The signed-in person of each request, with their organisation in the same query: most pages name it."""
        user = UserModel._default_manager.select_related("organisation").filter(pk=user_id).first()
        return user if user is not None and self.user_can_authenticate(user) else None

    def get_user_permissions(self, user_obj, obj=None):
        return set()

    def get_group_permissions(self, user_obj, obj=None):
        return set()

    def has_perm(self, user_obj, perm, obj=None):
        return False

    def has_module_perms(self, user_obj, app_label):
        return False
