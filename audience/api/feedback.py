"""Feedback views (quiet mode's rules are in ``quiet``).

``/api/v1/audience/terms/``, ``rising-terms/``, ``terms-over-time/`` and ``terms-by-episode/``
count a project's signals by term, distinct authors first (``audience.selectors.feedback``);
flagged signals (duplicates, suspected automated) are left out unless ``include_flagged=true``.
A project outside the caller's audience scope is 404; raters and regulators see none.

Every feedback answer lists, under ``quiet_hidden``, the locks still hiding episodes from the
caller, whose signals it left out.
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import (
    extend_schema,
)
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404
from rest_framework.response import Response

from audience.models import AudienceSignal, ReleaseBatch
from audience.selectors import audience_projects_for
from audience.selectors import feedback as selectors
from audience.selectors.quiet import QuietLock, quiet_locks_for
from common.schema import INVALID_INPUT, NOT_IN_SCOPE, error_response
from common.serializers import IdField

SHARE = {"max_digits": 5, "decimal_places": 4}
MAX_WINDOW_HOURS = 24 * 60
MAX_LIMIT = 100
INVALID = {400: INVALID_INPUT}
FORBIDDEN = {403: error_response("Only the writing team manages quiet mode.")}
NOT_FOUND = {404: NOT_IN_SCOPE}
ENDED = {409: error_response("`quiet_rule_ended`: the rule has ended.")}


# Query parameters ----------------------------------------------------------------------------


class FeedbackQuerySerializer(serializers.Serializer):
    """The filters every feedback view reads; the views' schemas are these serializers."""

    project = IdField(help_text="The project.")
    batch = serializers.IntegerField(
        min_value=1, max_value=32767, required=False, help_text="The release batch (number)."
    )
    platform = serializers.CharField(
        max_length=40, required=False, help_text="Only signals from this platform."
    )
    kind = serializers.ChoiceField(
        choices=AudienceSignal.Kind.choices, required=False, help_text="Only this kind of signal."
    )
    window_hours = serializers.IntegerField(
        min_value=1,
        max_value=MAX_WINDOW_HOURS,
        required=False,
        help_text=(
            "Only signals posted within this many hours after their episode's batch (or clip) "
            "was released, e.g. 24, 72 or 168."
        ),
    )
    early = serializers.BooleanField(
        required=False,
        default=False,
        help_text=(
            "Early commenters only: authors with a signal within "
            f"{selectors.EARLY_HOURS} h of a release (all their signals count)."
        ),
    )
    include_flagged = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Also count exact duplicates and suspected automated signals.",
    )

    def validate(self, attrs):
        if attrs.get("clips") and (attrs.get("episode") or attrs.get("batch")):
            raise serializers.ValidationError(
                {"clips": [_("Test clips have no episode or batch; leave those out.")]}
            )
        return attrs


class PerEpisodeQuery(serializers.Serializer):
    episode = serializers.IntegerField(
        min_value=1,
        max_value=32767,
        required=False,
        help_text="Only this episode (number, at most the project's episode count).",
    )
    clips = serializers.BooleanField(
        required=False,
        default=False,
        help_text="The test clips' signals instead of the episodes' (not with `episode` or `batch`).",
    )


class LimitQuery(serializers.Serializer):
    limit = serializers.IntegerField(
        min_value=1, max_value=MAX_LIMIT, required=False, default=20, help_text="Terms to list."
    )


class TermQuery(serializers.Serializer):
    term = serializers.CharField(max_length=50, help_text="The term, e.g. 男主.")

    def validate_term(self, value):
        return value.strip().lower()


class TermsQuerySerializer(PerEpisodeQuery, LimitQuery, FeedbackQuerySerializer):
    pass


class RisingQuerySerializer(LimitQuery, FeedbackQuerySerializer):
    batch = serializers.IntegerField(
        min_value=2,
        max_value=32767,
        help_text=(
            "The release batch (number), compared with the one before it; both must exist, "
            "or it is a 400 naming `batch`."
        ),
    )
    min_authors = serializers.IntegerField(
        min_value=1,
        max_value=10000,
        required=False,
        default=selectors.RISING_MIN_AUTHORS,
        help_text="Authors a term needs in the batch.",
    )


class TermOverTimeQuerySerializer(PerEpisodeQuery, TermQuery, FeedbackQuerySerializer):
    pass


