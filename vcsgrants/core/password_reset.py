"""Forgotten passwords: the reset journey, reachable signed out.

Sign-in page → "Forgotten your password?" → enter your e-mail address → "Check your e-mail" (the same page
whether or not the address belongs to anyone, so the page cannot be used to find out who has an account) →
the link in the e-mail → choose a new password (the password rules in AUTH_PASSWORD_VALIDATORS) → done, with a
link to sign in.

Django's own views do the work (its signed, single-use tokens: a link stops working once the password changes,
or after PASSWORD_RESET_TIMEOUT). What is ours: GOV.UK templates, plain-English messages, the e-mail's words and
its link (VCSGRANTS_BASE_URL, like every other e-mail, not the Host header), and a cap on how many reset
e-mails one account gets in an hour. The e-mail is sent at once through Django's e-mail backend, not through the
notifications outbox: the link is a key to the account, and officers can read the outbox.

Resetting a password does not sign anyone in, and does not lift a sign-in lockout (django-axes): the new
password works once the lock ends.
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import PasswordResetForm, SetPasswordForm
from django.core.cache import cache
from django.core.mail import EmailMultiAlternatives
from django.core.mail.message import make_msgid
from django.template import loader
from django.urls import path, reverse_lazy

from vcsgrants.core import council
from vcsgrants.core.form_messages import write_form_messages

RULES_HINT = "At least 10 characters. Not a common password, not all numbers, and not like your username."


def emails_per_hour() -> int:
    return int(getattr(settings, "PASSWORD_RESET_EMAILS_PER_HOUR", 3))


def link_hours() -> int:
    return max(1, settings.PASSWORD_RESET_TIMEOUT // 3600)


class ResetRequestForm(PasswordResetForm):
    email = forms.EmailField(
        label="E-mail address",
        max_length=254,
        help_text="The address we have for you in this service.",
        error_messages={
            "required": "Enter your e-mail address",
            "invalid": "Enter an e-mail address in the correct format, like name@example.org",
        },
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].help_text = f"The address we have for you in {council.current().service_name}."
        write_form_messages(self)

    def send_mail(self, subject_template_name, email_template_name, context, from_email, to_email, html_email_template_name=None):
        """Send the link, unless this account has had PASSWORD_RESET_EMAILS_PER_HOUR of them this hour (the page
        says the same either way, so nobody can flood someone's inbox or learn anything from the count)."""
        key = f"password-reset-sent:{context['user'].pk}"
        cache.add(key, 0, timeout=3600)
        try:
            sent = cache.incr(key)
        except ValueError:  # the hour ended between the two calls
            sent = 1
        if sent > emails_per_hour():
            return
        settings_row = council.current()
        context = {**context, "council": settings_row, "sign_off": council.email_sign_off(settings_row)}
        subject = "".join(loader.render_to_string(subject_template_name, context).splitlines())
        body = loader.render_to_string(email_template_name, context)
        # Like the outbox's e-mails: the Message-ID under the service's own domain (VCSGRANTS_BASE_URL).
        message = EmailMultiAlternatives(
            subject,
            body,
            from_email or council.from_address(settings_row),
            [to_email],
            headers={"Message-ID": make_msgid(domain=council.email_domain())},
        )
        message.send()


class ResetSetPasswordForm(SetPasswordForm):
    error_messages = {"password_mismatch": "The passwords do not match: enter the same new password twice"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["new_password1"].label = "New password"
        self.fields["new_password1"].help_text = RULES_HINT
        self.fields["new_password1"].error_messages["required"] = "Enter a new password"
        self.fields["new_password2"].label = "Confirm new password"
        self.fields["new_password2"].help_text = ""
        self.fields["new_password2"].error_messages["required"] = "Enter your new password again"
        write_form_messages(self)


class ResetRequestView(auth_views.PasswordResetView):
    form_class = ResetRequestForm
    template_name = "registration/password_reset_form.html"
    email_template_name = "registration/password_reset_email.txt"
    subject_template_name = "registration/password_reset_subject.txt"
    success_url = reverse_lazy("password_reset_done")

    def form_valid(self, form):
        self.extra_email_context = {"base_url": settings.VCSGRANTS_BASE_URL, "hours": link_hours()}
        return super().form_valid(form)


class ResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "registration/password_reset_done.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(hours=link_hours(), **kwargs)


class ResetConfirmView(auth_views.PasswordResetConfirmView):
    form_class = ResetSetPasswordForm
    template_name = "registration/password_reset_confirm.html"
    success_url = reverse_lazy("password_reset_complete")
    post_reset_login = False  # sign in with the new password, through the lockout, like anyone else


# Django's own paths (under /accounts/, public: see core.middleware.PUBLIC_PREFIXES), with our views.
urlpatterns = [
    path("accounts/password_reset/", ResetRequestView.as_view(), name="password_reset"),
    path("accounts/password_reset/done/", ResetDoneView.as_view(), name="password_reset_done"),
    path("accounts/reset/<uidb64>/<token>/", ResetConfirmView.as_view(), name="password_reset_confirm"),
    path(
        "accounts/reset/done/",
        auth_views.PasswordResetCompleteView.as_view(template_name="registration/password_reset_complete.html"),
        name="password_reset_complete",
    ),
]
