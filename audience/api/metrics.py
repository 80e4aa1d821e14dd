"""Release metrics: the platform sends them in bulk; producer and platform read them.

A project whose metrics the caller may not read is 404 (also in a bulk body); raters and
regulators see none. Every write goes through ``audience.services.metrics``.
"""

import django_filters
from drf_spectacular.utils import (
    OpenApiExample,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404
from rest_framework.response import Response

from audience.models.metrics import EpisodeMetric
from audience.selectors import metrics as selectors
from audience.services import metrics as services
from common.api import IdFilter
from common.schema import INVALID_INPUT, NOT_IN_SCOPE, error_response
from common.serializers import IdField, StrictSerializer
from common.values import MONEY, MONEY_TOTAL

RATE = {"max_digits": 5, "decimal_places": 4}
NOT_FOUND = {404: NOT_IN_SCOPE}
INVALID = {400: INVALID_INPUT}


# Serializers ---------------------------------------------------------------------------------


class EpisodeMetricSerializer(serializers.ModelSerializer):
    project_title = serializers.CharField(source="project.title", read_only=True)

    class Meta:
        model = EpisodeMetric
        fields = [
            "id",
            "project",
            "project_title",
            "episode",
            "date",
            "plays",
            "valid_plays",
            "retention_3s",
            "retention_5s",
            "retention_10s",
            "completion_rate",
            "likes",
            "comments",
            "shares",
            "paid_unlocks",
            "paid_revenue",
            "ad_revenue",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class MetricRowSerializer(StrictSerializer):
    """One row of a bulk send. Validated by the import service, which the CSV import shares."""

    episode = serializers.IntegerField(min_value=1, help_text="Episode number, 1 to the count.")
    date = serializers.DateField(
        help_text=("The day (China time), YYYY-MM-DD: from the day the title went live to today.")
    )
    plays = serializers.IntegerField(min_value=0)
    valid_plays = serializers.IntegerField(min_value=0, help_text="At most `plays`.")
    retention_3s = serializers.CharField(
        help_text='Share of plays still watching at 3 s: a fraction ("0.452") or "45.2%".'
    )
    retention_5s = serializers.CharField(help_text="At 5 s, as `retention_3s`.")
    retention_10s = serializers.CharField(help_text="At 10 s, as `retention_3s`.")
    completion_rate = serializers.CharField(help_text="Watched to the end, as `retention_3s`.")
    likes = serializers.IntegerField(min_value=0)
    comments = serializers.IntegerField(min_value=0)
    shares = serializers.IntegerField(min_value=0)
    paid_unlocks = serializers.IntegerField(min_value=0)
    paid_revenue = serializers.DecimalField(**MONEY, help_text="CNY, decimal string.")
    ad_revenue = serializers.DecimalField(**MONEY, help_text="CNY, decimal string.")


class MetricsBulkBodySerializer(StrictSerializer):
    """What the bulk endpoint validates; the rows are then checked by the import service."""

    project = IdField(help_text="The released project.")
    rows = serializers.ListField(
        child=serializers.DictField(),
        min_length=1,
        max_length=services.BULK_MAX_ROWS,
        help_text=(
            f"Up to {services.BULK_MAX_ROWS:,} rows, each as `MetricRow`. A day already "
            "recorded for an episode is replaced."
        ),
    )


class MetricsBulkSerializer(StrictSerializer):
    project = IdField(help_text="The released project.")
    rows = MetricRowSerializer(
        many=True,
        min_length=1,
        max_length=services.BULK_MAX_ROWS,
        help_text=f"1 to {services.BULK_MAX_ROWS:,} rows.",
    )


class MetricsBulkResultSerializer(serializers.Serializer):
    project = serializers.IntegerField()
    rows = serializers.IntegerField(help_text="Rows received.")
    created = serializers.IntegerField(help_text="Episode-days recorded for the first time.")
    updated = serializers.IntegerField(
        help_text="Rows that replaced a day already recorded (or repeated in this request)."
    )


class EpisodeCurvePointSerializer(serializers.Serializer):
    episode = serializers.IntegerField()
    days = serializers.IntegerField(help_text="Days reported for the episode.")
    plays = serializers.IntegerField()
    valid_plays = serializers.IntegerField()
    retention_3s = serializers.DecimalField(**RATE, allow_null=True)
    retention_5s = serializers.DecimalField(**RATE, allow_null=True)
    retention_10s = serializers.DecimalField(**RATE, allow_null=True)
    completion_rate = serializers.DecimalField(**RATE, allow_null=True)


class MetricsTotalsSerializer(serializers.Serializer):
    plays = serializers.IntegerField()
    valid_plays = serializers.IntegerField()
    likes = serializers.IntegerField()
    comments = serializers.IntegerField()
    shares = serializers.IntegerField()
    paid_unlocks = serializers.IntegerField()
    paid_revenue = serializers.DecimalField(**MONEY_TOTAL)
    ad_revenue = serializers.DecimalField(**MONEY_TOTAL)


class MetricsSummarySerializer(serializers.Serializer):
    project_id = serializers.IntegerField()
    rows = serializers.IntegerField(help_text="Episode-days recorded.")
    days = serializers.IntegerField(help_text="Distinct days with figures.")
    first_date = serializers.DateField(allow_null=True)
    last_date = serializers.DateField(allow_null=True)
    totals = MetricsTotalsSerializer()
    episodes = EpisodeCurvePointSerializer(
        many=True,
        help_text=(
            "The retention curve: per episode, plays and valid plays summed over its days, and "
            "each rate averaged over the days weighted by plays (null without plays)."
        ),
    )


# Filters -------------------------------------------------------------------------------------


class EpisodeMetricFilter(django_filters.FilterSet):
    project = IdFilter(field_name="project_id")
    episode = IdFilter(field_name="episode")
    date_from = django_filters.DateFilter(field_name="date", lookup_expr="gte")
    date_to = django_filters.DateFilter(field_name="date", lookup_expr="lte")

    class Meta:
        model = EpisodeMetric
        fields = ["project", "episode", "date_from", "date_to"]


class SummaryQuerySerializer(serializers.Serializer):
    project = IdField(help_text="The project.")
    date_from = serializers.DateField(required=False, help_text="From this day.")
    date_to = serializers.DateField(required=False, help_text="Up to this day.")


# Views ---------------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        summary="Release metrics per episode and day (`?project=`, `?episode=`, date range)",
        description="Producer company and the platform's content managers; newest days first.",
    ),
    retrieve=extend_schema(
        summary="One episode's figures for one day",
        responses={200: EpisodeMetricSerializer, **NOT_FOUND},
    ),
)
class EpisodeMetricViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    serializer_class = EpisodeMetricSerializer
    filterset_class = EpisodeMetricFilter
    ordering_fields = ["date", "episode", "plays"]
    ordering = ["-date", "project_id", "episode"]

    def get_queryset(self):
        return selectors.episode_metric_list_for(self.request.user)

    @extend_schema(
        summary="Send release metrics of a project (its platform's content managers)",
        description=(
            "All rows or none: a bad row answers 400 with its messages on "
            "`rows.<index>.<field>` (index from 0) and nothing is written. Sending a day "
            "again replaces it. Rates are fractions 0..1 or percentages such as `45.2%`. A "
            "row's day runs from the day the title went live (China time) to today; another is "
            "a 400 on `rows.<index>.date`, naming both days. The project must be released, "
            "taken down or completed (409 `metrics_not_accepted`)."
        ),
        request=MetricsBulkSerializer,
        responses={
            200: MetricsBulkResultSerializer,
            **INVALID,
            403: error_response("Only the platform's content managers send metrics."),
            **NOT_FOUND,
            409: error_response("`metrics_not_accepted` (not released) or `concurrent_update`."),
        },
        examples=[
            OpenApiExample(
                "One episode-day",
                request_only=True,
                value={
                    "project": 7,
                    "rows": [
                        {
                            "episode": 1,
                            "date": "2026-03-01",
                            "plays": 120000,
                            "valid_plays": 98000,
                            "retention_3s": "0.82",
                            "retention_5s": "71.5%",
                            "retention_10s": "0.55",
                            "completion_rate": "0.31",
                            "likes": 5400,
                            "comments": 820,
                            "shares": 310,
                            "paid_unlocks": 2300,
                            "paid_revenue": "6900.00",
                            "ad_revenue": "1250.40",
                        }
                    ],
                },
            )
        ],
    )
    @action(detail=False, methods=["post"], filterset_class=None, pagination_class=None)
    def bulk(self, request):
        body = MetricsBulkBodySerializer(data=request.data)
        body.is_valid(raise_exception=True)
        project = get_object_or_404(
            selectors.metric_project_list_for(request.user), pk=body.validated_data["project"]
        )
        rows = body.validated_data["rows"]
        report = services.episode_metrics_upsert(project=project, actor=request.user, rows=rows)
        result = {
            "project": project.pk,
            "rows": report.rows_read,
            "created": report.created,
            "updated": report.updated,
        }
        return Response(MetricsBulkResultSerializer(result).data, status=status.HTTP_200_OK)

    @extend_schema(
        summary="A project's metrics summary: totals and the retention curve by episode",
        parameters=[SummaryQuerySerializer],
        responses={200: MetricsSummarySerializer, **INVALID, **NOT_FOUND},
    )
    @action(detail=False, methods=["get"], filterset_class=None, pagination_class=None)
    def summary(self, request):
        query = SummaryQuerySerializer(data=request.query_params.dict())
        query.is_valid(raise_exception=True)
        params = query.validated_data
        project = get_object_or_404(
            selectors.metric_project_list_for(request.user), pk=params["project"]
        )
        summary = selectors.project_metrics_summary(
            project,
            date_from=params.get("date_from"),
            date_to=params.get("date_to"),
            viewer=request.user,
        )
        return Response(MetricsSummarySerializer(summary).data)


# (prefix, viewset, basename) triples registered under /api/v1/ by audience/urls.py
ROUTES: list = [("metrics", EpisodeMetricViewSet, "episode-metric")]
