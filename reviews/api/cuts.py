"""Cut rounds in the API: the producer delivers a cut, the platform adds findings and sets
episode outcomes; approving or sending back is a transition (``/projects/{id}/transitions/``)."""

import django_filters
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from common.api import IdFilter
from common.schema import INVALID_INPUT, error_response
from common.serializers import ScopedRelatedField, StrictSerializer
from reviews.api.feedback import FeedbackItemSerializer, NewFeedbackItemSerializer
from reviews.models import CutEpisode, CutSubmission
from reviews.models.cuts import cut_summary
from reviews.selectors.cuts import cut_submission_detail_for, cut_submission_list_for
from reviews.services import cuts as services
from workflow.models import Project
from workflow.selectors import project_list_for
from workflow.services import COMMENT_MAX_LENGTH


class CutEpisodeSerializer(serializers.ModelSerializer):
    class Meta:
        model = CutEpisode
        fields = ["number", "reference", "duration_seconds", "outcome"]
        read_only_fields = fields


class CutRoundSerializer(serializers.ModelSerializer):
    project = serializers.IntegerField(source="project_id", read_only=True)
    project_title = serializers.CharField(source="project.title", read_only=True)
    submitted_by = serializers.CharField(source="submitted_by.get_username", read_only=True)
    approved_count = serializers.IntegerField(read_only=True)
    needs_changes_count = serializers.IntegerField(read_only=True)
    must_fix_open = serializers.IntegerField(
        read_only=True, help_text="Open must-fix findings on this cut."
    )
    summary = serializers.SerializerMethodField(
        help_text="For example “78 of 80 episodes approved, 2 need changes”."
    )

    class Meta:
        model = CutSubmission
        fields = [
            "id",
            "project",
            "project_title",
            "round",
            "episode_count",
            "total_duration_seconds",
            "note",
            "submitted_by",
            "created_at",
            "approved_count",
            "needs_changes_count",
            "must_fix_open",
            "summary",
        ]
        read_only_fields = fields

    def get_summary(self, submission) -> str:
        return cut_summary(
            submission.episode_count, submission.approved_count, submission.needs_changes_count
        )


class CutRoundDetailSerializer(CutRoundSerializer):
    episodes = CutEpisodeSerializer(many=True, read_only=True)

    class Meta(CutRoundSerializer.Meta):
        fields = [*CutRoundSerializer.Meta.fields, "episodes"]
        read_only_fields = fields


class DeliveredEpisodeSerializer(StrictSerializer):
    number = serializers.IntegerField(min_value=1)
    reference = serializers.CharField(
        max_length=services.REFERENCE_MAX_LENGTH,
        help_text="An http(s):// URL, an object-storage URI (`s3://`, `oss://`, `cos://`, `obs://`, `gs://`) or a storage key such as `studio-a/dragon/ep01-v2.mp4`.",
    )
    duration_seconds = serializers.IntegerField(min_value=1, max_value=services.MAX_EPISODE_SECONDS)


class CutDeliverySerializer(StrictSerializer):
    project = ScopedRelatedField(
        queryset=Project.objects.none(), help_text="The project (in your scope)."
    )
    episodes = DeliveredEpisodeSerializer(
        many=True, help_text="Every episode of the series, numbered 1 to the episode count."
    )
    note = serializers.CharField(
        required=False, allow_blank=True, max_length=COMMENT_MAX_LENGTH, help_text="What changed."
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["project"].queryset = project_list_for(request.user)


class CutFindingSerializer(NewFeedbackItemSerializer):
    episode = serializers.IntegerField(min_value=1)


class CutFindingsSerializer(StrictSerializer):
    items = CutFindingSerializer(many=True, allow_empty=False)


class EpisodeOutcomeSerializer(StrictSerializer):
    outcome = serializers.ChoiceField(
        choices=[
            (CutEpisode.Outcome.APPROVED, CutEpisode.Outcome.APPROVED.label),
            (CutEpisode.Outcome.NEEDS_CHANGES, CutEpisode.Outcome.NEEDS_CHANGES.label),
        ]
    )
    episodes = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=32767),
        allow_empty=False,
        max_length=2000,
    )


class EpisodeOutcomeResultSerializer(serializers.Serializer):
    changed = serializers.IntegerField()
    round = CutRoundDetailSerializer()


class CutRoundFilter(django_filters.FilterSet):
    project = IdFilter(field_name="project_id")
    round = IdFilter()

    class Meta:
        model = CutSubmission
        fields = ["project", "round"]


NOT_FOUND = {404: error_response("No such cut round in your scope.")}
REVIEW_ERRORS = {
    400: INVALID_INPUT,
    403: error_response("Only the platform's content manager."),
    **NOT_FOUND,
    409: error_response(
        "`cut_round_closed`: this round's cut is not under review; `concurrent_update`."
    ),
}


