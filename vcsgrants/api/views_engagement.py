"""Meetings and actions, consultations, decisions, and the equity writes.

Each write does what its page does, in the same order: the page's permission (403 with the reason), the
page's form (so the same choices and checks), then the same service (so the same rules, one transaction
and the audit log). A form's or a service's refusal is a 400 naming the field; nothing is half-written.
Reads are scoped by the same selectors as the pages: a record the user may not see is a 404.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import cached_property

import rules
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Prefetch, Q, QuerySet
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.settings import api_settings

from vcsgrants.api import serializers_engagement as s
from vcsgrants.api.serializers import EquityOptionSerializer, EquityOptionSetSerializer
from vcsgrants.api.serializers_funding import DocumentUploadSerializer
from vcsgrants.api.views import (
    NOT_MULTIPART,
    ScopedViewSet,
    choice_param,
    financial_year_param,
    financial_year_parameter,
    integer_param,
    read_input,
    require_api,
    require_multipart,
    service_errors,
    year_bounds,
)
from vcsgrants.api.views import (
    OptionSetViewSet as ReadOnlyOptionSetViewSet,
)
from vcsgrants.core import uploads
from vcsgrants.core.models import FinancialYear, Organisation, User
from vcsgrants.core.permissions import ACTIONS
from vcsgrants.core.rules import organisation_lineage, sees_everything
from vcsgrants.core.services import parse_financial_year_label
from vcsgrants.engagement.forms.meetings import ActionDoneForm, ActionEditForm, ActionForm, MeetingForm
from vcsgrants.engagement.models.consultations import Consultation, ConsultationResponse
from vcsgrants.engagement.models.meetings import Action, Meeting
from vcsgrants.engagement.selectors import consultations as consultation_selectors
from vcsgrants.engagement.selectors import meetings as meeting_selectors
from vcsgrants.engagement.services import consultations as consultation_services
from vcsgrants.engagement.services import meetings as meeting_services
from vcsgrants.equity import services as equity_services
from vcsgrants.equity.engine import METHODS
from vcsgrants.equity.forms import OptionForm, OptionSetForm
from vcsgrants.equity.models import Option
from vcsgrants.funding import services as funding_services
from vcsgrants.funding.forms import DecisionForm
from vcsgrants.funding.models import Agreement, Decision, Programme
from vcsgrants.funding.selectors import agreements_visible_to
from vcsgrants.monitoring.models import Kpi


@csrf_exempt  # as every API view is: it answers any method, with nothing to protect
def api_not_found(request, *args, **kwargs) -> JsonResponse:
    """Any address under /api/ that is no endpoint: a JSON 404, as every other API answer is JSON."""
    return JsonResponse({"detail": "There is no such address in the API: see /api/ for its endpoints."}, status=404)


# --- Writes: input, the page's form, the service ---------------------------------------------------


def checked(form) -> dict:
    """The page's form, bound to the API's input: its cleaned data, or a 400 with its errors by field."""
    if form.is_valid():
        return form.cleaned_data
    errors: dict = {}
    for field, messages in form.errors.get_json_data().items():
        key = api_settings.NON_FIELD_ERRORS_KEY if field == "__all__" else field
        errors[key] = [m["message"] for m in messages]
    raise ValidationError(errors)


def call(service: Callable, **kwargs):
    """A service call whose refusal becomes a 400 with its messages by field."""
    try:
        return service(**kwargs)
    except DjangoValidationError as exc:
        raise ValidationError(service_errors(exc)) from exc


def referenced(queryset: QuerySet, pk: int, field: str, what: str):
    """The record an input names by id, or a 400 at that field."""
    record = queryset.filter(pk=pk).first()
    if record is None:
        raise ValidationError({field: [f"There is no {what} {pk} that you can use."]})
    return record


REFUSALS = {
    400: OpenApiResponse(description="Refused: each problem under the field it concerns (non_field_errors otherwise)."),
    403: OpenApiResponse(description="Your role does not allow this, with the reason."),
}
NOT_FOUND = {404: OpenApiResponse(description="No such record that you can see.")}


class WritableViewSet(ScopedViewSet):
    """A ScopedViewSet whose writes answer with the record as a read would show it."""

    def respond(self, record, code: int = status.HTTP_200_OK) -> Response:
        record = self.get_queryset().get(pk=record.pk)  # afresh, with everything the serializer reads
        return Response(self.get_serializer(record).data, status=code)


def date_parameter(name: str, description: str) -> OpenApiParameter:
    return OpenApiParameter(name, OpenApiTypes.DATE, OpenApiParameter.QUERY, description=description)


def id_parameter(name: str, description: str) -> OpenApiParameter:
    return OpenApiParameter(name, OpenApiTypes.INT, OpenApiParameter.QUERY, description=description)


def path_id(name: str, description: str) -> OpenApiParameter:
    return OpenApiParameter(name, OpenApiTypes.INT, OpenApiParameter.PATH, description=description)


def boolean_param(request, name: str) -> bool | None:
    value = request.query_params.get(name, "").strip().lower()
    if not value:
        return None
    if value not in ("true", "false"):
        raise ValidationError({name: [f"'{value}' is not true or false."]})
    return value == "true"


# --- Decisions -------------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        summary="Cabinet and delegated decisions (council staff)",
        parameters=[financial_year_parameter("Only decisions taken in this year.")],
    ),
    retrieve=extend_schema(summary="One decision"),
    create=extend_schema(
        summary="Record a decision (officers and cabinet members)",
        request=s.DecisionInputSerializer,
        responses={201: s.DecisionSerializer, **REFUSALS},
    ),
)
class DecisionViewSet(WritableViewSet):
    serializer_class = s.DecisionSerializer
    list_permission = "funding.view_decision"

    def get_queryset(self) -> QuerySet:
        decisions = Decision.objects.select_related("recorded_by").order_by("-decision_date", "-id")
        if self.action == "list":
            year = financial_year_param(self.request)
            if year is not None:
                start, end = year_bounds(year)
                decisions = decisions.filter(decision_date__range=(start, end))
        return decisions

    def create(self, request, *args, **kwargs):
        require_api(request.user, "funding.record_decision")
        form = DecisionForm(read_input(s.DecisionInputSerializer, request))
        checked(form)
        decision = funding_services.decision_record(decision=form.save(commit=False), actor=request.user)
        return self.respond(decision, status.HTTP_201_CREATED)


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
    retrieve=extend_schema(summary="One meeting; notes are null where they are not shared with you"),
    create=extend_schema(
        summary="Record a meeting that has taken place (officers)",
        request=s.MeetingInputSerializer,
        responses={201: s.MeetingSerializer, **REFUSALS},
    ),
    partial_update=extend_schema(
        summary="Change a meeting's details (officers)",
        request=s.MeetingUpdateSerializer,
        responses={200: s.MeetingSerializer, **REFUSALS, **NOT_FOUND},
    ),
)
class MeetingViewSet(WritableViewSet):
    serializer_class = s.MeetingSerializer
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
        data = read_input(s.MeetingInputSerializer, request)
        programme = referenced(Programme.objects.all(), data.pop("programme"), "programme", "programme")
        require_api(user, "engagement.manage_meetings", programme)
        kind = data.pop("kind")
        organisation = Organisation.objects.filter(pk=data.get("organisation") or 0).first()
        form = MeetingForm(data, programme=programme, kind=kind, organisation=organisation)
        checked(form)
        meeting = call(meeting_services.meeting_record, programme=programme, kind=kind, actor=user, **form.meeting_fields())
        return self.respond(meeting, status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        meeting = self.get_object()
        require_api(request.user, "engagement.manage_meetings", meeting)
        data = MeetingForm.initial_from(meeting) | read_input(s.MeetingUpdateSerializer, request)
        form = MeetingForm(data, programme=meeting.programme, kind=meeting.kind, organisation=meeting.organisation)
        checked(form)
        call(meeting_services.meeting_update, meeting=meeting, actor=request.user, **form.meeting_fields())
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
    retrieve=extend_schema(summary="One action"),
    create=extend_schema(
        summary="Add an action agreed at a meeting (officers)",
        request=s.ActionInputSerializer,
        responses={201: s.ActionSerializer, **REFUSALS},
    ),
    partial_update=extend_schema(
        summary="Change an action: what, who, when, or its status (officers)",
        request=s.ActionUpdateSerializer,
        responses={200: s.ActionSerializer, **REFUSALS, **NOT_FOUND},
    ),
    done=extend_schema(
        summary="Mark an open action done (its owner, or an officer)",
        request=s.ActionDoneSerializer,
        responses={200: s.ActionSerializer, **REFUSALS, **NOT_FOUND},
    ),
)
class ActionViewSet(WritableViewSet):
    serializer_class = s.ActionSerializer
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
        data = read_input(s.ActionInputSerializer, request)
        meeting = referenced(Meeting.objects.select_related("programme"), data.pop("meeting"), "meeting", "meeting")
        require_api(user, "engagement.manage_meetings", meeting)
        cleaned = checked(ActionForm(data, meeting=meeting))
        created = call(meeting_services.action_add, meeting=meeting, actor=user, **cleaned)
        return self.respond(created, status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        record = self.get_object()
        require_api(request.user, "engagement.manage_meetings", record)
        data = ActionEditForm.initial_from(record) | read_input(s.ActionUpdateSerializer, request)
        cleaned = checked(ActionEditForm(data, meeting=record.meeting))
        call(meeting_services.action_update, action=record, actor=request.user, **cleaned)
        return self.respond(record)

    @action(detail=True, methods=["post"])
    def done(self, request, pk=None):
        record = self.get_object()
        require_api(request.user, "engagement.complete_action", record)
        cleaned = checked(ActionDoneForm(read_input(s.ActionDoneSerializer, request)))
        call(meeting_services.action_mark_done, action=record, actor=request.user, **cleaned)
        return self.respond(record)


# --- Consultations ------------------------------------------------------------------------------------


def state_filter(state: str, now: dt.datetime) -> Q:
    if state == Consultation.State.NOT_OPEN:
        return Q(opens_at__gt=now)
    if state == Consultation.State.OPEN:
        return Q(opens_at__lte=now, closes_at__gt=now)
    return Q(closes_at__lte=now)


QUESTION_ID = path_id("question_id", "The question's id.")
DOCUMENT_ID = path_id("document_id", "The document's id.")
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
    retrieve=extend_schema(summary="One consultation, with its questions and documents"),
    create=extend_schema(
        summary="Create a consultation (officers); add its questions before it opens",
        request=s.ConsultationInputSerializer,
        responses={201: s.ConsultationSerializer, **REFUSALS},
    ),
    partial_update=extend_schema(
        summary="Change a consultation before it opens (officers)",
        request=s.ConsultationUpdateSerializer,
        responses={200: s.ConsultationSerializer, **REFUSALS, **NOT_FOUND},
    ),
    questions=extend_schema(
        summary="Add a question before the consultation opens (officers)",
        request=s.QuestionInputSerializer,
        responses={201: s.ConsultationSerializer, **REFUSALS, **NOT_FOUND},
    ),
    question=extend_schema(
        summary="Change (PATCH, every field given) or remove (DELETE) a question before the consultation opens (officers)",
        parameters=[QUESTION_ID],
        request=s.QuestionInputSerializer,
        responses={200: s.ConsultationSerializer, **REFUSALS, **NOT_FOUND},
    ),
    summary=extend_schema(
        summary="The summary of responses per question (interim while open); staff, and co-funding partners once closed",
        responses={200: s.ConsultationSummarySerializer, 403: REFUSALS[403], **NOT_FOUND},
    ),
)
class ConsultationViewSet(WritableViewSet):
    serializer_class = s.ConsultationSerializer
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

    def _managed(self, pk) -> Consultation:
        consultation = self.get_object()
        require_api(self.request.user, "engagement.manage_consultation", consultation)
        return consultation

    def create(self, request, *args, **kwargs):
        user = request.user
        require_api(user, "engagement.manage_consultation")
        data = read_input(s.ConsultationInputSerializer, request)
        programme = referenced(Programme.objects.all(), data.pop("programme"), "programme", "programme")
        consultation = call(consultation_services.consultation_create, programme=programme, actor=user, **data)
        return self.respond(consultation, status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        consultation = self._managed(kwargs.get("pk"))
        changes = read_input(s.ConsultationUpdateSerializer, request)
        call(consultation_services.consultation_update, consultation=consultation, actor=request.user, **changes)
        return self.respond(consultation)

    @action(detail=True, methods=["post"])
    def questions(self, request, pk=None):
        consultation = self._managed(pk)
        data = read_input(s.QuestionInputSerializer, request)
        call(consultation_services.question_add, consultation=consultation, actor=request.user, **data)
        return self.respond(consultation, status.HTTP_201_CREATED)

    @action(detail=True, methods=["patch", "delete"], url_path="questions/<int:question_id>")
    def question(self, request, pk=None, question_id=None):
        consultation = self._managed(pk)
        question = consultation.questions.filter(pk=question_id).first()
        if question is None:
            raise NotFound(f"Consultation {consultation.pk} has no question {question_id}.")
        if request.method == "DELETE":
            call(consultation_services.question_delete, question=question, actor=request.user)
        else:
            data = read_input(s.QuestionInputSerializer, request)
            call(consultation_services.question_update, question=question, actor=request.user, **data)
        return self.respond(consultation)

    @extend_schema(
        methods=["GET"],
        summary="Your organisation's response (providers)",
        responses={200: s.ResponseSerializer, 403: REFUSALS[403], **NOT_FOUND},
    )
    @extend_schema(
        methods=["POST"],
        summary="Send or change your organisation's response while the consultation is open (providers)",
        description="Errors about an answer are under answers.<question id>.",
        request=s.ResponseInputSerializer,
        responses={200: s.ResponseSerializer, 201: s.ResponseSerializer, **REFUSALS, **NOT_FOUND},
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
            return Response(s.ResponseSerializer(existing).data)
        answers = read_input(s.ResponseInputSerializer, request)["answers"]
        try:
            saved = consultation_services.provider_response_save(
                consultation=consultation, organisation=user.organisation, answers=answers, actor=user
            )
        except DjangoValidationError as exc:
            raise ValidationError(answer_errors(exc)) from exc
        saved = consultation_selectors.organisation_response(consultation, user.organisation_id)
        return Response(s.ResponseSerializer(saved).data, status=status.HTTP_200_OK if existing else status.HTTP_201_CREATED)

    @action(detail=True, methods=["get"])
    def summary(self, request, pk=None):
        consultation = self.get_object()
        require_api(request.user, "engagement.view_consultation_summary", consultation)
        return Response(s.ConsultationSummarySerializer(consultation_selectors.consultation_summary(consultation)).data)

    @extend_schema(
        summary="Upload a document to the consultation before it opens, as multipart/form-data (officers)",
        description="The same checks as the page: the file must not be empty or too large, must be a type the service "
        "accepts, and its content must match its name.",
        request={"multipart/form-data": DocumentUploadSerializer},
        responses={201: s.DocumentSerializer, **REFUSALS, **NOT_FOUND, **NOT_MULTIPART},
    )
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser])
    def documents(self, request, pk=None):
        consultation = self._managed(pk)
        require_multipart(request)
        data = read_input(DocumentUploadSerializer, request)
        document = call(
            consultation_services.document_upload,
            consultation=consultation,
            title=data["title"],
            upload=data["file"],
            actor=request.user,
        )
        return Response(s.DocumentSerializer(document).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Download one of the consultation's documents, as an attachment (anyone who can see the consultation)",
        parameters=[DOCUMENT_ID],
        responses={
            (200, "*/*"): OpenApiResponse(OpenApiTypes.BINARY, description="The file, under its original name."),
            403: REFUSALS[403],
            **NOT_FOUND,
        },
    )
    @action(detail=True, methods=["get"], url_path="documents/<int:document_id>")
    def document(self, request, pk=None, document_id=None):
        consultation = self.get_object()
        require_api(request.user, "engagement.view_consultation", consultation)
        document = consultation.documents.filter(pk=document_id).first()
        if document is None:
            raise NotFound(f"Consultation {consultation.pk} has no document {document_id}.")
        return uploads.download_response(document.file, document.original_name, document.content_type)

    def _moderated(self, response_id) -> ConsultationResponse:
        consultation = self.get_object()
        require_api(self.request.user, "engagement.view_consultation_responses", consultation)
        found = consultation.responses.filter(pk=response_id).first()
        if found is None:
            raise NotFound(f"Consultation {consultation.pk} has no response {response_id}.")
        return found

    def _moderation_answer(self, response: ConsultationResponse) -> Response:
        response = (
            ConsultationResponse.objects.select_related(*MODERATION_RELATED).prefetch_related("answers").get(pk=response.pk)
        )
        return Response(s.ModeratedResponseSerializer(response).data)

    @extend_schema(
        summary="Every response, counted or left out, with the respondent's details and answers (officers)",
        responses={200: s.ModeratedResponseSerializer(many=True), 403: REFUSALS[403], **NOT_FOUND},
    )
    @action(detail=True, methods=["get"])
    def responses(self, request, pk=None):
        consultation = self.get_object()
        require_api(request.user, "engagement.view_consultation_responses", consultation)
        responses = consultation.responses.select_related(*MODERATION_RELATED).prefetch_related("answers")
        return Response(s.ModeratedResponseSerializer(responses, many=True).data)

    @extend_schema(
        summary="Leave a response out of the summary, saying why; it is kept and can be counted again (officers)",
        parameters=[RESPONSE_ID],
        request=s.ExcludeInputSerializer,
        responses={200: s.ModeratedResponseSerializer, **REFUSALS, **NOT_FOUND},
    )
    @action(detail=True, methods=["post"], url_path="responses/<int:response_id>/exclude")
    def exclude_response(self, request, pk=None, response_id=None):
        response = self._moderated(response_id)
        data = read_input(s.ExcludeInputSerializer, request)
        call(consultation_services.response_exclude, response=response, reason=data["reason"], actor=request.user)
        return self._moderation_answer(response)

    @extend_schema(
        summary="Count a response that was left out in the summary again (officers)",
        parameters=[RESPONSE_ID],
        request=None,
        responses={200: s.ModeratedResponseSerializer, **REFUSALS, **NOT_FOUND},
    )
    @action(detail=True, methods=["post"], url_path="responses/<int:response_id>/include")
    def include_response(self, request, pk=None, response_id=None):
        response = self._moderated(response_id)
        call(consultation_services.response_include, response=response, actor=request.user)
        return self._moderation_answer(response)


def answer_errors(exc: DjangoValidationError) -> dict:
    """The service's q<id> errors under answers.<id>; others as they are."""
    errors = service_errors(exc)
    answers = {key[1:]: errors.pop(key) for key in list(errors) if key.startswith("q") and key[1:].isdigit()}
    if answers:
        errors["answers"] = answers
    return errors


