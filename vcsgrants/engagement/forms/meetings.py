"""Forms for meetings and actions. They collect and tidy input; the rules live in services_meetings."""

from __future__ import annotations

import datetime as dt

from django import forms

from vcsgrants.core.concurrency import VersionField
from vcsgrants.core.forms import DateInput, GovukForm, GovukModelForm
from vcsgrants.core.models import Organisation, User
from vcsgrants.engagement.models.meetings import Action, EngagementSettings, Meeting
from vcsgrants.engagement.selectors import meetings as selectors
from vcsgrants.funding.models import Agreement, Programme
from vcsgrants.monitoring.models import Kpi

TEXTAREA = {"rows": 4}


class UserChoiceMixin:
    def label_from_instance(self, user: User) -> str:
        name = user.display_name
        return f"{name}, {user.organisation}" if user.organisation_id else name


class UserMultipleChoiceField(UserChoiceMixin, forms.ModelMultipleChoiceField):
    pass


class UserChoiceField(UserChoiceMixin, forms.ModelChoiceField):
    pass


class KpiMultipleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, kpi: Kpi) -> str:
        status = "" if kpi.status == Kpi.Status.AGREED else f" ({kpi.get_status_display().lower()})"
        return f"{kpi}{status}"


class AgreementMultipleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, agreement: Agreement) -> str:
        return f"{agreement.reference}: {agreement.title}"


class MeetingKindForm(GovukForm):
    kind = forms.ChoiceField(choices=Meeting.Kind.choices, widget=forms.RadioSelect, label="What kind of meeting was it?")


ORGANISATION_LABELS = {
    Meeting.Kind.MONITORING: ("Provider", "The provider the monitoring meeting was with."),
    Meeting.Kind.PARTNER: ("Partner body", "The NHS partner as it was on the day: the CCG before 1 July 2022, the ICB after."),
}


