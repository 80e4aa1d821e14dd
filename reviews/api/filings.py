"""Regulatory reviews (planning filings) in the API: scoped lists, the reviewer's queue, decide."""

import django_filters
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from common.api import IdFilter
from common.schema import error_response
from common.serializers import StrictSerializer
from reviews.api.feedback import NewFeedbackItemSerializer
from reviews.models import RegulatoryReview
from reviews.selectors.filings import regulatory_review_list_for, regulatory_review_queue_for
from reviews.services import filings as services
from workflow.api.directory import OrganisationRefSerializer
from workflow.models import Project
from workflow.services import COMMENT_MAX_LENGTH


class ProjectRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Project
        fields = ["id", "title"]
        read_only_fields = fields


class RegulatoryReviewSerializer(serializers.ModelSerializer):
    project = ProjectRefSerializer(read_only=True)
    authority = OrganisationRefSerializer(read_only=True)
    decided_by = serializers.CharField(
        source="decided_by.get_username", read_only=True, allow_null=True, default=None
    )
    waiting_for_earlier_step = serializers.BooleanField(
        read_only=True,
        help_text="True while an earlier step (the bureau's first check of a KEY project) is "
        "not approved: this review cannot be decided yet.",
    )

    class Meta:
        model = RegulatoryReview
        fields = [
            "id",
            "project",
            "kind",
            "authority",
            "sequence",
            "round",
            "tier",
            "status",
            "filing_number",
            "comment",
            "decided_by",
            "decided_at",
            "waiting_for_earlier_step",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class DecisionSerializer(StrictSerializer):
    outcome = serializers.ChoiceField(choices=services.Outcome.CHOICES)
    filing_number = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=services.FILING_NUMBER_MAX_LENGTH,
        help_text="Required to approve: the planning filing number the authority issues "
        "(unique per authority).",
    )
    comment = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=COMMENT_MAX_LENGTH,
        help_text="Required to reject; shown to the producer and in the project's history.",
    )
    items = NewFeedbackItemSerializer(
        many=True,
        required=False,
        help_text="Required to request changes: the feedback items (at least one).",
    )


class RegulatoryReviewFilter(django_filters.FilterSet):
    project = IdFilter(field_name="project_id")
    authority = IdFilter(field_name="authority_id")
    status = django_filters.MultipleChoiceFilter(choices=RegulatoryReview.Status.choices)
    kind = django_filters.ChoiceFilter(choices=RegulatoryReview.Kind.choices)
    round = IdFilter()

    class Meta:
        model = RegulatoryReview
        fields = ["project", "authority", "status", "kind", "round"]


NOT_FOUND = {404: error_response("No such review in your scope.")}
DECIDE_ERRORS = {
    400: error_response(
        "Invalid input (see `fields`): a missing filing number, comment or items, "
        "a filing number the authority has already issued, an invalid feedback item "
        "(`items.N.field`)."
    ),
    403: error_response("You are not a reviewer of the review's authority."),
    **NOT_FOUND,
    409: error_response(
        "`review_not_pending` (already decided or superseded), "
        "`earlier_step_pending` (the national re-check before the bureau's approval), "
        "`project_not_under_review` (changes or rejection while the proposal is not submitted), "
        "`concurrent_update`, or a transition error of the project."
    ),
}


@extend_schema_view(
    list=extend_schema(
        summary="List the regulatory reviews in your scope",
        description="Producers and platforms see the reviews of their projects; a regulator the "
        "reviews it is the authority of and the other steps of the filings routed to it.",
    ),
    retrieve=extend_schema(
        summary="A regulatory review", responses={200: RegulatoryReviewSerializer, **NOT_FOUND}
    ),
)
class RegulatoryReviewViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    serializer_class = RegulatoryReviewSerializer
    filterset_class = RegulatoryReviewFilter
    search_fields = ["project__title", "filing_number"]
    ordering_fields = ["created_at", "decided_at", "round"]
    ordering = ["-created_at", "-id"]

    def get_queryset(self):
        return regulatory_review_list_for(self.request.user)

    @extend_schema(
        summary="Your queue: pending reviews you can decide now",
        description="Pending reviews of the authorities you review for, oldest first, without "
        "those still waiting for an earlier step.",
        responses=RegulatoryReviewSerializer(many=True),
    )
    @action(detail=False, methods=["get"], filterset_class=None, ordering=None)
    def queue(self, request):
        queryset = regulatory_review_queue_for(request.user)
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(
        summary="Decide a pending review: approve, request changes or reject",
        request=DecisionSerializer,
        responses={200: RegulatoryReviewSerializer, **DECIDE_ERRORS},
        examples=[
            OpenApiExample(
                "Approve",
                request_only=True,
                value={"outcome": "approve", "filing_number": "沪网剧备字（2025）第0417号"},
            ),
            OpenApiExample(
                "Request changes",
                request_only=True,
                value={
                    "outcome": "request_changes",
                    "comment": "Two points before we can file this plan.",
                    "items": [
                        {
                            "text": "The loan-shark subplot glamorises illegal lending.",
                            "category": "compliance",
                            "severity": "must_fix",
                            "episode": 12,
                        }
                    ],
                },
            ),
            OpenApiExample(
                "Reject",
                request_only=True,
                value={"outcome": "reject", "comment": "The proposal distorts documented history."},
            ),
        ],
    )
    @action(detail=True, methods=["post"], serializer_class=DecisionSerializer)
    def decide(self, request, pk=None):
        review = self.get_object()
        body = DecisionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        services.regulatory_review_decide(
            review=review,
            actor=request.user,
            outcome=data["outcome"],
            filing_number=data.get("filing_number", ""),
            comment=data.get("comment", ""),
            items=[dict(item) for item in data.get("items", [])],
        )
        decided = self.get_queryset().get(pk=review.pk)
        return Response(RegulatoryReviewSerializer(decided).data)


# (prefix, viewset, basename) triples registered under /api/v1/ by reviews/urls.py
ROUTES: list = [("regulatory-reviews", RegulatoryReviewViewSet, "regulatory-review")]
