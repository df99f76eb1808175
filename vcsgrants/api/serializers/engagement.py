"""JSON shapes of meetings and their actions, and of consultations with their questions, documents, responses
and summary.

The *Input serializers only turn malformed JSON into a 400: the rules themselves are the pages' own forms and the
services, which the views call with what these serializers let through.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from vcsgrants.api.base import MAX_ID, PlainDecimal, PlausibleDate, ReadOnlyModelSerializer, optional_text
from vcsgrants.api.serializers.core import OrganisationRefSerializer, UserRefSerializer
from vcsgrants.api.serializers.funding import ProgrammeRefSerializer
from vcsgrants.engagement.models.consultations import Consultation, ConsultationDocument, ConsultationResponse, Question
from vcsgrants.engagement.models.meetings import Action, Meeting
from vcsgrants.engagement.selectors.meetings import sees_notes


def id_list() -> serializers.ListField:
    return serializers.ListField(child=serializers.IntegerField(min_value=1, max_value=MAX_ID), required=False, max_length=500)


# --- Meetings and actions ---


class MeetingKpiSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    code = serializers.CharField(read_only=True)


class MeetingAgreementSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    reference = serializers.CharField(read_only=True)


class MeetingSerializer(ReadOnlyModelSerializer):
    programme = ProgrammeRefSerializer(read_only=True)
    kind = serializers.ChoiceField(choices=Meeting.Kind.choices, read_only=True)
    label = serializers.CharField(read_only=True)
    organisation = OrganisationRefSerializer(read_only=True, allow_null=True)
    attendee_users = UserRefSerializer(many=True, read_only=True)
    attending_organisations = OrganisationRefSerializer(many=True, read_only=True)
    notes = serializers.SerializerMethodField(help_text="Null where the notes are not shared with you.")
    agreements = serializers.SerializerMethodField()
    kpis = MeetingKpiSerializer(many=True, read_only=True)
    recorded_by = serializers.CharField(source="recorded_by.username", read_only=True)

    class Meta:
        model = Meeting
        fields = [
            "id",
            "programme",
            "kind",
            "label",
            "organisation",
            "date",
            "title",
            "location",
            "attendee_users",
            "guests",
            "attending_organisations",
            "agenda",
            "notes",
            "decisions",
            "share_notes",
            "agreements",
            "kpis",
            "is_demo",
            "recorded_by",
            "recorded_at",
        ]

    def get_notes(self, meeting: Meeting) -> str | None:
        return meeting.notes if sees_notes(self.context["request"].user, meeting) else None

    @extend_schema_field(MeetingAgreementSerializer(many=True))
    def get_agreements(self, meeting: Meeting) -> list[dict]:
        # Only the agreements the user may see (a provider does not learn another's references).
        visible = self.context.get("visible_agreements")
        return [{"id": a.pk, "reference": a.reference} for a in meeting.agreements.all() if visible is None or a.pk in visible]


class MeetingInputSerializer(serializers.Serializer):
    """Recording a meeting. organisation: the provider (monitoring) or partner body (partner); none for partnership."""

    programme = serializers.IntegerField(min_value=1, help_text="The programme's id.")
    kind = serializers.ChoiceField(choices=Meeting.Kind.choices)
    organisation = serializers.IntegerField(min_value=1, required=False, allow_null=True)
    date = PlausibleDate(help_text="The day it took place: not in the future.")
    title = optional_text(200)
    location = optional_text(200)
    guests = optional_text(help_text="People who are not users, one a line: name, role, organisation.")
    agenda = optional_text()
    notes = optional_text()
    decisions = optional_text()
    share_notes = serializers.BooleanField(required=False, help_text="Partnership meetings only.")
    attendee_users = id_list()
    attending_organisations = id_list()
    agreements = id_list()
    kpis = id_list()


class MeetingUpdateSerializer(MeetingInputSerializer):
    """Changing a meeting: any of its fields except its programme and kind; what is left out stays as it is."""

    programme = None
    kind = None
    date = PlausibleDate(required=False)


class ActionOwnerSerializer(serializers.Serializer):
    user = UserRefSerializer(source="owner_user", read_only=True, allow_null=True)
    name = serializers.CharField(source="owner_name", read_only=True)
    organisation = OrganisationRefSerializer(source="owner_organisation", read_only=True, allow_null=True)
    label = serializers.CharField(source="owner_label", read_only=True)


class ActionSerializer(ReadOnlyModelSerializer):
    meeting = serializers.IntegerField(source="meeting_id", read_only=True)
    programme = ProgrammeRefSerializer(source="meeting.programme", read_only=True)
    owner = ActionOwnerSerializer(source="*", read_only=True)
    status = serializers.ChoiceField(choices=Action.Status.choices, read_only=True)
    overdue = serializers.SerializerMethodField(
        help_text="Open and past its due date, as at today (or the programme's end, once it has ended)."
    )

    class Meta:
        model = Action
        fields = ["id", "meeting", "programme", "description", "owner", "due_date", "status", "done_on", "note", "overdue"]

    def get_overdue(self, action: Action) -> bool:
        return action.is_overdue(self.context["as_at"][action.meeting.programme_id])


class ActionInputSerializer(serializers.Serializer):
    """An action agreed at a meeting: owned by a user, or by a named person and/or an organisation."""

    meeting = serializers.IntegerField(min_value=1, help_text="The meeting's id.")
    description = serializers.CharField()
    owner_user = serializers.IntegerField(min_value=1, required=False, allow_null=True)
    owner_name = optional_text(200)
    owner_organisation = serializers.IntegerField(min_value=1, required=False, allow_null=True)
    due_date = PlausibleDate()


class ActionUpdateSerializer(ActionInputSerializer):
    """Changing an action (officers): what is left out stays as it is."""

    meeting = None
    description = serializers.CharField(required=False)
    due_date = PlausibleDate(required=False)
    status = serializers.ChoiceField(choices=Action.Status.choices, required=False)
    done_on = PlausibleDate(required=False, allow_null=True, help_text="When the status is done.")
    note = optional_text(help_text="What was done, or why it was cancelled.")


class ActionDoneSerializer(serializers.Serializer):
    done_on = PlausibleDate()
    note = optional_text(help_text="What was done (optional).")


# --- Consultations ---


class QuestionSerializer(ReadOnlyModelSerializer):
    kind = serializers.ChoiceField(choices=Question.Kind.choices, read_only=True)
    choices = serializers.ListField(child=serializers.CharField(), read_only=True, help_text="What a respondent picks from.")

    class Meta:
        model = Question
        fields = ["id", "number", "text", "hint", "kind", "required", "choices", "max_length"]


class DocumentSerializer(ReadOnlyModelSerializer):
    class Meta:
        model = ConsultationDocument
        fields = ["id", "title", "original_name", "content_type", "size", "uploaded_at"]


class ConsultationSerializer(ReadOnlyModelSerializer):
    programme = ProgrammeRefSerializer(read_only=True)
    state = serializers.SerializerMethodField()
    deadline = serializers.CharField(source="deadline_text", read_only=True, help_text="'by 5pm on 15 July 2022', UK time.")
    questions = QuestionSerializer(many=True, read_only=True)
    documents = DocumentSerializer(many=True, read_only=True)

    class Meta:
        model = Consultation
        fields = [
            "id",
            "programme",
            "title",
            "description",
            "opens_at",
            "closes_at",
            "deadline",
            "state",
            "accepts_public",
            "ask_name",
            "ask_organisation",
            "ask_email",
            "privacy_notice",
            "is_demo",
            "questions",
            "documents",
        ]

    @extend_schema_field(serializers.ChoiceField(choices=Consultation.State.choices))
    def get_state(self, consultation: Consultation) -> str:
        return consultation.state(self.context.get("now"))


class ConsultationInputSerializer(serializers.Serializer):
    """A consultation, set up before it opens. Times without a zone are UK time."""

    programme = serializers.IntegerField(min_value=1, help_text="The programme's id.")
    title = serializers.CharField(max_length=200)
    description = serializers.CharField()
    opens_at = serializers.DateTimeField(help_text="In the future.")
    closes_at = serializers.DateTimeField(help_text="After opens_at.")
    privacy_notice = serializers.CharField()
    accepts_public = serializers.BooleanField(required=False, default=True)
    ask_name = serializers.BooleanField(required=False, default=False)
    ask_organisation = serializers.BooleanField(required=False, default=False)
    ask_email = serializers.BooleanField(required=False, default=False)


class ConsultationUpdateSerializer(serializers.Serializer):
    """Changing a consultation before it opens: what is left out stays as it is."""

    title = serializers.CharField(max_length=200, required=False)
    description = serializers.CharField(required=False)
    opens_at = serializers.DateTimeField(required=False)
    closes_at = serializers.DateTimeField(required=False)
    privacy_notice = serializers.CharField(required=False)
    accepts_public = serializers.BooleanField(required=False)
    ask_name = serializers.BooleanField(required=False)
    ask_organisation = serializers.BooleanField(required=False)
    ask_email = serializers.BooleanField(required=False)


class QuestionInputSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=500)
    hint = optional_text(500)
    kind = serializers.ChoiceField(choices=Question.Kind.choices)
    required = serializers.BooleanField(required=False, default=True)
    options = serializers.ListField(
        child=serializers.CharField(allow_blank=True, max_length=1000),
        required=False,
        max_length=100,
        help_text="Single and multiple choice: the options in order (2 to 20).",
    )
    max_length = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=1_000_000)


@extend_schema_field(
    {
        "type": "object",
        "description": "Question id → the answer: a string (free text, single choice, scale) or a list of strings "
        "(multiple choice). Leave out optional questions you do not answer.",
        "additionalProperties": {"oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]},
    }
)
class AnswersField(serializers.Field):
    """{question id: text or [choices]}; anything else is refused here, before the service checks the answers."""

    def to_internal_value(self, data):
        if not isinstance(data, dict):
            raise serializers.ValidationError("Give the answers as an object: question id → answer.")
        answers: dict[int, str | list[str]] = {}
        for key, value in data.items():
            if not str(key).isdigit():
                raise serializers.ValidationError(f"'{key}' is not a question id.")
            if not (isinstance(value, str) or (isinstance(value, list) and all(isinstance(v, str) for v in value))):
                raise serializers.ValidationError(f"The answer to question {key} must be text or a list of texts.")
            answers[int(key)] = value
        return answers

    def to_representation(self, value):
        return value


class ResponseInputSerializer(serializers.Serializer):
    answers = AnswersField()


class AnswerSerializer(serializers.Serializer):
    question = serializers.IntegerField(source="question_id", read_only=True)
    choices = serializers.ListField(child=serializers.CharField(), read_only=True)
    text = serializers.CharField(read_only=True)


class ResponseSerializer(ReadOnlyModelSerializer):
    channel = serializers.ChoiceField(choices=ConsultationResponse.Channel.choices, read_only=True)
    organisation = OrganisationRefSerializer(read_only=True, allow_null=True)
    answers = AnswerSerializer(many=True, read_only=True)
    submitted_by = serializers.CharField(source="submitted_by.username", read_only=True, allow_null=True, default=None)
    updated_by = serializers.CharField(source="updated_by.username", read_only=True, allow_null=True, default=None)

    class Meta:
        model = ConsultationResponse
        fields = [
            "id",
            "consultation",
            "channel",
            "organisation",
            "submitted_at",
            "submitted_by",
            "updated_at",
            "updated_by",
            "answers",
        ]


class ModeratedResponseSerializer(ResponseSerializer):
    """A response as officers see it on the page 'Responses': the respondent's details, and whether it is counted."""

    is_illustrative = serializers.BooleanField(read_only=True, help_text="Written by the demo loader, not a real respondent.")
    excluded = serializers.BooleanField(source="is_excluded", read_only=True, help_text="Left out of the summary.")
    excluded_by = serializers.CharField(source="excluded_by.username", read_only=True, allow_null=True, default=None)

    class Meta(ResponseSerializer.Meta):
        fields = [
            *ResponseSerializer.Meta.fields,
            "respondent_name",
            "respondent_organisation",
            "respondent_email",
            "is_illustrative",
            "excluded",
            "excluded_reason",
            "excluded_by",
            "excluded_at",
        ]