class MeetingForm(GovukForm):
    """One form for the three kinds: a monitoring or partner meeting asks for its organisation; a partnership meeting does not."""

    organisation = forms.ModelChoiceField(Organisation.objects.none())
    version = VersionField()  # the edit page's (core.concurrency); blank when adding a meeting
    date = forms.DateField(widget=DateInput, label="Date of the meeting")
    title = forms.CharField(max_length=200, required=False, label="Subject (optional)", help_text="For example: Quarter 2 review")
    location = forms.CharField(max_length=200, required=False, label="Where (optional)", help_text="A place, or online")
    attendee_users = UserMultipleChoiceField(
        User.objects.none(), required=False, widget=forms.CheckboxSelectMultiple, label="Who attended: users of this service"
    )
    guests = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        label="Who attended: other people",
        help_text="One a line: name, role, organisation.",
    )
    attending_organisations = forms.ModelMultipleChoiceField(
        Organisation.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Organisations represented",
        help_text="The provider or partner body the meeting was with is included anyway.",
    )
    agenda = forms.CharField(widget=forms.Textarea(attrs=TEXTAREA), required=False, label="Agenda")
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 6}), required=False, label="Notes")
    decisions = forms.CharField(widget=forms.Textarea(attrs=TEXTAREA), required=False, label="Decisions")
    share_notes = forms.BooleanField(
        required=False,
        label="Share the notes with the programme's providers",
        help_text="Providers always see the agenda, who attended, the decisions and their own actions; the notes only if shared.",
    )
    agreements = AgreementMultipleChoiceField(
        Agreement.objects.none(), required=False, widget=forms.CheckboxSelectMultiple, label="Agreements discussed"
    )
    kpis = KpiMultipleChoiceField(Kpi.objects.none(), required=False, widget=forms.CheckboxSelectMultiple, label="KPIs discussed")

    def __init__(self, *args, programme: Programme, kind: str, organisation: Organisation | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind = kind
        if kind in ORGANISATION_LABELS:
            field = self.fields["organisation"]
            field.queryset = selectors.meeting_organisation_choices(programme, kind)
            field.label, field.help_text = ORGANISATION_LABELS[kind]
            field.empty_label = "Choose an organisation"
        else:
            del self.fields["organisation"]
        if kind != Meeting.Kind.PARTNERSHIP:
            del self.fields["share_notes"]
        self.fields["attendee_users"].queryset = selectors.programme_users_for_meetings(programme, kind)
        self.fields["attending_organisations"].queryset = selectors.attending_organisation_choices(programme)
        agreements = programme.agreements.select_related("organisation").order_by("reference")
        if kind == Meeting.Kind.MONITORING and organisation is not None:
            agreements = agreements.filter(organisation=organisation)
        self.fields["agreements"].queryset = agreements
        self.fields["agreements"].help_text = (
            "The provider's agreements." if kind == Meeting.Kind.MONITORING and organisation is not None else ""
        )
        self.fields["kpis"].queryset = (
            Kpi.objects.filter(outcome__programme=programme)
            .exclude(status=Kpi.Status.REJECTED)
            .prefetch_related("versions")
            .order_by("outcome__order", "code")
        )

    def meeting_fields(self) -> dict:
        return {name: value for name, value in self.cleaned_data.items() if name != "version"}

    @staticmethod
    def initial_from(meeting: Meeting) -> dict:
        return {
            "organisation": meeting.organisation_id,
            "date": meeting.date,
            "title": meeting.title,
            "location": meeting.location,
            "guests": meeting.guests,
            "agenda": meeting.agenda,
            "notes": meeting.notes,
            "decisions": meeting.decisions,
            "share_notes": meeting.share_notes,
            "attendee_users": list(meeting.attendee_users.values_list("pk", flat=True)),
            "attending_organisations": list(meeting.attending_organisations.values_list("pk", flat=True)),
            "agreements": list(meeting.agreements.values_list("pk", flat=True)),
            "kpis": list(meeting.kpis.values_list("pk", flat=True)),
        }


class ActionForm(GovukForm):
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), label="Action")
    owner_user = UserChoiceField(
        User.objects.none(),
        required=False,
        label="Owner: a user of this service",
        help_text="Their organisation is recorded with them.",
        empty_label="Not a user: give a name below",
    )
    owner_name = forms.CharField(
        max_length=200, required=False, label="Or the owner's name", help_text="Someone who is not a user"
    )
    owner_organisation = forms.ModelChoiceField(
        Organisation.objects.none(),
        required=False,
        label="Owner's organisation",
        help_text="With the name above, or on its own when an organisation owns the action.",
        empty_label="Choose an organisation",
    )
    due_date = forms.DateField(widget=DateInput, label="Due date")

    def __init__(self, *args, meeting: Meeting, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner_user"].queryset = selectors.programme_users_for_meetings(meeting.programme, meeting.kind)
        self.fields["owner_organisation"].queryset = selectors.attending_organisation_choices(meeting.programme)


class ActionEditForm(ActionForm):
    version = VersionField()  # the edit page's (core.concurrency); blank through the API
    status = forms.ChoiceField(choices=Action.Status.choices, widget=forms.RadioSelect, label="Status")
    done_on = forms.DateField(widget=DateInput, required=False, label="Date done", help_text="When the status is done.")
    note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        label="Note",
        help_text="What was done, or why it was cancelled.",
    )

    @staticmethod
    def initial_from(action: Action) -> dict:
        return {
            field: getattr(action, field) for field in ("description", "owner_name", "due_date", "status", "done_on", "note")
        } | {
            "owner_user": action.owner_user_id,
            "owner_organisation": action.owner_organisation_id,
        }


class ActionDoneForm(GovukForm):
    done_on = forms.DateField(widget=DateInput, label="Date done")
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False, label="What was done (optional)")

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {"done_on": dt.date.today()})
        super().__init__(*args, **kwargs)


class EngagementSettingsForm(GovukModelForm):
    version = VersionField()  # the page's (core.concurrency): the settings as it showed them

    class Meta:
        model = EngagementSettings
        fields = ["meeting_interval_days"]
        widgets = {"meeting_interval_days": forms.NumberInput(attrs={"class": "govuk-input govuk-input--width-4"})}
