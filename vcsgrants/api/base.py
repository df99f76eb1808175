"""What every endpoint of the API shares, written once: the viewset they build on, the reading of query parameters
and bodies, the one way a write goes, the answers the OpenAPI document gives for a refusal, and the field types
of the JSON shapes.

A write does what its page does, in the same order: a record the user can see (a 404 otherwise) and the page's
permission (a 403 with the reason) - `ScopedViewSet.get_object_for` for the record in the path, `require_api` for
any other; the input type-checked by a serializer (`read_input`: a 400 naming the field); the page's own form where
the page's rules live in one (`checked`); then the very service function the page calls (`run`: the same rules,
one transaction, the audit event; its refusal is a 400 under the field it names). The answer is the record as the
endpoint reads it (`ScopedViewSet.respond`). Nothing is half-written.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from decimal import Decimal, InvalidOperation

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema_field
from rest_framework import serializers, status, viewsets
from rest_framework.exceptions import APIException, NotFound, PermissionDenied, UnsupportedMediaType, ValidationError
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler

from vcsgrants.api.pagination import MAX_ID  # noqa: F401 - the serializers' bound on ids
from vcsgrants.core import downloads
from vcsgrants.core.concurrency import StaleEdit, etag
from vcsgrants.core.middleware import BUSY_MESSAGE, RETRY_AFTER_SECONDS, is_lock_timeout
from vcsgrants.core.models import FinancialYear
from vcsgrants.core.money import implausible_date_message, is_plain_number, looks_like_money, plain_number_message
from vcsgrants.core.permissions import require
from vcsgrants.core.services import financial_year_get, parse_financial_year_label
from vcsgrants.funding.models import Agreement
from vcsgrants.funding.selectors.agreements import agreements_visible_to

# --- Permissions and the viewset every endpoint builds on ---------------------------------------------------


class RolePermission(BasePermission):
    """The endpoint's page permission (403 with the reason), then the record's own (404: not found)."""

    def has_permission(self, request, view) -> bool:
        try:
            view.check_access(request.user)
        except DjangoPermissionDenied as exc:
            self.message = str(exc)
            return False
        return True

    def has_object_permission(self, request, view, obj) -> bool:
        perm = view.object_permission
        if perm and not request.user.has_perm(perm, view.permission_object(obj)):
            raise NotFound()
        return True


class ScopedViewSet(viewsets.ReadOnlyModelViewSet):
    # Reads scoped to what the user may see (anything else is 404), with the writes each endpoint adds; lists are
    # paginated by limit and offset (REST_FRAMEWORK in the settings). A comment, not a docstring: spectacular would
    # copy a docstring into every operation.

    permission_classes = [IsAuthenticated, RolePermission]
    lookup_value_converter = "int"  # /api/agreements/12/; anything else is a 404
    # Needed to use the endpoint at all (as for the list page); None means any signed-in user.
    list_permission: str | None = None
    # Checked on each record fetched by id, on top of the queryset scoping.
    object_permission: str | None = None

    def check_access(self, user) -> None:
        if self.list_permission:
            require(user, self.list_permission)

    def permission_object(self, obj):
        return obj

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if getattr(self, "swagger_fake_view", False):  # schema generation: no real request
            return context
        context["financial_year"] = financial_year_param(self.request)
        return context

    def get_object_for(self, perm: str):
        """The record in the path (a 404 if the user cannot see it), if the user may do perm to it (a 403 if not)."""
        record = self.get_object()
        require_api(self.request.user, perm, record)
        return record

    def respond(self, record, code: int = status.HTTP_200_OK) -> Response:
        """A write's answer: the record afresh, as a read of this endpoint shows it."""
        record = self.get_queryset().get(pk=record.pk)
        return Response(self.get_serializer(record).data, status=code)


def require_api(user, perm: str, obj=None) -> None:
    """`require`, answered as a 403 that keeps its reason (DRF would drop the message of Django's PermissionDenied)."""
    try:
        require(user, perm, obj)
    except DjangoPermissionDenied as exc:
        raise PermissionDenied(str(exc)) from exc


def visible_agreement(user, pk: int) -> Agreement:
    """The agreement a request body names by id, if this user can see it; otherwise a 404, as for one in the path."""
    agreement = agreements_visible_to(user).filter(pk=pk).first()
    if agreement is None:
        raise NotFound(f"No agreement {pk} that you can see.")
    return agreement


def referenced(queryset: QuerySet, pk: int, field: str, what: str):
    """The record an input names by id, or a 400 at that field."""
    record = queryset.filter(pk=pk).first()
    if record is None:
        raise ValidationError({field: [f"There is no {what} {pk} that you can use."]})
    return record


