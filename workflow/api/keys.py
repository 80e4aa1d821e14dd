"""API keys over REST: an organisation admin creates, lists and revokes the organisation's keys.

The token is in the create response only. Keys cannot manage keys; other organisations' keys are
404. There is no update and no delete: a key is revoked, and stays listed.
"""

import django_filters
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.settings import api_settings

from common.api import IdFilter
from common.errors import PermissionDenied
from common.schema import INVALID_INPUT, error_response
from common.serializers import IdField, StrictSerializer
from workflow import keys
from workflow.authentication import is_key_request
from workflow.models import ApiKey, ApiKeyScope, Organisation

from .directory import OrganisationRefSerializer


class ApiKeySerializer(serializers.ModelSerializer):
    organisation = OrganisationRefSerializer(read_only=True)
    scopes = serializers.ListField(
        child=serializers.ChoiceField(choices=ApiKeyScope.choices), read_only=True
    )
    username = serializers.CharField(
        source="user.get_username",
        read_only=True,
        help_text="The service user the key acts as; the audit trail names it.",
    )
    status = serializers.SerializerMethodField()
    created_by = serializers.CharField(
        source="created_by.get_username", read_only=True, allow_null=True, default=None
    )
    revoked_by = serializers.CharField(
        source="revoked_by.get_username", read_only=True, allow_null=True, default=None
    )

    class Meta:
        model = ApiKey
        fields = [
            "id",
            "name",
            "organisation",
            "role",
            "scopes",
            "prefix",
            "username",
            "status",
            "expires_at",
            "last_used_at",
            "revoked_at",
            "revoked_by",
            "created_by",
            "created_at",
        ]
        read_only_fields = fields

    def get_status(self, obj) -> str:
        if obj.is_revoked:
            return "revoked"
        return "expired" if obj.is_expired else "active"


class IssuedApiKeySerializer(ApiKeySerializer):
    token = serializers.CharField(
        read_only=True,
        help_text="`mdp_<prefix>_<secret>`: shown in this response only; store it now.",
    )

    class Meta(ApiKeySerializer.Meta):
        fields = [*ApiKeySerializer.Meta.fields, "token"]
        read_only_fields = fields


class ApiKeyCreateSerializer(StrictSerializer):
    name = serializers.CharField(
        max_length=keys.NAME_MAX_LENGTH, help_text="The tool that uses the key."
    )
    organisation = IdField(
        required=False,
        help_text="The organisation the key acts for; not needed when you administer one.",
    )
    role = serializers.ChoiceField(
        choices=keys.KEY_ROLE_CHOICES,
        required=False,
        help_text="The role the key acts in; defaults to the organisation's only acting role.",
    )
    scopes = serializers.MultipleChoiceField(
        choices=ApiKeyScope.choices,
        allow_empty=False,
        help_text="`read` (GET), `write` (other changes), `transition` (moving projects).",
    )
    expires_at = serializers.DateTimeField(
        required=False, help_text="At most one year ahead; 90 days if not given."
    )


class ApiKeyFilter(django_filters.FilterSet):
    organisation = IdFilter(field_name="organisation_id")

    class Meta:
        model = ApiKey
        fields = ["organisation"]


class ManagesKeys(permissions.BasePermission):
    def has_permission(self, request, view):
        if is_key_request(request):
            raise PermissionDenied(_("An API key cannot manage API keys."))
        if not keys.can_manage_keys(request.user):
            raise PermissionDenied(_("Only organisation admins manage API keys."))
        return True


ERRORS = {
    403: error_response("Not an organisation admin, or called with an API key."),
    404: error_response("No such key in your organisations."),
}


@extend_schema_view(
    list=extend_schema(
        summary="Your organisations' API keys (never their secrets)",
        responses={200: ApiKeySerializer(many=True), 403: ERRORS[403]},
    ),
    retrieve=extend_schema(summary="An API key", responses={200: ApiKeySerializer, **ERRORS}),
)
class ApiKeyViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = ApiKeySerializer
    permission_classes = [*api_settings.DEFAULT_PERMISSION_CLASSES, ManagesKeys]
    filterset_class = ApiKeyFilter
    search_fields = ["name", "prefix"]
    ordering_fields = ["created_at", "expires_at", "last_used_at", "name"]
    ordering = ["-created_at", "-id"]

    def get_queryset(self):
        return keys.api_key_list_for(self.request.user)

    def _organisation(self, wanted: int | None) -> Organisation:
        user = self.request.user
        if wanted is not None:
            if user.is_superuser:
                found = Organisation.objects.filter(pk=wanted).first()
            else:
                found = next(
                    (o for o in keys.administered_organisations(user) if o.pk == wanted), None
                )
            if found is None:
                raise ValidationError(
                    {"organisation": [_("You are not an admin of this organisation.")]}
                )
            return found
        administered = keys.administered_organisations(user)
        if len(administered) == 1:
            return administered[0]
        raise ValidationError(
            {"organisation": [_("You administer several organisations; name one.")]}
        )

    @extend_schema(
        summary="Create an API key (the token is shown once, in this response)",
        request=ApiKeyCreateSerializer,
        responses={
            201: IssuedApiKeySerializer,
            400: INVALID_INPUT,
            403: ERRORS[403],
        },
        examples=[
            OpenApiExample(
                "A read-only reporting tool",
                request_only=True,
                value={"name": "Nightly report", "scopes": ["read"]},
            )
        ],
    )
    def create(self, request, *args, **kwargs):
        body = ApiKeyCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        key = keys.api_key_create(
            actor=request.user,
            organisation=self._organisation(data.get("organisation")),
            name=data["name"],
            role=data.get("role"),
            scopes=data["scopes"],
            expires_at=data.get("expires_at"),
        )
        return Response(
            IssuedApiKeySerializer(key).data,
            status=status.HTTP_201_CREATED,
            headers={"Cache-Control": "no-store"},  # the token must not sit in a cache
        )

    @extend_schema(
        summary="Revoke an API key (at once, for good)",
        request=None,
        responses={200: ApiKeySerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"], filterset_class=None)
    def revoke(self, request, pk=None):
        key = keys.api_key_revoke(key=self.get_object(), actor=request.user)
        return Response(ApiKeySerializer(key).data)


ROUTES = [("api-keys", ApiKeyViewSet, "api-key")]
