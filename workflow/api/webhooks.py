"""Webhooks over REST: an organisation admin subscribes the organisation, rotates the signing
secret, reads the delivery log, and redelivers.

A signing secret is in the create and rotate-secret responses only. Other organisations'
subscriptions and deliveries are 404; a deleted subscription is 404 too, but its deliveries
stay in ``webhook-deliveries/``.
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
from common.conditional import ConditionalUpdateMixin
from common.errors import PermissionDenied
from common.schema import INVALID_INPUT, error_response
from common.serializers import IdField, StrictSerializer
from workflow import webhooks
from workflow.authentication import is_key_request
from workflow.models import Organisation, WebhookDelivery, WebhookEventType, WebhookSubscription

from .directory import OrganisationRefSerializer


class WebhookSubscriptionSerializer(serializers.ModelSerializer):
    organisation = OrganisationRefSerializer(read_only=True)
    event_types = serializers.ListField(
        child=serializers.ChoiceField(choices=WebhookEventType.choices), read_only=True
    )
    created_by = serializers.CharField(
        source="created_by.get_username", read_only=True, allow_null=True, default=None
    )

    class Meta:
        model = WebhookSubscription
        fields = [
            "id",
            "organisation",
            "url",
            "event_types",
            "is_active",
            "disabled_reason",
            "consecutive_failures",
            "previous_secret_expires_at",
            "created_by",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "previous_secret_expires_at": {
                "help_text": "After a secret rotation: until when the previous secret still signs "
                "(both signatures are sent); null outside an overlap."
            }
        }


class IssuedWebhookSubscriptionSerializer(WebhookSubscriptionSerializer):
    secret = serializers.CharField(
        source="issued_secret",
        read_only=True,
        help_text="`whsec_...`: the signing secret, shown in this response only; store it now.",
    )

    class Meta(WebhookSubscriptionSerializer.Meta):
        fields = [*WebhookSubscriptionSerializer.Meta.fields, "secret"]
        read_only_fields = fields


class WebhookSubscriptionCreateSerializer(StrictSerializer):
    url = serializers.CharField(
        max_length=webhooks.URL_MAX_LENGTH, help_text="An http or https URL, without credentials."
    )
    event_types = serializers.MultipleChoiceField(
        choices=WebhookEventType.choices, allow_empty=False
    )
    organisation = IdField(
        required=False,
        help_text="The organisation to subscribe; not needed when you administer one.",
    )


class WebhookSubscriptionUpdateSerializer(StrictSerializer):
    url = serializers.CharField(max_length=webhooks.URL_MAX_LENGTH, required=False)
    event_types = serializers.MultipleChoiceField(
        choices=WebhookEventType.choices, allow_empty=False, required=False
    )
    is_active = serializers.BooleanField(
        required=False, help_text="`true` re-enables a disabled subscription (failures reset)."
    )


class WebhookDeliverySerializer(serializers.ModelSerializer):
    subscription = serializers.IntegerField(source="subscription_id", read_only=True)
    url = serializers.CharField(
        source="subscription.url",
        read_only=True,
        help_text="Where the subscription delivers (or delivered, if it was deleted).",
    )

    class Meta:
        model = WebhookDelivery
        fields = [
            "id",
            "subscription",
            "url",
            "event_type",
            "event_id",
            "status",
            "attempts",
            "last_status_code",
            "last_error",
            "last_attempt_at",
            "next_attempt_at",
            "delivered_at",
            "created_at",
            "payload",
        ]
        read_only_fields = fields


class ManagesWebhooks(permissions.BasePermission):
    def has_permission(self, request, view):
        if is_key_request(request):
            raise PermissionDenied(_("An API key cannot manage webhooks."))
        if not webhooks.can_manage_webhooks(request.user):
            raise PermissionDenied(_("Only organisation admins manage webhooks."))
        return True


class WebhookSubscriptionFilter(django_filters.FilterSet):
    organisation = IdFilter(field_name="organisation_id")

    class Meta:
        model = WebhookSubscription
        fields = ["organisation", "is_active"]


class WebhookDeliveryFilter(django_filters.FilterSet):
    subscription = IdFilter(field_name="subscription_id")

    class Meta:
        model = WebhookDelivery
        fields = ["subscription", "status", "event_type"]


ERRORS = {
    403: error_response("Not an organisation admin, or called with an API key."),
    404: error_response("Not found in your organisations."),
}
INVALID = INVALID_INPUT


@extend_schema_view(
    list=extend_schema(
        summary="Your organisations' webhook subscriptions (never their secrets)",
        responses={200: WebhookSubscriptionSerializer(many=True), 403: ERRORS[403]},
    ),
    retrieve=extend_schema(
        summary="A webhook subscription", responses={200: WebhookSubscriptionSerializer, **ERRORS}
    ),
    destroy=extend_schema(
        summary="Delete a webhook subscription (its delivery log stays in webhook-deliveries)",
        responses={204: None, **ERRORS},
    ),
)
class WebhookSubscriptionViewSet(
    ConditionalUpdateMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = WebhookSubscriptionSerializer
    permission_classes = [*api_settings.DEFAULT_PERMISSION_CLASSES, ManagesWebhooks]
    filterset_class = WebhookSubscriptionFilter
    ordering_fields = ["created_at", "url"]
    ordering = ["-created_at", "-id"]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        return webhooks.webhook_subscription_list_for(self.request.user)

    def _organisation(self, wanted: int | None) -> Organisation:
        user = self.request.user
        administered = webhooks.administered_organisations(user)
        if wanted is not None:
            if user.is_superuser:
                found = Organisation.objects.filter(pk=wanted).first()
            else:
                found = next((o for o in administered if o.pk == wanted), None)
            if found is None:
                raise ValidationError(
                    {"organisation": [_("You are not an admin of this organisation.")]}
                )
            return found
        if len(administered) == 1:
            return administered[0]
        raise ValidationError(
            {"organisation": [_("You administer several organisations; name one.")]}
        )

    @extend_schema(
        summary="Subscribe (the signing secret is shown once, in this response)",
        request=WebhookSubscriptionCreateSerializer,
        responses={
            201: IssuedWebhookSubscriptionSerializer,
            400: INVALID,
            403: ERRORS[403],
            409: error_response(
                "`webhook_limit_reached`: the organisation has "
                "`MDPROD_WEBHOOK_MAX_SUBSCRIPTIONS` subscriptions already."
            ),
        },
        examples=[
            OpenApiExample(
                "Hear of every transition",
                request_only=True,
                value={
                    "url": "https://hooks.example.com/mdprod",
                    "event_types": ["project.transitioned"],
                },
            )
        ],
    )
    def create(self, request, *args, **kwargs):
        body = WebhookSubscriptionCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        subscription = webhooks.webhook_subscribe(
            actor=request.user,
            organisation=self._organisation(data.get("organisation")),
            url=data["url"],
            event_types=sorted(data["event_types"]),
        )
        return Response(
            IssuedWebhookSubscriptionSerializer(subscription).data,
            status=status.HTTP_201_CREATED,
            headers={"Cache-Control": "no-store"},  # the secret must not sit in a cache
        )

    @extend_schema(
        summary="Change the URL or event types, or switch the subscription off or on",
        request=WebhookSubscriptionUpdateSerializer,
        responses={200: WebhookSubscriptionSerializer, 400: INVALID, **ERRORS},
    )
    def partial_update(self, request, *args, **kwargs):
        subscription = self.get_object()
        body = WebhookSubscriptionUpdateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        updated = webhooks.webhook_subscription_update(
            subscription=subscription,
            actor=request.user,
            url=data.get("url"),
            event_types=sorted(data["event_types"]) if "event_types" in data else None,
            is_active=data.get("is_active"),
        )
        return Response(WebhookSubscriptionSerializer(updated).data)

    def destroy(self, request, *args, **kwargs):
        webhooks.webhook_subscription_delete(subscription=self.get_object(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="Issue a new signing secret (shown once, in this response); the previous one "
        "keeps signing beside it for the overlap",
        request=None,
        responses={200: IssuedWebhookSubscriptionSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"], url_path="rotate-secret", filterset_class=None)
    def rotate_secret(self, request, pk=None):
        subscription = webhooks.webhook_subscription_rotate_secret(
            subscription=self.get_object(), actor=request.user
        )
        return Response(
            IssuedWebhookSubscriptionSerializer(subscription).data,
            headers={"Cache-Control": "no-store"},  # the secret must not sit in a cache
        )

    @extend_schema(
        summary="The subscription's delivery log, newest first",
        responses={200: WebhookDeliverySerializer(many=True), **ERRORS},
    )
    @action(detail=True, methods=["get"], filterset_class=None, ordering_fields=None)
    def deliveries(self, request, pk=None):
        subscription = self.get_object()
        queryset = (
            webhooks.webhook_delivery_list_for(request.user)
            .filter(subscription=subscription)
            .order_by("-created_at", "-id")
        )
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(WebhookDeliverySerializer(page, many=True).data)


@extend_schema_view(
    list=extend_schema(
        summary="Webhook deliveries of your organisations' subscriptions",
        responses={200: WebhookDeliverySerializer(many=True), 403: ERRORS[403]},
    ),
    retrieve=extend_schema(
        summary="A webhook delivery", responses={200: WebhookDeliverySerializer, **ERRORS}
    ),
)
class WebhookDeliveryViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    serializer_class = WebhookDeliverySerializer
    permission_classes = [*api_settings.DEFAULT_PERMISSION_CLASSES, ManagesWebhooks]
    filterset_class = WebhookDeliveryFilter
    ordering_fields = ["created_at", "next_attempt_at"]
    ordering = ["-created_at", "-id"]

    def get_queryset(self):
        return webhooks.webhook_delivery_list_for(self.request.user)

    @extend_schema(
        summary="Send the delivery again now (same event id and payload); it is queued",
        request=None,
        responses={
            202: WebhookDeliverySerializer,
            409: error_response(
                "The subscription is disabled (`webhook_disabled`) or was deleted "
                "(`webhook_deleted`)."
            ),
            **ERRORS,
        },
    )
    @action(detail=True, methods=["post"], filterset_class=None)
    def redeliver(self, request, pk=None):
        delivery = webhooks.webhook_delivery_redeliver(
            delivery=self.get_object(), actor=request.user
        )
        return Response(WebhookDeliverySerializer(delivery).data, status=status.HTTP_202_ACCEPTED)


ROUTES = [
    ("webhooks", WebhookSubscriptionViewSet, "webhook"),
    ("webhook-deliveries", WebhookDeliveryViewSet, "webhook-delivery"),
]
