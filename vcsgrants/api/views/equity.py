"""Allocation option sets: read with every option's results from the equity engine, and built, added to and adopted
as on the equity pages (their forms, then their services)."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Count, Prefetch, QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response

from vcsgrants.api.base import ScopedViewSet, checked, money, path_id, read_input, referenced, refused, require_api, run
from vcsgrants.api.serializers.equity import (
    AdoptedAllocationSerializer,
    AdoptInputSerializer,
    EquityComparisonSerializer,
    EquityOptionSerializer,
    EquityOptionSetSerializer,
    OptionInputSerializer,
    OptionSetInputSerializer,
)
from vcsgrants.core.models import FinancialYear
from vcsgrants.core.money import from_pence
from vcsgrants.core.services import parse_financial_year_label
from vcsgrants.equity import services
from vcsgrants.equity.engine import METHODS
from vcsgrants.equity.forms import OptionForm, OptionSetForm
from vcsgrants.equity.models import Option, OptionSet
from vcsgrants.equity.selectors import comparison
from vcsgrants.funding.models import Decision, Programme
from vcsgrants.funding.selectors.programmes import programmes_visible_to

OPTION_ID = path_id("option_id", "The option's id.")


@extend_schema_view(
    list=extend_schema(summary="Allocation option sets of the programmes you can see, with each option's settings"),
    retrieve=extend_schema(
        summary="One option set with every option's results: allocation per area, equity measures and glide path",
        responses=EquityComparisonSerializer,
    ),
    create=extend_schema(
        summary="Build an option set over the council's areas (officers)",
        request=OptionSetInputSerializer,
        responses={201: EquityOptionSetSerializer, **refused(None)},
    ),
    options=extend_schema(
        summary="Add an option to the set, once the engine shows it can be met (officers)",
        request=OptionInputSerializer,
        responses={201: EquityOptionSerializer, **refused()},
    ),
    remove_option=extend_schema(
        summary="Remove an option that has not been adopted (officers)",
        parameters=[OPTION_ID],
        request=None,
        responses={204: None, **refused()},
    ),
    adopt=extend_schema(
        summary="Adopt an option as the year's allocations of the stream (officers)",
        description="Refused, with every reason, unless the allocations reconcile to the stream's budget to the penny "
        "and cover what agreements already commit.",
        parameters=[OPTION_ID],
        request=AdoptInputSerializer,
        responses={200: AdoptedAllocationSerializer(many=True), **refused()},
    ),
)
class OptionSetViewSet(ScopedViewSet):
    serializer_class = EquityOptionSetSerializer
    list_permission = "equity.view_options"
    object_permission = "equity.view_options"
    http_method_names = ["get", "post", "delete", "head", "options"]

    def permission_object(self, obj):
        return obj.programme

    def get_queryset(self) -> QuerySet:
        return (
            OptionSet.objects.filter(programme__in=programmes_visible_to(self.request.user))
            .select_related("programme", "stream", "financial_year")
            .prefetch_related(Prefetch("options", queryset=Option.objects.select_related("adopted_by")))
            .annotate(area_count=Count("areas"))
        )

    def retrieve(self, request, *args, **kwargs):
        option_set = self.get_object()
        result = comparison(option_set)
        option_set.results = [
            {
                "option": column.option.pk,
                "label": column.option.label,
                "error": column.error,
                "measures": column.result.measures.to_json() if column.result else None,
                "areas": column.result.to_json()["areas"] if column.result else [],
                "glide_path": [[money(from_pence(p)) for p in year] for year in column.result.glide_path]
                if column.result
                else [],
                "reaches_target_in": column.result.reaches_target_in if column.result else None,
            }
            for column in result.columns
        ]
        return Response(EquityComparisonSerializer(option_set, context=self.get_serializer_context()).data)

    def _managed(self, perm: str = "equity.manage_options") -> OptionSet:
        option_set = self.get_object()
        require_api(self.request.user, perm, option_set.programme)
        return option_set

    def _option(self, option_set: OptionSet, option_id) -> Option:
        option = option_set.options.filter(pk=option_id).first()
        if option is None:
            raise NotFound(f"Option set {option_set.pk} has no option {option_id}.")
        return option

    def create(self, request, *args, **kwargs):
        user = request.user
        require_api(user, "equity.manage_options")
        data = read_input(OptionSetInputSerializer, request)
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
        option_set = run(
            services.option_set_from_districts,
            programme=programme,
            stream=cleaned["stream"],
            year=cleaned["financial_year"],
            name=cleaned["name"],
            notes=cleaned["notes"],
            budget=cleaned["budget"],
            actor=user,
        )
        return self.respond(option_set, status.HTTP_201_CREATED)

    # Named add_option, not options: a method called options would shadow DRF's handler for OPTIONS requests on
    # every URL of the viewset. The URL stays /api/option-sets/{id}/options/.
    @action(detail=True, methods=["post"], url_path="options", url_name="options")
    def add_option(self, request, pk=None):
        option_set = self._managed()
        data = read_input(OptionInputSerializer, request)
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
        option = run(services.option_create, option=form.build(option_set), actor=request.user)
        return Response(EquityOptionSerializer(option).data, status=status.HTTP_201_CREATED)

    @action(detail=True, methods=["delete"], url_path="options/<int:option_id>")
    def remove_option(self, request, pk=None, option_id=None):
        option = self._option(self._managed(), option_id)
        run(services.option_delete, option=option, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @action(detail=True, methods=["post"], url_path="options/<int:option_id>/adopt", pagination_class=None)
    def adopt(self, request, pk=None, option_id=None):
        option = self._option(self._managed("equity.adopt_option"), option_id)
        data = read_input(AdoptInputSerializer, request)
        decision = None
        if data.get("decision"):
            decision = referenced(Decision.objects.all(), data["decision"], "decision", "decision")
        allocations = run(services.option_adopt, option=option, actor=request.user, decision=decision)
        return Response(AdoptedAllocationSerializer(allocations, many=True).data)