class ExcludeInputSerializer(serializers.Serializer):
    reason = serializers.CharField(
        max_length=300, help_text="Why it is left out, for example: spam, or a duplicate of response 12."
    )


class OptionCountSerializer(serializers.Serializer):
    label = serializers.CharField()
    count = serializers.IntegerField()
    percent = PlainDecimal(max_digits=5, decimal_places=1, help_text="Of those who answered, to 1 dp.")
    percent_text = serializers.CharField()


class TextAnswerSerializer(serializers.Serializer):
    text = serializers.CharField()
    respondent = serializers.CharField(help_text="The provider's name, or 'Member of the public'.")


class QuestionSummarySerializer(serializers.Serializer):
    number = serializers.IntegerField()
    text = serializers.CharField()
    kind = serializers.CharField()
    kind_label = serializers.CharField()
    required = serializers.BooleanField()
    respondents = serializers.IntegerField()
    answered = serializers.IntegerField()
    not_answered = serializers.IntegerField()
    options = OptionCountSerializer(many=True)
    scale_totals = OptionCountSerializer(many=True)
    text_answers = TextAnswerSerializer(many=True)
    notes = serializers.ListField(child=serializers.CharField())


class ConsultationSummarySerializer(serializers.Serializer):
    consultation_id = serializers.IntegerField()
    title = serializers.CharField()
    programme = serializers.CharField()
    opens_at = serializers.DateTimeField()
    closes_at = serializers.DateTimeField()
    is_closed = serializers.BooleanField(help_text="False: an interim summary while the consultation is open.")
    is_demo = serializers.BooleanField()
    responses = serializers.IntegerField(help_text="Responses counted in the summary.")
    from_providers = serializers.IntegerField()
    from_public = serializers.IntegerField()
    excluded = serializers.IntegerField(help_text="Left out by an officer (spam, duplicates).")
    questions = QuestionSummarySerializer(many=True)
    illustrative_note = serializers.CharField()
