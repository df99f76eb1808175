"""Engagement: meetings and the actions agreed at them, and consultations with their questions, documents,
responses (a provider's own, and officers' moderation) and summary.

Reads are scoped by the same selectors as the pages: a record the user may not see is a 404. Meetings and actions
are checked by the pages' own forms before their services are called.
"""

from __future__ import annotations

import datetime as dt
from functools import cached_property

import rules
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from vcsgrants.api.base import (
    DOCUMENT_ID,
    DOWNLOAD,
    IF_MATCH,
    NOT_MULTIPART,
    UPLOAD_CHECKS,
    DocumentUploadSerializer,
    ScopedViewSet,
    checked,
    choice_param,
    document_download,
    id_parameter,
    if_match,
    integer_param,
    path_id,
    read_input,
    referenced,
    refused,
    require_api,
    require_multipart,
    run,
    service_errors,
    with_etag,
)
from vcsgrants.api.serializers.engagement import (
    ActionDoneSerializer,
    ActionInputSerializer,
    ActionSerializer,
    ActionUpdateSerializer,
    ConsultationInputSerializer,
    ConsultationSerializer,
    ConsultationSummarySerializer,
    ConsultationUpdateSerializer,
    DocumentSerializer,
    ExcludeInputSerializer,
    MeetingInputSerializer,
    MeetingSerializer,
    MeetingUpdateSerializer,
    ModeratedResponseSerializer,
    QuestionInputSerializer,
    ResponseInputSerializer,
    ResponseSerializer,
)
from vcsgrants.core.models import Organisation, User
from vcsgrants.core.permissions import ACTIONS
from vcsgrants.core.rules import organisation_lineage, sees_everything
from vcsgrants.engagement.forms.meetings import ActionDoneForm, ActionEditForm, ActionForm, MeetingForm
from vcsgrants.engagement.models.consultations import Consultation, ConsultationResponse
from vcsgrants.engagement.models.meetings import Action, Meeting
from vcsgrants.engagement.selectors import consultations as consultation_selectors
from vcsgrants.engagement.selectors import meetings as meeting_selectors
from vcsgrants.engagement.services import consultations as consultation_services
from vcsgrants.engagement.services import meetings as meeting_services
from vcsgrants.funding.models import Agreement, Programme
from vcsgrants.funding.selectors.agreements import agreements_visible_to
from vcsgrants.monitoring.models import Kpi


def date_parameter(name: str, description: str) -> OpenApiParameter:
    return OpenApiParameter(name, OpenApiTypes.DATE, OpenApiParameter.QUERY, description=description)


def boolean_param(request, name: str) -> bool | None:
    value = request.query_params.get(name, "").strip().lower()
    if not value:
        return None
    if value not in ("true", "false"):
        raise ValidationError({name: [f"'{value}' is not true or false."]})
    return value == "true"


