"""Feedback items in the API: scoped lists, the producer's answer, the reviewer's reopen."""

import django_filters
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from common.api import IdFilter
from common.schema import INVALID_INPUT, error_response
from common.serializers import StrictSerializer
from reviews.models import FeedbackItem
from reviews.selectors.feedback import feedback_item_list_for
from reviews.services import feedback as services


class FeedbackItemSerializer(serializers.ModelSerializer):
    project = serializers.IntegerField(source="project_id", read_only=True)
    evaluation = serializers.IntegerField(source="evaluation_id", read_only=True, allow_null=True)
    regulatory_review = serializers.IntegerField(
        source="regulatory_review_id", read_only=True, allow_null=True
    )
    cut_round = serializers.IntegerField(
        source="cut_submission_id",
        read_only=True,
        allow_null=True,
        help_text="For cut-review findings: the id of the cut round (`/cut-rounds/{id}/`).",
    )
    fixed_in_round = serializers.IntegerField(
        source="fixed_in_id",
        read_only=True,
        allow_null=True,
        help_text="For addressed cut-review findings: the cut round whose delivery fixed it.",
    )
    created_by = serializers.CharField(source="created_by.get_username", read_only=True)
    resolved_by = serializers.CharField(
        source="resolved_by.get_username", read_only=True, allow_null=True, default=None
    )

    class Meta:
        model = FeedbackItem
        fields = [
            "id",
            "project",
            "stage",
            "round",
            "evaluation",
            "regulatory_review",
            "cut_round",
            "fixed_in_round",
            "text",
            "category",
            "severity",
            "episode",
            "timecode",
            "status",
            "response",
            "created_by",
            "created_at",
            "resolved_by",
            "resolved_at",
        ]
        read_only_fields = fields


class NewFeedbackItemSerializer(StrictSerializer):
    """One feedback item raised with a decision (planning filing, evaluation)."""

    text = serializers.CharField(max_length=4000)
    category = serializers.ChoiceField(choices=FeedbackItem.Category.choices)
    severity = serializers.ChoiceField(choices=FeedbackItem.Severity.choices)
    episode = serializers.IntegerField(min_value=1, required=False, allow_null=True)
    timecode = serializers.CharField(
        max_length=12, required=False, allow_blank=True, help_text="MM:SS or HH:MM:SS."
    )


class FeedbackResponseSerializer(StrictSerializer):
    status = serializers.ChoiceField(
        choices=[
            (FeedbackItem.Status.ADDRESSED, FeedbackItem.Status.ADDRESSED.label),
            (FeedbackItem.Status.DECLINED, FeedbackItem.Status.DECLINED.label),
        ],
        help_text="`declined` is recorded, but a declined must-fix item still blocks resubmission.",
    )
    response = serializers.CharField(
        max_length=services.RESPONSE_MAX_LENGTH, help_text="What was changed, or why not."
    )


class EmptySerializer(StrictSerializer):
    pass


class FeedbackItemFilter(django_filters.FilterSet):
    project = IdFilter(field_name="project_id")
    round = IdFilter()
    cut_round = IdFilter(field_name="cut_submission_id")
    status = django_filters.MultipleChoiceFilter(choices=FeedbackItem.Status.choices)
    severity = django_filters.ChoiceFilter(choices=FeedbackItem.Severity.choices)
    stage = django_filters.ChoiceFilter(choices=FeedbackItem.Stage.choices)
    category = django_filters.ChoiceFilter(choices=FeedbackItem.Category.choices)

    class Meta:
        model = FeedbackItem
        fields = ["project", "round", "cut_round", "status", "severity", "stage", "category"]


NOT_FOUND = {404: error_response("No such feedback item in your scope.")}
ANSWER_ERRORS = {
    400: INVALID_INPUT,
    403: error_response("You may not do this to the item."),
    **NOT_FOUND,
    409: error_response(
        "`feedback_closed`: the item's round is over or the project is not being "
        "revised; `concurrent_update`."
    ),
}


@extend_schema_view(
    list=extend_schema(
        summary="List the feedback items in your scope",
        description="Everyone who sees a project sees its feedback; filter with `?project=`.",
    ),
    retrieve=extend_schema(
        summary="A feedback item", responses={200: FeedbackItemSerializer, **NOT_FOUND}
    ),
)
class FeedbackItemViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    serializer_class = FeedbackItemSerializer
    filterset_class = FeedbackItemFilter
    search_fields = ["text", "response"]
    ordering_fields = ["created_at", "round", "episode"]
    ordering = ["project_id", "round", "id"]

    def get_queryset(self):
        return feedback_item_list_for(self.request.user)

    def _answer(self):
        item = self.get_queryset().get(pk=self.kwargs["pk"])
        return Response(FeedbackItemSerializer(item).data)

    @extend_schema(
        summary="Answer a feedback item (producer): addressed or declined",
        request=FeedbackResponseSerializer,
        responses={200: FeedbackItemSerializer, **ANSWER_ERRORS},
        examples=[
            OpenApiExample(
                "Addressed",
                request_only=True,
                value={"status": "addressed", "response": "The reveal now comes in episode 8."},
            )
        ],
    )
    @action(detail=True, methods=["post"], serializer_class=FeedbackResponseSerializer)
    def respond(self, request, pk=None):
        item = self.get_object()
        body = FeedbackResponseSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.feedback_item_respond(
            item=item,
            actor=request.user,
            status=body.validated_data["status"],
            response=body.validated_data["response"],
        )
        return self._answer()

    @extend_schema(
        summary="Reopen an answered item (who raised it, or a content manager)",
        request=EmptySerializer,
        responses={200: FeedbackItemSerializer, **ANSWER_ERRORS},
    )
    @action(detail=True, methods=["post"], serializer_class=EmptySerializer)
    def reopen(self, request, pk=None):
        item = self.get_object()
        EmptySerializer(data=request.data).is_valid(raise_exception=True)
        services.feedback_item_reopen(item=item, actor=request.user)
        return self._answer()


# (prefix, viewset, basename) triples registered under /api/v1/ by reviews/urls.py
ROUTES: list = [("feedback-items", FeedbackItemViewSet, "feedback-item")]