# --- Equity options: build, add, remove, adopt --------------------------------------------------------

OPTION_ID = path_id("option_id", "The option's id.")


@extend_schema_view(
    create=extend_schema(
        summary="Build an option set over the council's districts (officers)",
        request=s.OptionSetInputSerializer,
        responses={201: EquityOptionSetSerializer, **REFUSALS},
    ),
    options=extend_schema(
        summary="Add an option to the set, once the engine shows it can be met (officers)",
        request=s.OptionInputSerializer,
        responses={201: EquityOptionSerializer, **REFUSALS, **NOT_FOUND},
    ),
    remove_option=extend_schema(
        summary="Remove an option that has not been adopted (officers)",
        parameters=[OPTION_ID],
        request=None,
        responses={204: None, **REFUSALS, **NOT_FOUND},
    ),
    adopt=extend_schema(
        summary="Adopt an option as the year's allocations of the stream (officers)",
        description="Refused, with every reason, unless the allocations reconcile to the stream's budget to the penny "
        "and cover what agreements already commit.",
        parameters=[OPTION_ID],
        request=s.AdoptInputSerializer,
        responses={200: s.AdoptedAllocationSerializer(many=True), **REFUSALS, **NOT_FOUND},
    ),
)
class OptionSetViewSet(ReadOnlyOptionSetViewSet, WritableViewSet):
    """The read-only option sets, with the writes the equity pages allow."""

    http_method_names = ["get", "post", "delete", "head", "options"]

    def _managed(self, perm: str = "equity.manage_options"):
        option_set = self.get_object()
        require_api(self.request.user, perm, option_set.programme)
        return option_set

    def _option(self, option_set, option_id) -> Option:
        option = option_set.options.filter(pk=option_id).first()
        if option is None:
            raise NotFound(f"Option set {option_set.pk} has no option {option_id}.")
        return option

    def create(self, request, *args, **kwargs):
        user = request.user
        require_api(user, "equity.manage_options")
        data = read_input(s.OptionSetInputSerializer, request)
        programme = referenced(Programme.objects.all(), data["programme"], "programme", "programme")
        require_api(user, "equity.manage_options", programme)
        try:
            start_year = parse_financial_year_label(data["financial_year"])
        except DjangoValidationError as exc:
            raise ValidationError({"financial_year": exc.messages}) from exc
        year = FinancialYear.objects.filter(start_year=start_year).first()
        if year is None:
            raise ValidationError({"financial_year": [f"There is no financial year {data['financial_year']} to allocate."]})
        form = OptionSetForm(
            {
                "name": data["name"],
                "stream": data["stream"],
                "financial_year": year.pk,
                "source": "districts",
                "budget": data.get("budget"),
                "notes": data.get("notes", ""),
            },
            programme=programme,
        )
        cleaned = checked(form)
        option_set = call(
            equity_services.option_set_from_districts,
            programme=programme,
            stream=cleaned["stream"],
            year=cleaned["financial_year"],
            name=cleaned["name"],
            notes=cleaned["notes"],
            budget=cleaned["budget"],
            actor=user,
        )
        return self.respond(option_set, status.HTTP_201_CREATED)

    @action(detail=True, methods=["post"])
    def options(self, request, pk=None):
        option_set = self._managed()
        data = read_input(s.OptionInputSerializer, request)
        indicators = list(option_set.indicators)
        errors = {}
        unknown_methods = sorted(set(data["shares"]) - set(METHODS))
        if unknown_methods:
            errors["shares"] = [f"There is no method called {', '.join(unknown_methods)}: use {', '.join(METHODS)}."]
        unknown_indicators = sorted(set(data.get("weights", {})) - set(indicators))
        if unknown_indicators:
            known = ", ".join(indicators) or "none"
            errors["weights"] = [f"This option set has no indicator called {', '.join(unknown_indicators)} (it has: {known})."]
        if errors:
            raise ValidationError(errors)
        # The page's form reads the figures as given (60, not 60.00, in its messages); they are type-checked above.
        raw = request.data
        form_data = {key: raw.get(key) for key in ("label", "core", "floor", "floor_percent", "ceiling", "damping")}
        form_data["years"] = data["years"]  # 1 unless given
        form_data |= {f"share_{method}": raw["shares"][method] for method in data["shares"]}
        form_data |= {f"weight_{name}": raw["weights"][name] for name in data.get("weights", {})}
        form = OptionForm(form_data, indicators=indicators)
        checked(form)
        option = call(equity_services.option_create, option=form.build(option_set), actor=request.user)
        return Response(EquityOptionSerializer(option).data, status=status.HTTP_201_CREATED)

    @action(detail=True, methods=["delete"], url_path="options/<int:option_id>")
    def remove_option(self, request, pk=None, option_id=None):
        option = self._option(self._managed(), option_id)
        call(equity_services.option_delete, option=option, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @action(detail=True, methods=["post"], url_path="options/<int:option_id>/adopt")
    def adopt(self, request, pk=None, option_id=None):
        option = self._option(self._managed("equity.adopt_option"), option_id)
        data = read_input(s.AdoptInputSerializer, request)
        decision = None
        if data.get("decision"):
            decision = referenced(Decision.objects.all(), data["decision"], "decision", "decision")
        allocations = call(equity_services.option_adopt, option=option, actor=request.user, decision=decision)
        return Response(s.AdoptedAllocationSerializer(allocations, many=True).data)