# --- Meetings and actions -----------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        summary="Meetings you can see: staff all; a provider its own and its programmes' partnership meetings",
        parameters=[
            id_parameter("programme", "Only this programme's meetings (its id)."),
            OpenApiParameter("kind", OpenApiTypes.STR, OpenApiParameter.QUERY, enum=Meeting.Kind.values),
            id_parameter("organisation", "Only meetings with or attended by this organisation (or its predecessor/successor)."),
            date_parameter("since", "Only meetings on or after this day."),
            date_parameter("until", "Only meetings on or before this day."),
        ],
    ),
    retrieve=extend_schema(
        summary="One meeting; notes are null where they are not shared with you",
        description="Answers with an ETag: send it in If-Match when changing the meeting (PATCH).",
    ),
    create=extend_schema(
        summary="Record a meeting that has taken place (officers)",
        request=MeetingInputSerializer,
        responses={201: MeetingSerializer, **refused(None)},
    ),
    partial_update=extend_schema(
        summary="Change a meeting's details (officers)",
        description="With If-Match (the ETag of the meeting's read), refused with 412 if the meeting changed since.",
        parameters=[IF_MATCH],
        request=MeetingUpdateSerializer,
        responses={200: MeetingSerializer, **refused()},
    ),
)
class MeetingViewSet(ScopedViewSet):
    serializer_class = MeetingSerializer
    list_permission = "engagement.view_meeting_list"
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet:
        meetings = (
            meeting_selectors.meetings_visible_to(self.request.user)
            .select_related("programme", "organisation", "recorded_by")
            .prefetch_related(
                Prefetch("attendee_users", queryset=User.objects.order_by("last_name", "username")),
                Prefetch("attending_organisations", queryset=Organisation.objects.order_by("name")),
                Prefetch("agreements", queryset=Agreement.objects.order_by("reference")),
                Prefetch("kpis", queryset=Kpi.objects.order_by("code")),
            )
            .order_by("-date", "-id")
        )
        if self.action != "list":
            return meetings
        params = self.request.query_params
        programme = integer_param(self.request, "programme")
        if programme is not None:
            meetings = meetings.filter(programme_id=programme)
        kind = choice_param(self.request, "kind", Meeting.Kind)
        if kind:
            meetings = meetings.filter(kind=kind)
        organisation = integer_param(self.request, "organisation")
        if organisation is not None:
            lineage = organisation_lineage(Organisation.objects.filter(pk=organisation).first())
            attended = Meeting.attending_organisations.through.objects.filter(organisation_id__in=lineage)
            meetings = meetings.filter(Q(organisation_id__in=lineage) | Q(pk__in=attended.values("meeting_id")))
        for name, lookup in (("since", "date__gte"), ("until", "date__lte")):
            if params.get(name, "").strip():
                meetings = meetings.filter(**{lookup: date_param(self.request, name)})
        return meetings

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if getattr(self, "swagger_fake_view", False):
            return context
        user = self.request.user
        # A provider sees only its own agreements among those a meeting discussed.
        context["visible_agreements"] = (
            None if sees_everything(user) else set(agreements_visible_to(user).values_list("pk", flat=True))
        )
        return context

    def create(self, request, *args, **kwargs):
        user = request.user
        require_api(user, "engagement.manage_meetings")
        data = read_input(MeetingInputSerializer, request)
        programme = referenced(Programme.objects.all(), data.pop("programme"), "programme", "programme")
        require_api(user, "engagement.manage_meetings", programme)
        kind = data.pop("kind")
        organisation = Organisation.objects.filter(pk=data.get("organisation") or 0).first()
        form = MeetingForm(data, programme=programme, kind=kind, organisation=organisation)
        checked(form)
        meeting = run(meeting_services.meeting_record, programme=programme, kind=kind, actor=user, **form.meeting_fields())
        return self.respond(meeting, status.HTTP_201_CREATED)

    def retrieve(self, request, *args, **kwargs):
        response = super().retrieve(request, *args, **kwargs)
        meeting = self.get_object()
        # Only to those who may change it: the ETag hashes the notes too, which a provider may not be shown.
        manages = request.user.has_perm("engagement.manage_meetings", meeting)
        return with_etag(response, meeting_services.meeting_state(meeting) if manages else None)

    def partial_update(self, request, *args, **kwargs):
        meeting = self.get_object_for("engagement.manage_meetings")
        data = MeetingForm.initial_from(meeting) | read_input(MeetingUpdateSerializer, request)
        form = MeetingForm(data, programme=meeting.programme, kind=meeting.kind, organisation=meeting.organisation)
        checked(form)
        fields = form.meeting_fields()
        run(meeting_services.meeting_update, meeting=meeting, actor=request.user, version=if_match(request), **fields)
        return self.respond(meeting)


def date_param(request, name: str) -> dt.date:
    value = request.query_params.get(name, "").strip()
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ValidationError({name: [f"'{value}' is not a date: write it like 2022-07-15."]}) from None


