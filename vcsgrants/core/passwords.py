"""Django's password rules, with their refusals written the GOV.UK way (AUTH_PASSWORD_VALIDATORS names these).

The rules are Django's own (length, not like the username, not a common password, not only numbers); only the
words change: say what the password must be, no "This password is too short." (core.form_messages for the why).
"""

from __future__ import annotations

from django.contrib.auth import password_validation as django_rules


class MinimumLengthValidator(django_rules.MinimumLengthValidator):
    def get_error_message(self):
        return f"The password must be {self.min_length} characters or more"


class UserAttributeSimilarityValidator(django_rules.UserAttributeSimilarityValidator):
    def get_error_message(self):
        return "The password must not be like your %(verbose_name)s: choose a different one"


class CommonPasswordValidator(django_rules.CommonPasswordValidator):
    def get_error_message(self):
        return "The password is one that many people use: choose one that is harder to guess"


class NumericPasswordValidator(django_rules.NumericPasswordValidator):
    def get_error_message(self):
        return "The password must not be only numbers: add letters or symbols"