# --- Query parameters ---------------------------------------------------------------------------------------


def financial_year_param(request) -> int | None:
    """The start year of ?financial_year=2022-23, or None; a malformed label is a 400."""
    label = request.query_params.get("financial_year", "").strip()
    if not label:
        return None
    try:
        return parse_financial_year_label(label)
    except DjangoValidationError as exc:
        raise ValidationError({"financial_year": exc.messages}) from exc


def year_bounds(start_year: int) -> tuple[dt.date, dt.date]:
    return dt.date(start_year, 4, 1), dt.date(start_year + 1, 3, 31)


def integer_param(request, name: str) -> int | None:
    value = request.query_params.get(name, "").strip()
    if not value:
        return None
    # ASCII digits only ("²" is a digit to isdigit but not to int), and no id is larger than a 64-bit integer.
    if not (value.isascii() and value.isdigit()) or int(value) > 2**63 - 1:
        raise ValidationError({name: [f"'{value}' is not an id: give a whole number."]})
    return int(value)


def choice_param(request, name: str, choices: type) -> str | None:
    value = request.query_params.get(name, "").strip()
    if not value:
        return None
    if value not in choices.values:
        raise ValidationError({name: [f"'{value}' is not a {name}: use one of {', '.join(choices.values)}."]})
    return value


def filter_ids(request, records: QuerySet, **lookups: str) -> QuerySet:
    """?programme=3 and the like: each named query parameter, if given, filters by its lookup."""
    for param, lookup in lookups.items():
        value = integer_param(request, param)
        if value is not None:
            records = records.filter(**{lookup: value})
    return records


# How the document describes them.

YEAR_PATTERN = r"^\d{4}-\d{2}$"


def financial_year_parameter(description: str) -> OpenApiParameter:
    return OpenApiParameter(
        "financial_year",
        OpenApiTypes.STR,
        OpenApiParameter.QUERY,
        description=description + " Written like 2022-23.",
        pattern=YEAR_PATTERN,
    )


def id_parameter(name: str, description: str) -> OpenApiParameter:
    return OpenApiParameter(name, OpenApiTypes.INT, OpenApiParameter.QUERY, description=description)


def path_id(name: str, description: str) -> OpenApiParameter:
    return OpenApiParameter(name, OpenApiTypes.INT, OpenApiParameter.PATH, description=description)


# Records that belong to an agreement (variations, instalments, targets, returns) filter by it and by what it belongs to:
# filter_ids(request, records, **BY_AGREEMENT), documented with an agreement parameter, PROGRAMME and ORGANISATION.
BY_AGREEMENT = {"agreement": "agreement_id", "programme": "agreement__programme_id", "organisation": "agreement__organisation_id"}
PROGRAMME = id_parameter("programme", "Only those of this programme (its id).")
ORGANISATION = id_parameter("organisation", "Only those of this organisation's agreements (its id).")


# --- Input, and the one way a write goes --------------------------------------------------------------------


def read_input(serializer_class, request, **kwargs) -> dict:
    """The request body, type-checked by the serializer: a 400 naming each field that is malformed."""
    serializer = serializer_class(data=request.data, **kwargs)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def read_query(serializer_class, request) -> dict:
    """A preview's query parameters, type-checked like a body (400 naming each parameter that is malformed)."""
    serializer = serializer_class(data=request.query_params.dict())
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def checked(form) -> dict:
    """The page's form, bound to the API's input: its cleaned data, or a 400 with its errors by field."""
    if form.is_valid():
        return form.cleaned_data
    errors: dict = {}
    for field, messages in form.errors.get_json_data().items():
        key = api_settings.NON_FIELD_ERRORS_KEY if field == "__all__" else field
        errors[key] = [m["message"] for m in messages]
    raise ValidationError(errors)


def service_errors(exc: DjangoValidationError, kpi_codes: dict[int, str] | None = None) -> dict:
    """A service's refusal as a 400 body: its field messages as they are, a KPI's (kpi_<id>) under values.<code>."""
    if not hasattr(exc, "error_dict"):
        return {api_settings.NON_FIELD_ERRORS_KEY: exc.messages}
    kpi_codes = kpi_codes or {}
    errors: dict = {}
    for key, messages in exc.message_dict.items():
        pk = key.removeprefix("kpi_")
        if key.startswith("kpi_") and pk.isdigit() and int(pk) in kpi_codes:
            errors.setdefault("values", {})[kpi_codes[int(pk)]] = messages
        elif key == NON_FIELD_ERRORS:
            errors[api_settings.NON_FIELD_ERRORS_KEY] = messages
        else:
            errors[key] = messages
    return errors