@extend_schema_view(
    list=extend_schema(
        summary="Actions agreed at the meetings you can see, with their owners and due dates",
        parameters=[
            id_parameter("meeting", "Only this meeting's actions (its id)."),
            id_parameter("programme", "Only actions from this programme's meetings (its id)."),
            OpenApiParameter("status", OpenApiTypes.STR, OpenApiParameter.QUERY, enum=Action.Status.values),
            OpenApiParameter(
                "overdue", OpenApiTypes.BOOL, OpenApiParameter.QUERY, description="true: only open actions past their due date."
            ),
            id_parameter("owner_organisation", "Only actions this organisation owns (its id)."),
        ],
    ),
    retrieve=extend_schema(
        summary="One action",
        description="To those who may change it, answers with an ETag: send it in If-Match when changing the action (PATCH).",
    ),
    create=extend_schema(
        summary="Add an action agreed at a meeting (officers)",
        request=ActionInputSerializer,
        responses={201: ActionSerializer, **refused(None)},
    ),
    partial_update=extend_schema(
        summary="Change an action: what, who, when, or its status (officers)",
        description="With If-Match (the ETag of the action's read), refused with 412 if the action changed since "
        "(marked done by its owner, too).",
        parameters=[IF_MATCH],
        request=ActionUpdateSerializer,
        responses={200: ActionSerializer, **refused()},
    ),
    done=extend_schema(
        summary="Mark an open action done (its owner, or an officer)",
        request=ActionDoneSerializer,
        responses={200: ActionSerializer, **refused()},
    ),
)
class ActionViewSet(ScopedViewSet):
    serializer_class = ActionSerializer
    list_permission = "engagement.view_meeting_list"
    http_method_names = ["get", "post", "patch", "head", "options"]

    @cached_property
    def as_at(self) -> dict[int, dt.date]:
        """The day each programme's actions are judged overdue on (today, or the programme's end)."""
        return meeting_selectors.engagement_dates(set(Programme.objects.values_list("pk", flat=True)))

    def get_queryset(self) -> QuerySet:
        actions = (
            meeting_selectors.actions_visible_to(self.request.user)
            .select_related("meeting__programme", "owner_user", "owner_organisation")
            .order_by("due_date", "id")
        )
        if self.action != "list":
            return actions
        for name, field in (("meeting", "meeting_id"), ("programme", "meeting__programme_id")):
            value = integer_param(self.request, name)
            if value is not None:
                actions = actions.filter(**{field: value})
        owner = integer_param(self.request, "owner_organisation")
        if owner is not None:
            actions = actions.filter(owner_organisation_id=owner)
        state = choice_param(self.request, "status", Action.Status)
        if state:
            actions = actions.filter(status=state)
        overdue = boolean_param(self.request, "overdue")
        if overdue is not None:
            late = Q(pk__in=[])
            for programme_id, on in self.as_at.items():
                late |= Q(meeting__programme_id=programme_id, due_date__lt=on)
            late &= Q(status=Action.Status.OPEN)
            actions = actions.filter(late) if overdue else actions.exclude(late)
        return actions

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if not getattr(self, "swagger_fake_view", False):
            context["as_at"] = self.as_at
        return context

    def create(self, request, *args, **kwargs):
        user = request.user
        require_api(user, "engagement.manage_meetings")
        data = read_input(ActionInputSerializer, request)
        meeting = referenced(Meeting.objects.select_related("programme"), data.pop("meeting"), "meeting", "meeting")
        require_api(user, "engagement.manage_meetings", meeting)
        cleaned = checked(ActionForm(data, meeting=meeting))
        created = run(meeting_services.action_add, meeting=meeting, actor=user, **cleaned)
        return self.respond(created, status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        record = self.get_object_for("engagement.manage_meetings")
        data = ActionEditForm.initial_from(record) | read_input(ActionUpdateSerializer, request)
        cleaned = checked(ActionEditForm(data, meeting=record.meeting))
        cleaned["version"] = if_match(request)  # the API's version is the If-Match header, not the page's field
        run(meeting_services.action_update, action=record, actor=request.user, **cleaned)
        return self.respond(record)

    def retrieve(self, request, *args, **kwargs):
        response = super().retrieve(request, *args, **kwargs)
        record = self.get_object()
        # Only to those who may change it, as for meetings: the ETag is of what a PATCH changes.
        manages = request.user.has_perm("engagement.manage_meetings", record)
        return with_etag(response, meeting_services.action_state(record) if manages else None)

    @action(detail=True, methods=["post"])
    def done(self, request, pk=None):
        record = self.get_object_for("engagement.complete_action")
        cleaned = checked(ActionDoneForm(read_input(ActionDoneSerializer, request)))
        run(meeting_services.action_mark_done, action=record, actor=request.user, **cleaned)
        return self.respond(record)


# --- Consultations ------------------------------------------------------------------------------------


def state_filter(state: str, now: dt.datetime) -> Q:
    if state == Consultation.State.NOT_OPEN:
        return Q(opens_at__gt=now)
    if state == Consultation.State.OPEN:
        return Q(opens_at__lte=now, closes_at__gt=now)
    return Q(closes_at__lte=now)


QUESTION_ID = path_id("question_id", "The question's id.")
RESPONSE_ID = path_id("response_id", "The response's id.")
MODERATION_RELATED = ("organisation", "submitted_by", "updated_by", "excluded_by")


@extend_schema_view(
    list=extend_schema(
        summary="Consultations you can see: staff all; providers and partners their programmes' once open",
        parameters=[
            id_parameter("programme", "Only this programme's consultations (its id)."),
            OpenApiParameter("state", OpenApiTypes.STR, OpenApiParameter.QUERY, enum=Consultation.State.values),
        ],
    ),
    retrieve=extend_schema(
        summary="One consultation, with its questions and documents",
        description="Answers with an ETag: send it in If-Match when changing the consultation (PATCH).",
    ),
    create=extend_schema(
        summary="Create a consultation (officers); add its questions before it opens",
        request=ConsultationInputSerializer,
        responses={201: ConsultationSerializer, **refused(None)},
    ),
    partial_update=extend_schema(
        summary="Change a consultation before it opens (officers)",
        description="With If-Match (the ETag of the consultation's read), refused with 412 if it changed since.",
        parameters=[IF_MATCH],
        request=ConsultationUpdateSerializer,
        responses={200: ConsultationSerializer, **refused()},
    ),
    questions=extend_schema(
        summary="Add a question before the consultation opens (officers)",
        request=QuestionInputSerializer,
        responses={201: ConsultationSerializer, **refused()},
    ),
    question=extend_schema(
        summary="Change (PATCH, every field given) or remove (DELETE) a question before the consultation opens (officers)",
        parameters=[QUESTION_ID],
        request=QuestionInputSerializer,
        responses={200: ConsultationSerializer, **refused()},
    ),
    summary=extend_schema(
        summary="The summary of responses per question (interim while open); staff, and co-funding partners once closed",
        responses={200: ConsultationSummarySerializer},
    ),
)
class ConsultationViewSet(ScopedViewSet):
    serializer_class = ConsultationSerializer
    list_permission = "engagement.view_consultation_list"
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self) -> QuerySet:
        consultations = (
            consultation_selectors.consultations_visible_to(self.request.user)
            .prefetch_related("questions", "documents")
            .order_by("-closes_at", "-id")
        )
        if self.action == "list":
            programme = integer_param(self.request, "programme")
            if programme is not None:
                consultations = consultations.filter(programme_id=programme)
            state = choice_param(self.request, "state", Consultation.State)
            if state:
                consultations = consultations.filter(state_filter(state, timezone.now()))
        return consultations

    def create(self, request, *args, **kwargs):
        user = request.user
        require_api(user, "engagement.manage_consultation")
        data = read_input(ConsultationInputSerializer, request)
        programme = referenced(Programme.objects.all(), data.pop("programme"), "programme", "programme")
        consultation = run(consultation_services.consultation_create, programme=programme, actor=user, **data)
        return self.respond(consultation, status.HTTP_201_CREATED)

    def retrieve(self, request, *args, **kwargs):
        response = super().retrieve(request, *args, **kwargs)
        consultation = self.get_object()
        manages = request.user.has_perm("engagement.manage_consultation", consultation)
        return with_etag(response, consultation_services.consultation_state(consultation) if manages else None)

    def partial_update(self, request, *args, **kwargs):
        consultation = self.get_object_for("engagement.manage_consultation")
        changes = read_input(ConsultationUpdateSerializer, request)
        run(
            consultation_services.consultation_update,
            consultation=consultation,
            actor=request.user,
            version=if_match(request),
            **changes,
        )
        return self.respond(consultation)

    @action(detail=True, methods=["post"])
    def questions(self, request, pk=None):
        consultation = self.get_object_for("engagement.manage_consultation")
        data = read_input(QuestionInputSerializer, request)
        run(consultation_services.question_add, consultation=consultation, actor=request.user, **data)
        return self.respond(consultation, status.HTTP_201_CREATED)

    @action(detail=True, methods=["patch", "delete"], url_path="questions/<int:question_id>")
    def question(self, request, pk=None, question_id=None):
        consultation = self.get_object_for("engagement.manage_consultation")
        question = consultation.questions.filter(pk=question_id).first()
        if question is None:
            raise NotFound(f"Consultation {consultation.pk} has no question {question_id}.")
        if request.method == "DELETE":
            run(consultation_services.question_delete, question=question, actor=request.user)
        else:
            data = read_input(QuestionInputSerializer, request)
            run(consultation_services.question_update, question=question, actor=request.user, **data)
        return self.respond(consultation)

    @extend_schema(
        methods=["GET"],
        summary="Your organisation's response (providers)",
        responses={200: ResponseSerializer},
    )
    @extend_schema(
        methods=["POST"],
        summary="Send or change your organisation's response while the consultation is open (providers)",
        description="Errors about an answer are under answers.<question id>.",
        request=ResponseInputSerializer,
        responses={200: ResponseSerializer, 201: ResponseSerializer, **refused()},
    )
    @action(detail=True, methods=["get", "post"])
    def response(self, request, pk=None):
        consultation = self.get_object()
        user = request.user
        # The rule itself, not has_perm: a superuser is not a provider organisation and has no response to write.
        if not rules.has_perm("engagement.respond_consultation", user, consultation):
            roles = ", ".join(user.role_names) or "none"
            raise PermissionDenied(f"Your role ({roles}) does not allow you to {ACTIONS['engagement.respond_consultation']}.")
        existing = consultation_selectors.organisation_response(consultation, user.organisation_id)
        if request.method == "GET":
            if existing is None:
                raise NotFound("Your organisation has not responded to this consultation.")
            return Response(ResponseSerializer(existing).data)
        answers = read_input(ResponseInputSerializer, request)["answers"]
        try:
            saved = consultation_services.provider_response_save(
                consultation=consultation, organisation=user.organisation, answers=answers, actor=user
            )
        except DjangoValidationError as exc:
            raise ValidationError(answer_errors(exc)) from exc
        saved = consultation_selectors.organisation_response(consultation, user.organisation_id)
        return Response(ResponseSerializer(saved).data, status=status.HTTP_200_OK if existing else status.HTTP_201_CREATED)

    @action(detail=True, methods=["get"])
    def summary(self, request, pk=None):
        consultation = self.get_object_for("engagement.view_consultation_summary")
        return Response(ConsultationSummarySerializer(consultation_selectors.consultation_summary(consultation)).data)

    @extend_schema(
        summary="Upload a document to the consultation before it opens, as multipart/form-data (officers)",
        description=UPLOAD_CHECKS,
        request={"multipart/form-data": DocumentUploadSerializer},
        responses={201: DocumentSerializer, **refused(), **NOT_MULTIPART},
    )
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser])
    def documents(self, request, pk=None):
        consultation = self.get_object_for("engagement.manage_consultation")
        require_multipart(request)
        data = read_input(DocumentUploadSerializer, request)
        document = run(
            consultation_services.document_upload,
            consultation=consultation,
            title=data["title"],
            upload=data["file"],
            actor=request.user,
        )
        return Response(DocumentSerializer(document).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Download one of the consultation's documents, as an attachment (anyone who can see the consultation)",
        parameters=[DOCUMENT_ID],
        responses=DOWNLOAD,
    )
    @action(detail=True, methods=["get"], url_path="documents/<int:document_id>")
    def document(self, request, pk=None, document_id=None):
        consultation = self.get_object_for("engagement.view_consultation")
        missing = f"Consultation {consultation.pk} has no document {document_id}."
        return document_download(consultation.documents, document_id, missing)

    def _moderated(self, response_id) -> ConsultationResponse:
        consultation = self.get_object_for("engagement.view_consultation_responses")
        found = consultation.responses.filter(pk=response_id).first()
        if found is None:
            raise NotFound(f"Consultation {consultation.pk} has no response {response_id}.")
        return found

    def _moderation_answer(self, response: ConsultationResponse) -> Response:
        response = (
            ConsultationResponse.objects.select_related(*MODERATION_RELATED).prefetch_related("answers").get(pk=response.pk)
        )
        return Response(ModeratedResponseSerializer(response).data)

    @extend_schema(
        summary="Every response, counted or left out, with the respondent's details and answers (officers)",
        responses={200: ModeratedResponseSerializer(many=True)},
    )
    @action(detail=True, methods=["get"], pagination_class=None)
    def responses(self, request, pk=None):
        consultation = self.get_object_for("engagement.view_consultation_responses")
        responses = consultation.responses.select_related(*MODERATION_RELATED).prefetch_related("answers")
        return Response(ModeratedResponseSerializer(responses, many=True).data)

    @extend_schema(
        summary="Leave a response out of the summary, saying why; it is kept and can be counted again (officers)",
        parameters=[RESPONSE_ID],
        request=ExcludeInputSerializer,
        responses={200: ModeratedResponseSerializer, **refused()},
    )
    @action(detail=True, methods=["post"], url_path="responses/<int:response_id>/exclude")
    def exclude_response(self, request, pk=None, response_id=None):
        response = self._moderated(response_id)
        data = read_input(ExcludeInputSerializer, request)
        run(consultation_services.response_exclude, response=response, reason=data["reason"], actor=request.user)
        return self._moderation_answer(response)

    @extend_schema(
        summary="Count a response that was left out in the summary again (officers)",
        parameters=[RESPONSE_ID],
        request=None,
        responses={200: ModeratedResponseSerializer, **refused()},
    )
    @action(detail=True, methods=["post"], url_path="responses/<int:response_id>/include")
    def include_response(self, request, pk=None, response_id=None):
        response = self._moderated(response_id)
        run(consultation_services.response_include, response=response, actor=request.user)
        return self._moderation_answer(response)


def answer_errors(exc: DjangoValidationError) -> dict:
    """The service's q<id> errors under answers.<id>; others as they are."""
    errors = service_errors(exc)
    answers = {key[1:]: errors.pop(key) for key in list(errors) if key.startswith("q") and key[1:].isdigit()}
    if answers:
        errors["answers"] = answers
    return errors
