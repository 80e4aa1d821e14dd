"""Rubrics through the API: read by the platform's members and by the producers who proposed to it
(``reviews.selectors.rubrics``; anyone else gets 404), published as a new version by the
platform's content managers and admins."""

from decimal import Decimal

import django_filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.response import Response

from common.api import BoolFilter, IdFilter
from common.schema import error_response
from common.serializers import ScopedRelatedField, StrictSerializer
from reviews.models import Criterion, Rubric
from reviews.selectors.rubrics import rubric_list_for
from reviews.services import rubrics as services
from workflow.selectors import platform_list


class RubricCriterionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Criterion
        fields = ["id", "position", "name", "description", "weight"]
        read_only_fields = fields


class RubricRulesSerializer(serializers.Serializer):
    """A rubric version's rules, read-only (shared with the evaluation's rubric)."""

    quorum = serializers.DictField(
        child=serializers.IntegerField(),
        read_only=True,
        help_text="Submitted scorecards needed per rater function (content, business, "
        "marketing) before a decision.",
    )
    disagreement_threshold = serializers.DecimalField(
        max_digits=4,
        decimal_places=2,
        read_only=True,
        help_text="Raters disagree when the spread of their weighted scores is above this.",
    )
    grade_cutoffs = serializers.DictField(
        child=serializers.DecimalField(max_digits=4, decimal_places=2),
        read_only=True,
        help_text="The lowest weighted score of grades S, A and B; below B's is C.",
    )


class RubricVersionSerializer(RubricRulesSerializer, serializers.ModelSerializer):
    criteria = RubricCriterionSerializer(many=True, read_only=True)

    class Meta:
        model = Rubric
        fields = [
            "id",
            "platform",
            "name",
            "version",
            "is_active",
            "created_at",
            "criteria",
            "quorum",
            "disagreement_threshold",
            "grade_cutoffs",
        ]
        read_only_fields = fields


class RubricCriterionInputSerializer(StrictSerializer):
    name = serializers.CharField(max_length=100)
    description = serializers.CharField(required=False, allow_blank=True)
    weight = serializers.DecimalField(
        max_digits=5, decimal_places=2, min_value=Decimal("0.01"), required=False
    )


class RubricPublishSerializer(StrictSerializer):
    """A rule left out is the previous version's (the defaults for a first version)."""

    platform = ScopedRelatedField(queryset=platform_list())
    name = serializers.CharField(max_length=200)
    criteria = RubricCriterionInputSerializer(many=True, allow_empty=False)
    quorum = serializers.DictField(
        child=serializers.IntegerField(min_value=0, max_value=services.MAX_QUORUM),
        required=False,
        help_text="Submitted scorecards needed per rater function, e.g. "
        '{"content": 1, "business": 2, "marketing": 1}.',
    )
    disagreement_threshold = serializers.DecimalField(
        max_digits=4,
        decimal_places=2,
        min_value=Decimal("0.01"),
        max_value=Decimal("9"),
        required=False,
    )
    grade_cutoffs = serializers.DictField(
        child=serializers.DecimalField(
            max_digits=4, decimal_places=2, min_value=Decimal("1"), max_value=Decimal("10")
        ),
        required=False,
        help_text='The lowest weighted score of grades S, A and B, e.g. {"S": "8.5", "A": "7", '
        '"B": "5.5"}.',
    )


class RubricFilter(django_filters.FilterSet):
    platform = IdFilter(field_name="platform_id")
    is_active = BoolFilter()

    class Meta:
        model = Rubric
        fields = ["platform", "is_active"]


@extend_schema_view(
    list=extend_schema(summary="Platforms' rubrics, newest version first (?platform=, ?active=)"),
    retrieve=extend_schema(summary="A rubric version with its weighted criteria"),
    create=extend_schema(
        summary="Publish a new version of your platform's rubric",
        request=RubricPublishSerializer,
        responses={
            201: RubricVersionSerializer,
            400: error_response("Invalid criteria."),
            403: error_response("Not a manager of the platform."),
        },
    ),
)
class RubricViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = RubricVersionSerializer
    filterset_class = RubricFilter
    ordering_fields = ["version", "created_at"]
    ordering = ["platform_id", "-version"]

    def get_queryset(self):
        return rubric_list_for(self.request.user)

    def create(self, request, *args, **kwargs):
        body = RubricPublishSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        rubric = services.rubric_publish(
            platform=body.validated_data["platform"],
            actor=request.user,
            name=body.validated_data["name"],
            criteria=[dict(c) for c in body.validated_data["criteria"]],
            quorum=body.validated_data.get("quorum"),
            disagreement_threshold=body.validated_data.get("disagreement_threshold"),
            grade_cutoffs=body.validated_data.get("grade_cutoffs"),
        )
        rubric = self.get_queryset().get(pk=rubric.pk)
        return Response(RubricVersionSerializer(rubric).data, status=status.HTTP_201_CREATED)


ROUTES = [("rubrics", RubricViewSet, "rubric")]
