"""Organisations: council staff see every one, others only their own; officers add and change them."""

from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.response import Response

from vcsgrants.api.base import (
    IF_MATCH,
    ScopedViewSet,
    choice_param,
    if_match,
    read_input,
    refused,
    require_api,
    run,
    with_changes,
    with_etag,
)
from vcsgrants.api.serializers.core import OrganisationSerializer, OrganisationWriteSerializer
from vcsgrants.core import services
from vcsgrants.core.models import Organisation


@extend_schema_view(
    list=extend_schema(
        summary="Organisations: council staff see all; others only their own",
        parameters=[
            OpenApiParameter(
                "kind", OpenApiTypes.STR, OpenApiParameter.QUERY, enum=Organisation.Kind.values, description="Only this kind."
            )
        ],
    ),
    retrieve=extend_schema(
        summary="One organisation",
        description="Answers with an ETag: send it in If-Match when changing the organisation (PATCH).",
    ),
    create=extend_schema(
        summary="Add an organisation (officers)",
        request=OrganisationWriteSerializer,
        responses={201: OrganisationSerializer, **refused("organisation")},
    ),
    partial_update=extend_schema(
        summary="Change an organisation (officers); fields not given keep their value",
        description="With If-Match (the ETag of the organisation's read), refused with 412 if it changed since.",
        parameters=[IF_MATCH],
        request=OrganisationWriteSerializer,
        responses={200: OrganisationSerializer, **refused("organisation")},
    ),
)
class OrganisationViewSet(ScopedViewSet):
    serializer_class = OrganisationSerializer
    object_permission = "core.view_organisation"

    def get_queryset(self) -> QuerySet:
        user = self.request.user
        if user.has_perm("core.view_organisation_list"):
            organisations = Organisation.objects.all()
        elif user.organisation_id and user.has_perm("core.view_organisation", user.organisation):
            organisations = Organisation.objects.filter(pk=user.organisation_id)
        else:
            return Organisation.objects.none()
        if self.action == "list":
            kind = choice_param(self.request, "kind", Organisation.Kind)
            if kind is not None:
                organisations = organisations.filter(kind=kind)
        return organisations

    def retrieve(self, request, *args, **kwargs):
        return with_etag(super().retrieve(request, *args, **kwargs), services.organisation_state(self.get_object()))

    def _save(self, organisation: Organisation, data: dict, code: int, version: str | None = None) -> Response:
        organisation = with_changes(organisation, data)
        run(organisation.clean)  # the model's own rules, as the page's form applies them
        run(services.organisation_save, organisation=organisation, actor=self.request.user, version=version)
        return Response(self.get_serializer(organisation).data, status=code)

    def create(self, request, *args, **kwargs):
        require_api(request.user, "core.manage_organisation")
        data = read_input(OrganisationWriteSerializer, request)
        return self._save(Organisation(), data, status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        organisation = self.get_object()
        require_api(request.user, "core.manage_organisation")
        data = read_input(OrganisationWriteSerializer, request, instance=organisation, partial=True)
        return self._save(organisation, data, status.HTTP_200_OK, version=if_match(request))