@extend_schema_view(
    list=extend_schema(
        summary="List the cut rounds in your scope",
        description="Each delivery of a cut is a numbered round with its episode counts. The "
        "producer, the platform and the regulators the project is routed to see them.",
    ),
    retrieve=extend_schema(
        summary="A cut round with its episodes",
        responses={200: CutRoundDetailSerializer, **NOT_FOUND},
    ),
)
class CutRoundViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = CutRoundSerializer
    filterset_class = CutRoundFilter
    ordering_fields = ["created_at", "round"]
    ordering = ["-created_at", "-id"]

    def get_queryset(self):
        if self.action == "list":
            return cut_submission_list_for(self.request.user)
        return cut_submission_detail_for(self.request.user)

    def get_serializer_class(self):
        return CutRoundSerializer if self.action == "list" else CutRoundDetailSerializer

    def _detail(self, pk, **status_kwargs):
        submission = cut_submission_detail_for(self.request.user).get(pk=pk)
        return Response(CutRoundDetailSerializer(submission).data, **status_kwargs)

    @extend_schema(
        summary="Deliver a cut (producer): submits it, or resubmits it after changes",
        description="Opens the next round with a reference and a duration for every episode and "
        "fires `submit_cut` (in production) or `resubmit_cut` (after cut changes, once every "
        "must-fix finding is addressed). Episodes approved in the previous round and delivered "
        "with the same reference stay approved.",
        request=CutDeliverySerializer,
        responses={
            201: CutRoundDetailSerializer,
            400: error_response("Invalid delivery (`episodes.N.field`, a missing episode)."),
            403: error_response("Not a producer of the project."),
            404: error_response("No such project in your scope."),
            409: error_response(
                "`cut_not_expected` (not in production or cut changes), "
                "`conditions_not_met` (must-fix findings not addressed), `concurrent_update`."
            ),
        },
        examples=[
            OpenApiExample(
                "Two-episode series",
                request_only=True,
                value={
                    "project": 7,
                    "episodes": [
                        {
                            "number": 1,
                            "reference": "studio-a/dragon/ep01.mp4",
                            "duration_seconds": 95,
                        },
                        {
                            "number": 2,
                            "reference": "https://cdn.example.com/dragon/ep02.mp4",
                            "duration_seconds": 102,
                        },
                    ],
                    "note": "Colour-graded master.",
                },
            )
        ],
    )
    def create(self, request):
        body = CutDeliverySerializer(data=request.data, context={"request": request})
        body.is_valid(raise_exception=True)
        data = body.validated_data
        submission = services.cut_submit(
            project=data["project"],
            actor=request.user,
            episodes=[dict(episode) for episode in data["episodes"]],
            note=data.get("note", ""),
        )
        return self._detail(submission.pk, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Add findings to the cut under review (content manager)",
        description="Feedback items of stage `cut_review`, each on an episode (and a timecode); a "
        "must-fix finding marks its episode as needing changes. Read them back at "
        "`/feedback-items/?cut_round={id}`.",
        request=CutFindingsSerializer,
        responses={201: FeedbackItemSerializer(many=True), **REVIEW_ERRORS},
        filters=False,
        examples=[
            OpenApiExample(
                "A must-fix finding",
                request_only=True,
                value={
                    "items": [
                        {
                            "episode": 12,
                            "timecode": "01:05",
                            "text": "The brand logo on the cup must be blurred.",
                            "category": "commercial",
                            "severity": "must_fix",
                        }
                    ]
                },
            )
        ],
    )
    @action(
        detail=True, methods=["post"], serializer_class=CutFindingsSerializer, pagination_class=None
    )
    def findings(self, request, pk=None):
        submission = self.get_object()
        body = CutFindingsSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        created = services.cut_findings_add(
            submission=submission,
            actor=request.user,
            items=[dict(item) for item in body.validated_data["items"]],
        )
        return Response(FeedbackItemSerializer(created, many=True).data, status=201)

    @extend_schema(
        summary="Set the outcome of episodes of the cut under review (content manager)",
        request=EpisodeOutcomeSerializer,
        responses={200: EpisodeOutcomeResultSerializer, **REVIEW_ERRORS},
        examples=[
            OpenApiExample(
                "Approve three episodes",
                request_only=True,
                value={"outcome": "approved", "episodes": [1, 2, 3]},
            )
        ],
    )
    @action(detail=True, methods=["post"], serializer_class=EpisodeOutcomeSerializer)
    def episodes(self, request, pk=None):
        submission = self.get_object()
        body = EpisodeOutcomeSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        changed = services.cut_episodes_mark(
            submission=submission,
            actor=request.user,
            outcome=body.validated_data["outcome"],
            numbers=body.validated_data["episodes"],
        )
        submission = cut_submission_detail_for(request.user).get(pk=submission.pk)
        return Response({"changed": changed, "round": CutRoundDetailSerializer(submission).data})


# (prefix, viewset, basename) triples registered under /api/v1/ by reviews/urls.py
ROUTES: list = [("cut-rounds", CutRoundViewSet, "cut-round")]
