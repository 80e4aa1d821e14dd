"""In-app notifications: the caller's own only (anyone else's is 404)."""

import django_filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from common.api import BoolFilter, Rows
from common.rows import RowPlan
from common.schema import error_response
from workflow import notifications
from workflow.models import Notification


class NotificationSerializer(serializers.ModelSerializer):
    project_title = serializers.CharField(
        source="project.title", read_only=True, allow_null=True, default=None
    )
    is_read = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField(
        help_text="The web page of what the notification is about (its project's); null when "
        "it names none."
    )

    class Meta:
        model = Notification
        fields = [
            "id",
            "subject",
            "body",
            "source",
            "project",
            "project_title",
            "created_at",
            "read_at",
            "is_read",
            "url",
        ]
        read_only_fields = fields

    def get_is_read(self, obj) -> bool:
        return obj.read_at is not None

    def get_url(self, obj) -> str | None:
        url = notifications.notification_url(obj)
        if not url:
            return None
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request is not None else url


_ROW_PLANS: dict[str, RowPlan] = {}


def notification_row_plan() -> RowPlan:
    """``NotificationSerializer``'s representation from rows, compiled once per process."""
    plan = _ROW_PLANS.get("notification")
    if plan is None:
        plan = _ROW_PLANS["notification"] = RowPlan(
            NotificationSerializer(),
            derived={
                "is_read": ("read_at", _is_set),
                # The path; the list makes it absolute for the request, as get_url does.
                "url": ("project_id", lambda project_id: notifications.project_page(project_id)),
            },
        )
    return plan


def _is_set(value) -> bool:
    return value is not None


class UnreadCountSerializer(serializers.Serializer):
    unread = serializers.IntegerField(help_text="Your unread notifications.")


class MarkedSerializer(serializers.Serializer):
    marked = serializers.IntegerField(help_text="How many notifications were marked read.")


class NotificationFilter(django_filters.FilterSet):
    unread = BoolFilter(method="filter_unread", label="true: unread only; false: read only.")

    class Meta:
        model = Notification
        fields = ["unread"]

    def filter_unread(self, queryset, name, value):
        return queryset.filter(read_at__isnull=value)


NOT_FOUND = {404: error_response("No such notification of yours.")}


@extend_schema_view(
    list=extend_schema(summary="Your notifications, newest first"),
    retrieve=extend_schema(
        summary="One of your notifications", responses={200: NotificationSerializer, **NOT_FOUND}
    ),
)
class NotificationViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    serializer_class = NotificationSerializer
    filterset_class = NotificationFilter
    search_fields = ["subject"]
    ordering_fields = ["created_at", "read_at"]
    ordering = ["-created_at", "-id"]

    def get_queryset(self):
        return notifications.notification_list_for(self.request.user)

    def list(self, request, *args, **kwargs):
        # Rows, not instances: the same body as the serializer's (tests/workflow/test_api_rows.py).
        queryset = self.filter_queryset(self.get_queryset())
        plan = notification_row_plan()
        page = self.paginate_queryset(Rows(queryset, plan.columns))
        rows = plan.render(page)
        for row in rows:
            row["url"] = request.build_absolute_uri(row["url"]) if row["url"] else None
        return self.get_paginated_response(rows)

    @extend_schema(
        summary="How many of your notifications are unread", responses=UnreadCountSerializer
    )
    @action(
        detail=False,
        methods=["get"],
        url_path="unread_count",
        pagination_class=None,
        filterset_class=None,
    )
    def unread_count(self, request):
        return Response({"unread": notifications.unread_count(request.user)})

    @extend_schema(
        summary="Mark one of your notifications read",
        request=None,
        responses={200: NotificationSerializer, **NOT_FOUND},
    )
    @action(detail=True, methods=["post"], url_path="read")
    def read(self, request, pk=None):
        notification = notifications.notification_mark_read(
            notification=self.get_object(), user=request.user
        )
        return Response(self.get_serializer(notification).data)

    @extend_schema(
        summary="Mark all your notifications read", request=None, responses=MarkedSerializer
    )
    @action(detail=False, methods=["post"], url_path="read_all", filterset_class=None)
    def read_all(self, request):
        return Response({"marked": notifications.notification_mark_all_read(user=request.user)})


ROUTES = [("notifications", NotificationViewSet, "notification")]
