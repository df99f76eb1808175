"""The sign-in and change-password pages: Django's views and forms, with their messages written the GOV.UK way."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm
from django.urls import path

from vcsgrants.core.form_messages import write_form_messages


class SignInForm(AuthenticationForm):
    error_messages = {
        "invalid_login": "Enter a correct username and password: both are case-sensitive",
        "inactive": "This account is switched off: ask an administrator to switch it on",
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].error_messages["required"] = "Enter your username"
        self.fields["password"].error_messages["required"] = "Enter your password"
        write_form_messages(self)


class ChangePasswordForm(PasswordChangeForm):
    error_messages = {
        "password_mismatch": "The passwords do not match: enter the same new password twice",
        "password_incorrect": "Your current password is not the one you entered: enter it again",
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["old_password"].error_messages["required"] = "Enter your current password"
        self.fields["new_password1"].error_messages["required"] = "Enter a new password"
        self.fields["new_password2"].error_messages["required"] = "Enter your new password again"
        write_form_messages(self)


# Django's own paths under accounts/ (vcsgrants/urls.py), with these forms; the other account pages are Django's, or
# core.password_reset's.
urlpatterns = [
    path("login/", auth_views.LoginView.as_view(authentication_form=SignInForm), name="login"),
    path(
        "password_change/",
        auth_views.PasswordChangeView.as_view(form_class=ChangePasswordForm),
        name="password_change",
    ),
]