class TermByEpisodeQuerySerializer(TermQuery, FeedbackQuerySerializer):
    pass


# Answers -------------------------------------------------------------------------------------


class QuietLockSerializer(serializers.Serializer):
    rule = serializers.IntegerField(source="rule_id")
    first_episode = serializers.IntegerField(allow_null=True)
    last_episode = serializers.IntegerField(allow_null=True)


QUIET_HIDDEN_HELP = (
    "Quiet mode rules still hiding episodes from you (their signals are left out); reveal one "
    "with `POST /api/v1/quiet-rules/{id}/reveal/`. Empty for platform staff."
)


class TermCountSerializer(serializers.Serializer):
    term = serializers.CharField()
    authors = serializers.IntegerField(help_text="Distinct authors who used the term.")
    mentions = serializers.IntegerField(help_text="Signals containing the term.")
    share = serializers.DecimalField(**SHARE, help_text="`authors` over all authors counted.")


class TermsSerializer(serializers.Serializer):
    project = serializers.IntegerField()
    authors = serializers.IntegerField(help_text="Distinct authors of the signals counted.")
    signals = serializers.IntegerField(help_text="Signals counted.")
    terms = TermCountSerializer(many=True, help_text="Most authors first.")
    quiet_hidden = QuietLockSerializer(many=True, help_text=QUIET_HIDDEN_HELP)


class RisingTermSerializer(TermCountSerializer):
    previous_authors = serializers.IntegerField()
    previous_mentions = serializers.IntegerField()
    previous_share = serializers.DecimalField(**SHARE)
    change = serializers.DecimalField(**SHARE, help_text="`share` - `previous_share`.")
    lift = serializers.DecimalField(
        max_digits=12,
        decimal_places=2,
        allow_null=True,
        help_text="`share` / `previous_share`; null for a term new in this batch.",
    )


class RisingTermsSerializer(serializers.Serializer):
    project = serializers.IntegerField()
    batch = serializers.IntegerField()
    previous_batch = serializers.IntegerField()
    authors = serializers.IntegerField(help_text="Distinct authors in `batch`.")
    previous_authors = serializers.IntegerField(help_text="Distinct authors in `previous_batch`.")
    min_authors = serializers.IntegerField(help_text="Authors a term needs in `batch`.")
    terms = RisingTermSerializer(many=True, help_text="Largest rise of share first.")
    quiet_hidden = QuietLockSerializer(many=True, help_text=QUIET_HIDDEN_HELP)


class TermDaySerializer(serializers.Serializer):
    day = serializers.DateField(help_text="China time.")
    authors = serializers.IntegerField(help_text="Distinct authors who used the term that day.")
    mentions = serializers.IntegerField()
    all_authors = serializers.IntegerField(help_text="Distinct authors of any signal that day.")
    share = serializers.DecimalField(**SHARE)


class TermOverTimeSerializer(serializers.Serializer):
    project = serializers.IntegerField()
    term = serializers.CharField()
    days = TermDaySerializer(many=True, help_text="Every day with signals, oldest first.")
    quiet_hidden = QuietLockSerializer(many=True, help_text=QUIET_HIDDEN_HELP)


class TermEpisodeSerializer(serializers.Serializer):
    episode = serializers.IntegerField()
    authors = serializers.IntegerField(help_text="Distinct authors who used the term.")
    mentions = serializers.IntegerField()
    all_authors = serializers.IntegerField(help_text="Distinct authors of the episode's signals.")
    share = serializers.DecimalField(**SHARE)


class TermByEpisodeSerializer(serializers.Serializer):
    project = serializers.IntegerField()
    term = serializers.CharField()
    episodes = TermEpisodeSerializer(many=True, help_text="Every episode with signals, in order.")
    quiet_hidden = QuietLockSerializer(many=True, help_text=QUIET_HIDDEN_HELP)


# Feedback views ------------------------------------------------------------------------------