def run(service: Callable, *, rename: dict[str, str] | None = None, **kwargs):
    """Call a service as the page does; its refusal is a 400 with its messages, under the API's field names (a 412
    if the If-Match it was given is stale)."""
    try:
        return service(**kwargs)
    except StaleEdit as exc:
        raise PreconditionFailed(exc) from exc
    except DjangoValidationError as exc:
        errors = service_errors(exc)
        for old, new in (rename or {}).items():
            if old in errors:
                errors.setdefault(new, []).extend(errors.pop(old))
        raise ValidationError(errors) from exc


def with_changes(record, data: dict):
    """The record with the input's fields set, unsaved, as a page's form leaves it for the service to save."""
    for name, value in data.items():
        setattr(record, name, value)
    return record


# --- Optimistic concurrency: ETag on the read, If-Match on the write (core.concurrency, ADR 0016) -----------------


def if_match(request) -> str | None:
    """The If-Match header a write was sent with, or None (no check: the write goes ahead as before)."""
    return request.headers.get("If-Match", "").strip() or None


def with_etag(response: Response, state: dict[str, str] | None) -> Response:
    """The read's answer with the ETag of what the matching write would change (none when the read is not of one)."""
    if state is not None:
        response["ETag"] = etag(state)
    return response


class PreconditionFailed(APIException):
    """412: the If-Match is not the current ETag: someone saved since the client read; nothing was saved."""

    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_code = "precondition_failed"

    def __init__(self, stale: StaleEdit):
        super().__init__(
            {
                "detail": "This was changed since you read it (If-Match is not the current ETag): nothing was saved. "
                "Read it again, then make your change again with the new ETag in If-Match.",
                "etag": etag(stale.current),
                "saved_since": [{"by": s.who, "at": s.when.isoformat(), "summary": s.summary} for s in stale.saves],
            }
        )


IF_MATCH = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    description="The ETag from the read (see the description): if the record has changed since, the write is refused "
    "with 412 and nothing is saved. Without it the write goes ahead unchecked.",
)


PROBLEMS = "Refused, with every problem under the field it concerns (non_field_errors otherwise)."


def refused(what: str | None = "record", problems: str = PROBLEMS) -> dict:
    """A write's refusals in the document: 400 with the problems, 403 with the reason, and (unless what is None,
    for a write whose path names no record) 404."""
    answers = {
        400: OpenApiResponse(description=problems),
        403: OpenApiResponse(description="Your role does not allow this, with the reason."),
    }
    if what is not None:
        answers[404] = OpenApiResponse(description=f"No such {what} that you can see.")
    return answers


# --- Uploads: multipart/form-data only -----------------------------------------------------------------------

# An upload endpoint reads multipart/form-data only: a JSON body is refused before anything else is looked at.
NOT_MULTIPART = {415: OpenApiResponse(description="The request was not multipart/form-data: send the file as a form field.")}


def require_multipart(request) -> None:
    """Refuse an upload that is not multipart/form-data with a message that says how to send it."""
    try:
        request.data  # noqa: B018 - parsing the body is the check
    except UnsupportedMediaType as exc:
        raise UnsupportedMediaType(
            request.content_type,
            detail="Send the document as multipart/form-data, the file in the field 'file' (curl -F file=@name.pdf).",
        ) from exc


UPLOAD_CHECKS = (
    "The same checks as the page: the file must not be empty or too large, must be a type the service accepts, "
    "and its content must match its name."
)
DOCUMENT_ID = path_id("document_id", "The document's id.")
DOWNLOAD = {(200, "*/*"): OpenApiResponse(OpenApiTypes.BINARY, description="The file, under its original name.")}


def document_download(documents: QuerySet, document_id: int, missing: str):
    """One of a record's documents as an attachment (as the pages send it), or a 404 saying what is missing."""
    document = documents.filter(pk=document_id).first()
    if document is None:
        raise NotFound(missing)
    return downloads.stored_file_response(document.file, document.original_name, document.content_type)


@extend_schema_field({"type": "string", "format": "binary"})
class UploadField(serializers.FileField):
    """A file sent as a multipart/form-data part (the document says binary, not a URL)."""


class DocumentUploadSerializer(serializers.Serializer):
    """A document, sent as multipart/form-data, as on the page 'Upload a document'."""

    title = serializers.CharField(max_length=200, required=False, allow_blank=True, default="", help_text="Blank: the file name.")
    file = UploadField(help_text="The file; the same types and size limit as the page.")


# --- Field types of the JSON shapes --------------------------------------------------------------------------


