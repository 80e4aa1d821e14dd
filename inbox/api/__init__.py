"""The inbox in the API: ``GET /api/v1/inbox/``, the items of the web page, in its order."""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets

from common.api import Pagination
from inbox import selectors


class InboxItemSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(
        choices=selectors.KINDS, help_text="What kind of work waits (a stable code)."
    )
    kind_label = serializers.CharField(help_text="The kind in the caller's language.")
    project = serializers.IntegerField(source="project_id", help_text="The project's id.")
    project_title = serializers.CharField()
    title = serializers.CharField(help_text="One line in the caller's language: what to do.")
    due_at = serializers.DateTimeField(
        allow_null=True,
        help_text="When it is due: the earliest open deadline of this work, else the record's "
        "own date; null when nothing sets one.",
    )
    overdue = serializers.BooleanField(help_text="Past its due time (a paused clock is not).")
    url = serializers.SerializerMethodField(help_text="The web page where the action is taken.")

    def get_url(self, item) -> str:
        request = self.context.get("request")
        return request.build_absolute_uri(item.url) if request is not None else item.url


class InboxQuerySerializer(serializers.Serializer):
    kind = serializers.ChoiceField(
        choices=selectors.KINDS, required=False, help_text="Only this kind of work."
    )
    overdue = serializers.BooleanField(
        required=False,
        allow_null=True,
        default=None,
        help_text="true: overdue only; false: the rest.",
    )


class InboxViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = InboxItemSerializer
    pagination_class = Pagination
    filter_backends: list = []

    @extend_schema(
        summary="What waits on you now",
        description=(
            "Every kind of record that waits on the caller (proposals to score, evaluations to "
            "decide, filings and cuts to review, contracts to sign, installments to pay, must-fix "
            "items to answer, drafts to submit, greenlights, releases, and any open deadline the "
            "caller is responsible for): overdue first, then by due time. A constant number of "
            "queries whatever the amount of work."
        ),
        parameters=[InboxQuerySerializer],
    )
    def list(self, request, *args, **kwargs):
        # A plain dict: from a QueryDict, a missing boolean would read as false.
        query = InboxQuerySerializer(data=dict(request.query_params.items()))
        query.is_valid(raise_exception=True)
        kind, overdue = query.validated_data.get("kind"), query.validated_data["overdue"]
        items = [
            item
            for item in selectors.inbox_for(request.user)
            if (kind is None or item.kind == kind) and (overdue is None or item.overdue == overdue)
        ]
        page = self.paginate_queryset(items)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def get_queryset(self):  # the schema generator asks; the list reads the selector
        return []


ROUTES = [("inbox", InboxViewSet, "inbox")]