class FeedbackViewSet(viewsets.ViewSet):
    filter_backends: list = []
    pagination_class = None

    def _read(self, request, serializer_class):
        query = serializer_class(data=request.query_params.dict())
        query.is_valid(raise_exception=True)
        params = query.validated_data
        project = get_object_or_404(audience_projects_for(request.user), pk=params["project"])
        episode = params.get("episode")
        if episode is not None and episode > project.episode_count:
            raise serializers.ValidationError(
                {"episode": [_("The project has %(n)d episodes.") % {"n": project.episode_count}]}
            )
        quiet = quiet_locks_for(request.user, project_ids=[project.pk])
        f = selectors.FeedbackFilter(
            project=project,
            episode=episode,
            batch=params.get("batch"),
            clips=params.get("clips", False),
            platform=params.get("platform") or None,
            kind=params.get("kind") or None,
            window_hours=params.get("window_hours"),
            early=params["early"],
            include_flagged=params["include_flagged"],
            quiet=quiet,
        )
        return f, params

    @staticmethod
    def _hidden(f: selectors.FeedbackFilter) -> list[QuietLock]:
        return f.quiet.for_project(f.project.pk)

    @extend_schema(
        summary="Top terms of a project's signals, by distinct authors",
        description=(
            "The terms most authors used (raw mentions beside), with the filters below. "
            "Producer company and the commissioning platform's content managers."
        ),
        parameters=[TermsQuerySerializer],
        responses={200: TermsSerializer, **INVALID, **NOT_FOUND},
    )
    @action(detail=False, methods=["get"])
    def terms(self, request):
        f, params = self._read(request, TermsQuerySerializer)
        result = selectors.top_terms(f, limit=params["limit"])
        data = {
            "project": f.project.pk,
            "authors": result.authors,
            "signals": result.signals,
            "terms": result.terms,
            "quiet_hidden": self._hidden(f),
        }
        return Response(TermsSerializer(data).data)

    @extend_schema(
        summary="Rising terms: used by a larger share of a batch's authors than the batch before",
        description=(
            "Share = distinct authors who used the term over all authors of the batch's "
            "episodes. Ranked by the change of share; a term needs `min_authors` authors in the "
            "batch (default 3) so one-off terms do not lead."
        ),
        parameters=[RisingQuerySerializer],
        responses={200: RisingTermsSerializer, **INVALID, **NOT_FOUND},
    )
    @action(detail=False, methods=["get"], url_path="rising-terms")
    def rising_terms(self, request):
        f, params = self._read(request, RisingQuerySerializer)
        batch = params["batch"]
        found = set(
            ReleaseBatch.objects.filter(
                project=f.project, number__in=[batch - 1, batch]
            ).values_list("number", flat=True)
        )
        if found != {batch - 1, batch}:
            raise serializers.ValidationError(
                {
                    "batch": [
                        _("The project has no batches %(previous)d and %(batch)d to compare.")
                        % {"previous": batch - 1, "batch": batch}
                    ]
                }
            )
        result = selectors.rising_terms(
            f, batch=batch, min_authors=params["min_authors"], limit=params["limit"]
        )
        data = {"project": f.project.pk, **result.__dict__, "quiet_hidden": self._hidden(f)}
        return Response(RisingTermsSerializer(data).data)

    @extend_schema(
        summary="One term over time: per day, the authors who used it",
        parameters=[TermOverTimeQuerySerializer],
        responses={200: TermOverTimeSerializer, **INVALID, **NOT_FOUND},
    )
    @action(detail=False, methods=["get"], url_path="terms-over-time")
    def terms_over_time(self, request):
        f, params = self._read(request, TermOverTimeQuerySerializer)
        days = selectors.term_over_time(f, term=params["term"])
        data = {
            "project": f.project.pk,
            "term": params["term"],
            "days": days,
            "quiet_hidden": self._hidden(f),
        }
        return Response(TermOverTimeSerializer(data).data)

    @extend_schema(
        summary="One term by episode: per episode, the authors who used it",
        description="Episodes' signals only.",
        parameters=[TermByEpisodeQuerySerializer],
        responses={200: TermByEpisodeSerializer, **INVALID, **NOT_FOUND},
    )
    @action(detail=False, methods=["get"], url_path="terms-by-episode")
    def terms_by_episode(self, request):
        f, params = self._read(request, TermByEpisodeQuerySerializer)
        episodes = selectors.term_by_episode(f, term=params["term"])
        data = {
            "project": f.project.pk,
            "term": params["term"],
            "episodes": episodes,
            "quiet_hidden": self._hidden(f),
        }
        return Response(TermByEpisodeSerializer(data).data)


# Quiet mode ----------------------------------------------------------------------------------


ROUTES: list = [("audience", FeedbackViewSet, "audience-feedback")]