class ReadOnlyModelSerializer(serializers.ModelSerializer):
    # An answer's shape: every field is marked read-only, so the OpenAPI document says so too.
    # (A comment, not a docstring: spectacular would copy a docstring into every schema.)

    def get_fields(self):
        fields = super().get_fields()
        for field in fields.values():
            field.read_only = True
        return fields


class Money(serializers.DecimalField):
    """Pounds as a string with two decimals, never a float."""

    def __init__(self, **kwargs):
        kwargs.setdefault("read_only", True)
        super().__init__(max_digits=14, decimal_places=2, coerce_to_string=True, **kwargs)


def money(value: Decimal | None) -> str | None:
    return None if value is None else Money().to_representation(value)


# The pages' limit for money: up to 12 digits with 2 decimals (funding/forms/programmes.py MONEY).
MONEY = {"max_digits": 12, "decimal_places": 2}


def _reads_as_decimal(text: str) -> bool:
    try:
        Decimal(text.strip())
    except (InvalidOperation, ValueError):
        return False
    return True


class PlainDecimal(serializers.DecimalField):
    """A decimal input that refuses 1e3, 1E-2, Infinity and NaN (DRF takes "1e3" as 1000), naming the field."""

    def to_internal_value(self, data):
        # Only what Decimal would read but a person would not type as money (1e3, Infinity, NaN); other text gets
        # DRF's own "A valid number is required."
        if isinstance(data, str) and not is_plain_number(data) and _reads_as_decimal(data):
            label = (self.field_name or "the amount").replace("_", " ")
            money = looks_like_money(self.max_digits, self.decimal_places, label)
            raise ValidationError(plain_number_message(label, money=money))
        if isinstance(data, float) and not math.isfinite(data):
            raise ValidationError(plain_number_message((self.field_name or "the amount").replace("_", " ")))
        return super().to_internal_value(data)


class PlausibleDate(serializers.DateField):
    """A date input inside core.money's window: from 1 January 2000 to ten years after today, naming the field."""

    def to_internal_value(self, value):
        day = super().to_internal_value(value)
        message = implausible_date_message(
            (self.field_name or "The date").replace("_", " ").capitalize(), day, timezone.localdate()
        )
        if message:
            raise ValidationError(message)
        return day


def money_input(**kwargs) -> serializers.DecimalField:
    return PlainDecimal(**MONEY, **kwargs)


class FinancialYearLabel(serializers.CharField):
    """A financial year written 2022-23."""

    def __init__(self, **kwargs):
        kwargs.setdefault("source", "financial_year.label")
        kwargs.setdefault("read_only", True)
        super().__init__(**kwargs)


# Financial years the system handles; a label outside them is refused rather than made into a year.
FIRST_YEAR, LAST_YEAR = 1990, 2099


@extend_schema_field({"type": "string", "pattern": YEAR_PATTERN, "example": "2022-23"})
class FinancialYearField(serializers.Field):
    """A financial year written 2022-23, given back as the FinancialYear record."""

    default_error_messages = {"invalid": "Write the financial year like 2022-23."}

    def to_internal_value(self, data) -> FinancialYear:
        if not isinstance(data, str):
            self.fail("invalid")
        try:
            start_year = parse_financial_year_label(data)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages) from exc
        if not FIRST_YEAR <= start_year <= LAST_YEAR:
            raise serializers.ValidationError(
                f"{data} is not a financial year this system handles ({FIRST_YEAR}-91 to {LAST_YEAR}-00)."
            )
        return financial_year_get(start_year=start_year)

    def to_representation(self, value: FinancialYear) -> str:
        return value.label


def choice(choices, **kwargs) -> serializers.ChoiceField:
    """A choice whose values are listed where it is used: a shared enum component would collide in name with the
    read serializers' own (spectacular warns, and the document must generate without warnings)."""
    field_class = extend_schema_field({"type": "string", "enum": [value for value, _ in choices]})(
        type("InlineChoiceField", (serializers.ChoiceField,), {})
    )
    return field_class(choices=choices, **kwargs)


def optional_text(max_length: int | None = None, **kwargs) -> serializers.CharField:
    """Optional free text: blank allowed, never null."""
    return serializers.CharField(max_length=max_length, required=False, allow_blank=True, **kwargs)


# --- Errors: DRF's answers, plus a database busy past its timeout as 503 ------------------------------------


class ServiceBusy(APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = BUSY_MESSAGE
    default_code = "busy"


def exception_handler(exc, context):
    """DRF's exception handler; a lock wait beyond the database's busy timeout is a 503 "try again" with Retry-After."""
    if is_lock_timeout(exc):
        exc = ServiceBusy()
    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(exc, ServiceBusy):
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response
