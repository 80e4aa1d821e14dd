"""The revision log: record a decision with its evidence, read it with its outcome.

The producer's team (its producers and org admins) records revisions; the commissioning
platform's content managers read them; raters, regulators and other companies see none (404).
Revisions are append-only: no update, no delete (a correction is a new revision). The counts of
the evidence are computed by the service when the revision is recorded, never sent by the client.
"""

import django_filters
from django.db.models import Exists, OuterRef
from drf_spectacular.utils import (
    OpenApiExample,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.response import Response

from audience.models import Revision, RevisionEvidence
from audience.selectors import audience_projects_for
from audience.selectors import revisions as selectors
from audience.selectors.quiet import quiet_locks_for
from audience.services import revisions as services
from common.api import IdFilter
from common.schema import INVALID_INPUT, NOT_IN_SCOPE, error_response
from common.serializers import IdField, ScopedRelatedField, StrictSerializer
from workflow.models import Project

ERRORS = {
    400: INVALID_INPUT,
    403: error_response("Only the producer's team records revisions."),
    404: NOT_IN_SCOPE,
}
NOT_FOUND = {404: ERRORS[404]}
EXCERPT = 200
RATE = {"max_digits": 5, "decimal_places": 4}
FIGURE = {"max_digits": 24, "decimal_places": 1}


# Serializers ---------------------------------------------------------------------------------


class EvidenceSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    signal = serializers.IntegerField(
        source="signal_id", allow_null=True, help_text="The cited signal, or null for a term."
    )
    signal_text = serializers.SerializerMethodField(
        help_text=f"The signal's text (redacted at import), its first {EXCERPT} characters."
    )
    signal_episode = serializers.SerializerMethodField(
        help_text="The signal's episode number (null for a test clip's signal)."
    )
    signal_posted_at = serializers.DateTimeField(
        source="signal.posted_at", allow_null=True, read_only=True
    )
    term = serializers.CharField(help_text="The cited term, or empty for a signal.")
    mentions = serializers.IntegerField(
        help_text="Term: unflagged signals of the project containing it when recorded."
    )
    distinct_authors = serializers.IntegerField(
        help_text="Term: their distinct authors when recorded."
    )
    likes = serializers.IntegerField(help_text="Signal: its likes when recorded.")

    def get_signal_text(self, evidence) -> str | None:
        return None if evidence.signal is None else evidence.signal.text[:EXCERPT]

    def get_signal_episode(self, evidence) -> int | None:
        signal = evidence.signal
        return None if signal is None or signal.episode is None else signal.episode.number


class EvidenceNowSerializer(EvidenceSerializer):
    mentions_now = serializers.IntegerField(allow_null=True, help_text="Term: mentions today.")
    distinct_authors_now = serializers.IntegerField(
        allow_null=True, help_text="Term: distinct authors today."
    )
    likes_now = serializers.IntegerField(allow_null=True, help_text="Signal: its likes today.")
    hidden = serializers.BooleanField(
        help_text="Quiet mode locks the signal's episode for you: its text and likes today are "
        "null (term counts today are null while any lock of the project holds)."
    )

    def to_representation(self, instance):
        data = dict(EvidenceSerializer(instance.evidence, context=self.context).data)
        data.update(
            mentions_now=instance.mentions_now,
            distinct_authors_now=instance.distinct_authors_now,
            likes_now=instance.likes_now,
            hidden=instance.hidden,
        )
        if instance.hidden:
            data["signal_text"] = None
        return data


class RevisionSerializer(serializers.ModelSerializer):
    project_title = serializers.CharField(source="project.title", read_only=True)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    decided_by = serializers.CharField(source="decided_by.get_username", read_only=True)
    episodes = serializers.SerializerMethodField(help_text="The affected episodes' numbers.")
    evidence = EvidenceSerializer(
        many=True, read_only=True, help_text="Cited signals and terms, with their counts then."
    )

    class Meta:
        model = Revision
        fields = [
            "id",
            "project",
            "project_title",
            "kind",
            "kind_display",
            "summary",
            "description",
            "episodes",
            "evidence",
            "decided_by",
            "decided_at",
        ]
        read_only_fields = fields

    def get_episodes(self, revision) -> list[int]:
        return selectors.episode_numbers(revision)


class OutcomeMetricSerializer(serializers.Serializer):
    metric = serializers.CharField(
        help_text="`plays`, `valid_plays` (context), `likes`, `comments`, `shares` or "
        "`completion_rate`."
    )
    label = serializers.CharField()
    context = serializers.BooleanField(help_text="The audience's size, not its reaction.")
    baseline = serializers.CharField(
        allow_null=True,
        help_text="Decimal string: the average per episode (1 decimal), or for the completion "
        "rate the plays-weighted fraction (4 decimals); null without plays.",
    )
    affected = serializers.CharField(allow_null=True, help_text="As `baseline`.")
    change = serializers.CharField(allow_null=True, help_text="`affected` minus `baseline`.")
    change_percent = serializers.CharField(
        allow_null=True,
        help_text="The change in percent of the baseline, rounded half up to 1 decimal; null "
        "when the baseline is 0.",
    )


class OutcomeEpisodeSerializer(serializers.Serializer):
    episode = serializers.IntegerField()
    group = serializers.ChoiceField(choices=["baseline", "affected"])
    first_date = serializers.DateField(
        allow_null=True, help_text="Its first day of metrics (null: none yet)."
    )
    days_reported = serializers.IntegerField(help_text="Days with figures inside its window.")
    window_complete = serializers.BooleanField()
    plays = serializers.IntegerField()
    valid_plays = serializers.IntegerField()
    likes = serializers.IntegerField()
    comments = serializers.IntegerField()
    shares = serializers.IntegerField()


class OutcomeSerializer(serializers.Serializer):
    days = serializers.IntegerField(help_text="The window: each episode's first N days.")
    measurable = serializers.BooleanField()
    hidden = serializers.BooleanField(
        help_text="Quiet mode locks an episode of the comparison for you (reveal it to see)."
    )
    reason = serializers.CharField(help_text="Why there is no outcome yet (empty when there is).")
    affected_episodes = serializers.ListField(child=serializers.IntegerField())
    baseline_episodes = serializers.ListField(
        child=serializers.IntegerField(),
        help_text="As many episodes as are affected, immediately before the first affected one.",
    )
    measurable_on = serializers.DateField(
        allow_null=True,
        help_text="The last day the windows need (null while an episode has no metrics).",
    )
    metrics = OutcomeMetricSerializer(many=True, help_text="Empty while not measurable.")
    episodes = OutcomeEpisodeSerializer(many=True, help_text="Each episode's window totals.")

    def to_representation(self, instance):
        baseline = set(instance.baseline_episodes)
        return {
            "days": instance.days,
            "measurable": instance.measurable,
            "hidden": instance.hidden,
            "reason": instance.reason,
            "affected_episodes": instance.affected_episodes,
            "baseline_episodes": instance.baseline_episodes,
            "measurable_on": (
                None if instance.measurable_on is None else instance.measurable_on.isoformat()
            ),
            "metrics": [
                {
                    "metric": m.metric,
                    "label": m.label,
                    "context": m.context,
                    **{
                        name: None if getattr(m, name) is None else str(getattr(m, name))
                        for name in ("baseline", "affected", "change", "change_percent")
                    },
                }
                for m in instance.metrics
            ],
            "episodes": [
                {
                    "episode": w.episode,
                    "group": "baseline" if w.episode in baseline else "affected",
                    "first_date": None if w.first_date is None else w.first_date.isoformat(),
                    "days_reported": w.days_reported,
                    "window_complete": w.complete(instance.days),
                    **{name: w.totals.get(name, 0) for name in selectors.COUNT_METRICS},
                }
                for w in instance.episodes
            ],
        }


class RevisionDetailSerializer(RevisionSerializer):
    evidence = EvidenceNowSerializer(
        many=True,
        read_only=True,
        source="evidence_now",
        help_text="Cited signals and terms, with their counts then and now.",
    )
    outcome = OutcomeSerializer(read_only=True)

    class Meta(RevisionSerializer.Meta):
        fields = [*RevisionSerializer.Meta.fields, "outcome"]
        read_only_fields = fields


class RevisionRecordSerializer(StrictSerializer):
    project = ScopedRelatedField(
        queryset=Project.objects.none(), help_text="The project (in your scope)."
    )
    kind = serializers.ChoiceField(choices=Revision.Kind.choices)
    summary = serializers.CharField(max_length=200, help_text="One line: what changes.")
    description = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="The change in detail."
    )
    episodes = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=32767),
        max_length=services.MAX_EPISODES,
        help_text="Numbers of the affected episodes (they must exist).",
    )
    signals = serializers.ListField(
        child=IdField(),
        required=False,
        default=list,
        max_length=services.MAX_SIGNALS,
        help_text="Ids of the project's unflagged signals the decision cites.",
    )
    terms = serializers.ListField(
        child=serializers.CharField(max_length=services.TERM_MAX_LENGTH),
        required=False,
        default=list,
        max_length=services.MAX_TERMS,
        help_text="Terms of the project's unflagged signals the decision cites.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["project"].queryset = audience_projects_for(request.user)


class OutcomeQuerySerializer(serializers.Serializer):
    days = serializers.IntegerField(
        min_value=1,
        max_value=selectors.MAX_DAYS,
        default=selectors.DEFAULT_DAYS,
        help_text="The window in days.",
    )


# Filters -------------------------------------------------------------------------------------


class RevisionFilter(django_filters.FilterSet):
    project = IdFilter(field_name="project_id")
    kind = django_filters.ChoiceFilter(choices=Revision.Kind.choices)
    signal = IdFilter(method="filter_signal", label="Revisions citing this signal.")
    episode = IdFilter(method="filter_episode", label="Revisions affecting this episode number.")

    class Meta:
        model = Revision
        fields = ["project", "kind", "signal", "episode"]

    def filter_signal(self, queryset, name, value):
        return queryset.filter(
            Exists(RevisionEvidence.objects.filter(revision=OuterRef("pk"), signal_id=value))
        )

    def filter_episode(self, queryset, name, value):
        return queryset.filter(
            Exists(
                Revision.episodes.through.objects.filter(
                    revision_id=OuterRef("pk"), episode__number=value
                )
            )
        )


# Views ---------------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        summary="The revision log, newest decision first",
        description=(
            "Producer's team and the commissioning platform's content managers. Filter with "
            "`?project=`, `?kind=`, `?signal=` (revisions citing a signal: the signal's side of "
            "the chain) and `?episode=` (revisions affecting an episode number)."
        ),
    ),
)
class RevisionViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = RevisionSerializer
    filterset_class = RevisionFilter
    ordering_fields = ["decided_at"]
    ordering = ["-decided_at", "-id"]

    def get_queryset(self):
        return selectors.revision_list_for(self.request.user)

    def _detail(self, revision: Revision, days: int):
        quiet = quiet_locks_for(self.request.user, project_ids=[revision.project_id])
        revision.evidence_now = selectors.evidence_then_and_now(revision, quiet=quiet)
        revision.outcome = selectors.revision_outcome(revision, days=days, quiet=quiet)
        return RevisionDetailSerializer(revision, context=self.get_serializer_context()).data

    @extend_schema(
        summary="A revision: its evidence then and now, and its outcome",
        description=(
            "The outcome compares the affected episodes with as many episodes immediately "
            "before the first affected one, each over its first `days` days of metrics (from "
            "its own first day): averages per episode of likes, comments, shares (plays and "
            "valid plays as context) and the plays-weighted completion rate, with the change "
            "and the change in percent. While an episode lacks metrics or days, `measurable` "
            "is false and `reason` says what is missing."
        ),
        parameters=[OutcomeQuerySerializer],
        responses={200: RevisionDetailSerializer, 400: ERRORS[400], **NOT_FOUND},
    )
    def retrieve(self, request, *args, **kwargs):
        query = OutcomeQuerySerializer(data=request.query_params.dict())
        query.is_valid(raise_exception=True)
        revision = self.get_object()
        return Response(self._detail(revision, query.validated_data["days"]))

    @extend_schema(
        summary="Record a revision with its evidence (the producer's team)",
        description=(
            "Names the affected episodes (numbers of existing episodes) and cites at least one "
            "signal (ids of the project's unflagged signals) or term (found in them). The "
            "counts then are computed now: for a term its mentions and distinct authors in the "
            "project's unflagged signals, for a signal its likes. Every problem answers 400 on "
            "its field. The log is append-only: no update, no delete."
        ),
        request=RevisionRecordSerializer,
        responses={
            201: RevisionDetailSerializer,
            **ERRORS,
            409: error_response(
                "`revisions_closed` (completed, rejected or withdrawn) or `concurrent_update`."
            ),
        },
        examples=[
            OpenApiExample(
                "A pacing change citing a term and a comment",
                request_only=True,
                value={
                    "project": 7,
                    "kind": "pacing",
                    "summary": "Reveal the contract twist two episodes earlier",
                    "description": "Viewers call episodes 8-10 slow; move the reveal to 11.",
                    "episodes": [11, 12, 13],
                    "signals": [4021],
                    "terms": ["拖沓", "slow"],
                },
            )
        ],
    )
    def create(self, request, *args, **kwargs):
        body = RevisionRecordSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        data = body.validated_data
        revision = services.revision_record(
            project=data["project"],
            actor=request.user,
            kind=data["kind"],
            summary=data["summary"],
            description=data["description"],
            episodes=data["episodes"],
            signals=data["signals"],
            terms=data["terms"],
        )
        fresh = self.get_queryset().get(pk=revision.pk)
        return Response(self._detail(fresh, selectors.DEFAULT_DAYS), status=status.HTTP_201_CREATED)


# (prefix, viewset, basename) triples registered under /api/v1/ by audience/urls.py
ROUTES: list = [("revisions", RevisionViewSet, "revision")]
