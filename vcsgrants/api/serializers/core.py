"""JSON shapes of organisations and people: read in every domain's answers, written by officers."""

from __future__ import annotations

from rest_framework import serializers

from vcsgrants.api.base import ReadOnlyModelSerializer, choice
from vcsgrants.core.models import Area, Organisation, User

# --- References, as other records show them ---


class OrganisationRefSerializer(ReadOnlyModelSerializer):
    class Meta:
        model = Organisation
        fields = ["id", "name", "org_id"]


class AreaSerializer(ReadOnlyModelSerializer):
    class Meta:
        model = Area
        fields = ["gss_code", "name", "kind"]


class UserRefSerializer(ReadOnlyModelSerializer):
    name = serializers.SerializerMethodField()
    organisation = serializers.IntegerField(source="organisation_id", allow_null=True, read_only=True)

    class Meta:
        model = User
        fields = ["id", "username", "name", "organisation"]

    def get_name(self, user: User) -> str:
        return user.display_name


# --- Organisations ---


class OrganisationSerializer(ReadOnlyModelSerializer):
    parent = serializers.IntegerField(source="parent_id", allow_null=True, read_only=True)
    successor = serializers.IntegerField(source="successor_id", allow_null=True, read_only=True)

    class Meta:
        model = Organisation
        fields = [
            "id",
            "name",
            "slug",
            "kind",
            "org_id",
            "charity_number",
            "company_number",
            "parent",
            "successor",
            "succeeded_on",
        ]


class OrganisationWriteSerializer(serializers.ModelSerializer):
    """An organisation, as on the page 'Add an organisation'."""

    org_id = serializers.CharField(
        max_length=60,
        required=False,
        allow_blank=True,
        allow_null=True,
        help_text="From org-id.guide, such as GB-CHC-1234567; blank or null for none.",
    )
    parent = serializers.PrimaryKeyRelatedField(
        queryset=Organisation.objects.all(), required=False, allow_null=True, help_text="For a department: its body's id."
    )
    successor = serializers.PrimaryKeyRelatedField(
        queryset=Organisation.objects.all(), required=False, allow_null=True, help_text="The id of the body that took over."
    )
    kind = choice(Organisation.Kind.choices)

    class Meta:
        model = Organisation
        fields = ["name", "kind", "org_id", "charity_number", "company_number", "parent", "successor", "succeeded_on"]

    def validate_org_id(self, value: str | None) -> str | None:
        value = (value or "").strip() or None
        if value is None:
            return None
        Organisation._meta.get_field("org_id").run_validators(value)
        taken = Organisation.objects.filter(org_id=value).exclude(pk=getattr(self.instance, "pk", None))
        if taken.exists():
            raise serializers.ValidationError("Another organisation has this Org-ID.")
        return value
