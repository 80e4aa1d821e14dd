"""The board in the API: the columns, their counts and their first cards, under the same filters
as the page; and the reminder to the party the selected projects wait on."""

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from common.schema import INVALID_INPUT, NOT_IN_SCOPE
from common.serializers import StrictSerializer
from workflow.api.directory import OrganisationRefSerializer
from workflow.models import ProjectState, ReviewTier
from workflow.waiting import Party

from .. import selectors, services

PER_COLUMN_DEFAULT = 20
PER_COLUMN_MAX = 100


class StrictBooleanField(serializers.BooleanField):
    """``true`` or ``false`` (``1``/``0`` too), nothing else."""

    TRUE_VALUES = {"true", "True", "1", True}
    FALSE_VALUES = {"false", "False", "0", False}
    NULL_VALUES = set()


class AsciiIntegerField(serializers.IntegerField):
    """Digits as written in ASCII: the database would read a full-width "１" as 1."""

    def to_internal_value(self, data):
        if isinstance(data, str) and not (data.isascii() and data.isdigit()):
            self.fail("invalid")
        return super().to_internal_value(data)


class BoardQuerySerializer(serializers.Serializer):
    platform = AsciiIntegerField(
        required=False, min_value=1, help_text="Only the projects proposed to this platform."
    )
    tier = serializers.ChoiceField(
        choices=ReviewTier.choices, required=False, help_text="Only the projects of this tier."
    )
    overdue = StrictBooleanField(
        required=False, default=False, help_text="Only projects with an overdue deadline."
    )
    closed = StrictBooleanField(
        required=False,
        default=False,
        help_text="Include the terminal columns (completed, rejected, withdrawn).",
    )
    per_column = AsciiIntegerField(
        required=False,
        min_value=1,
        max_value=PER_COLUMN_MAX,
        default=PER_COLUMN_DEFAULT,
        help_text="Cards per column (the column's `count` says how many there are in all).",
    )


class CardTransitionSerializer(serializers.Serializer):
    name = serializers.CharField()
    label = serializers.CharField()
    destructive = serializers.BooleanField(
        help_text="Ends or undoes the project (withdraw, reject, take down)."
    )
    decided_by = serializers.CharField(
        help_text="How a decision-only transition is made; empty for one the transition "
        "endpoint fires."
    )


class CardSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="project.pk")
    title = serializers.CharField(source="project.title")
    state = serializers.ChoiceField(choices=ProjectState.choices, source="project.state")
    review_tier = serializers.CharField(
        source="project.review_tier", help_text="KEY, ORDINARY, OTHER; empty before submission."
    )
    review_tier_display = serializers.CharField(source="tier_label")
    producer = OrganisationRefSerializer(source="project.producer")
    platform = OrganisationRefSerializer(source="project.platform")
    planned_budget = serializers.DecimalField(
        max_digits=14, decimal_places=2, source="project.planned_budget", help_text="CNY."
    )
    waiting_on = serializers.ChoiceField(choices=Party.choices)
    waiting_on_display = serializers.CharField(source="waiting_on.label")
    next_due_at = serializers.DateTimeField(
        allow_null=True, help_text="The earliest running deadline's due time."
    )
    overdue = serializers.BooleanField()
    transitions = CardTransitionSerializer(
        many=True,
        help_text="The transitions from this state that your role may take; their guards are "
        "checked when taken (409 with the reasons).",
    )


class ColumnSerializer(serializers.Serializer):
    state = serializers.ChoiceField(choices=ProjectState.choices, source="state.value")
    state_display = serializers.CharField(source="label")
    count = serializers.IntegerField(help_text="Projects in this state under the filters.")
    terminal = serializers.BooleanField()
    cards = CardSerializer(many=True, help_text="The first `per_column`, soonest due first.")


class BoardSerializer(serializers.Serializer):
    time_zone = serializers.CharField()
    closed_count = serializers.IntegerField(
        help_text="Projects in the terminal columns, shown or not."
    )
    columns = ColumnSerializer(many=True)


class BoardView(APIView):
    @extend_schema(
        summary="Your projects by state: columns in process order, counts and cards",
        description=(
            "The projects in your scope by state, with who each waits on and its next due time. "
            "Terminal columns only with `closed=true`."
        ),
        parameters=[BoardQuerySerializer],
        responses={200: BoardSerializer, 400: INVALID_INPUT},
    )
    def get(self, request):
        query = BoardQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        values = query.validated_data
        filters = selectors.BoardFilters(
            platform_id=values.get("platform"),
            tier=values.get("tier", ""),
            overdue=values["overdue"],
            closed=values["closed"],
        )
        board = selectors.board_for(request.user, filters, limit=values["per_column"])
        data = {
            "time_zone": timezone.get_current_timezone_name(),
            "closed_count": board.closed_count,
            "columns": board.columns,
        }
        return Response(BoardSerializer(data).data)


class ReminderRequestSerializer(StrictSerializer):
    projects = serializers.ListField(
        child=AsciiIntegerField(min_value=1),
        min_length=1,
        max_length=services.MAX_PROJECTS,
        help_text="The ids of the projects to remind about (in your scope).",
    )


class NotSentSerializer(serializers.Serializer):
    project = serializers.IntegerField(source="project.pk")
    title = serializers.CharField(source="project.title")
    code = serializers.ChoiceField(choices=list(services.REASONS))
    reason = serializers.CharField()


class ReminderResultSerializer(serializers.Serializer):
    sent = serializers.IntegerField(help_text="How many projects were reminded now.")
    sent_projects = serializers.ListField(child=serializers.IntegerField())
    not_sent = NotSentSerializer(many=True, help_text="The others, each with why.")


class BoardReminderView(APIView):
    @extend_schema(
        summary="Remind the party the selected projects wait on",
        description=(
            "Each project's producers, its platform's content managers, or the reviewers of "
            "the regulators it is routed to are notified, at most once a day per project "
            "(China's day). Not sent when the project waits on nobody or on your own "
            "organisation, has nobody to notify, or was reminded today: `not_sent` says which."
        ),
        request=ReminderRequestSerializer,
        responses={
            200: ReminderResultSerializer,
            400: INVALID_INPUT,
            404: NOT_IN_SCOPE,
        },
    )
    def post(self, request):
        body = ReminderRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        outcome = services.board_reminders_send(
            actor=request.user, project_ids=body.validated_data["projects"]
        )
        result = {
            "sent": len(outcome.sent),
            "sent_projects": [project.pk for project in outcome.sent],
            "not_sent": outcome.not_sent,
        }
        return Response(ReminderResultSerializer(result).data)
