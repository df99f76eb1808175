"""The People pages' forms: what an administrator types. The rules (which role needs an organisation, unique
addresses and usernames, the last administrator) are the service's (vcsgrants.core.people)."""

from __future__ import annotations

from django import forms

from vcsgrants.core.concurrency import VersionField
from vcsgrants.core.forms import GovukForm
from vcsgrants.core.models import Organisation, Role
from vcsgrants.core.people import Status

ORGANISATION_HELP = (
    "Required for provider, partner and applicant users: they see only their organisation's records. "
    "Council staff: leave it blank or choose the council. Assessors: optional."
)


def organisation_field() -> forms.ModelChoiceField:
    return forms.ModelChoiceField(
        queryset=Organisation.objects.order_by("name"),
        required=False,
        empty_label="(none)",
        help_text=ORGANISATION_HELP,
        error_messages={"invalid_choice": "Choose an organisation from the list"},
    )


class InviteForm(GovukForm):
    first_name = forms.CharField(label="First name", max_length=150, required=False)
    last_name = forms.CharField(label="Last name", max_length=150, required=False)
    email = forms.CharField(
        label="E-mail address",
        max_length=254,
        required=False,
        help_text="The invitation, with a link to choose a password, is sent here.",
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )
    username = forms.CharField(
        label="Username",
        max_length=150,
        required=False,
        help_text="What they sign in with. Leave it blank to use the start of their e-mail address.",
    )
    role = forms.ChoiceField(label="Role", choices=Role.choices, widget=forms.RadioSelect, required=False)
    organisation = organisation_field()


class PersonForm(GovukForm):
    version = VersionField()
    first_name = forms.CharField(label="First name", max_length=150, required=False)
    last_name = forms.CharField(label="Last name", max_length=150, required=False)
    email = forms.CharField(label="E-mail address", max_length=254, required=False, widget=forms.EmailInput)
    roles = forms.MultipleChoiceField(label="Roles", choices=Role.choices, widget=forms.CheckboxSelectMultiple, required=False)
    organisation = organisation_field()


class PeopleFilterForm(forms.Form):
    role = forms.ChoiceField(choices=[("", "Any role"), *Role.choices], required=False)
    status = forms.ChoiceField(choices=[("", "Anyone"), *Status.CHOICES], required=False)
