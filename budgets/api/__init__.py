"""Budgets and their lines, the cost-allocation report and tier policies.

Every queryset is scoped to the projects the caller may see (``workflow.selectors``); a budget
or line outside it is 404, and a project or budget named in a body must be in scope too (400
otherwise). Every change goes through ``budgets.services``.
"""

from decimal import Decimal

import django_filters
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import (
    OpenApiExample,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from budgets import selectors, services
from budgets.models import Budget, BudgetLine, TierPolicy
from common.api import IdFilter
from common.conditional import ConditionalUpdateMixin, etag_for
from common.schema import INVALID_INPUT, NOT_IN_SCOPE, ROLE_MISSING, error_response
from common.serializers import ScopedRelatedField, StrictSerializer
from common.values import MONEY, MONEY_SUM
from workflow.models import Project, ReviewTier
from workflow.selectors import project_list_for
from workflow.services import project_lock

MONEY_IN = {**MONEY, "min_value": Decimal("0")}
SHARE_FIELD = serializers.DecimalField(
    max_digits=5,
    decimal_places=4,
    allow_null=True,
    help_text="Share of the planned total, 0 to 1 (null when the total is zero).",
)

ERRORS = {
    400: INVALID_INPUT,
    403: ROLE_MISSING,
    404: NOT_IN_SCOPE,
}
CONFLICT = {
    409: error_response(
        "`budget_locked` (lines change only while the budget is a draft and the project is "
        "being planned), `budget_exists`, `budget_status_conflict` (wrong budget status or "
        "project state for submit/approve/reopen) or `concurrent_update`."
    )
}
NOT_FOUND = {404: ERRORS[404]}


# Serializers ---------------------------------------------------------------------------------


class BudgetLineSerializer(StrictSerializer, serializers.ModelSerializer):
    budget = ScopedRelatedField(
        queryset=Budget.objects.none(),
        help_text="The budget (in your scope); set on creation only.",
    )
    category_display = serializers.CharField(source="get_category_display", read_only=True)
    planned = serializers.DecimalField(
        **MONEY_IN, help_text="Planned amount in CNY, decimal string."
    )
    actual = serializers.DecimalField(
        **MONEY_IN,
        required=False,
        allow_null=True,
        help_text="Actual amount in CNY (decimal string); may be recorded after approval.",
    )

    class Meta:
        model = BudgetLine
        fields = [
            "id",
            "budget",
            "category",
            "category_display",
            "description",
            "planned",
            "actual",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["budget"].queryset = Budget.objects.filter(
                project__in=project_list_for(request.user).values("pk")
            )


class BudgetLineReadSerializer(serializers.ModelSerializer):
    category_display = serializers.CharField(source="get_category_display", read_only=True)

    class Meta:
        model = BudgetLine
        fields = ["id", "category", "category_display", "description", "planned", "actual"]
        read_only_fields = fields


class ProjectTierSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    state = serializers.CharField()
    review_tier = serializers.ChoiceField(choices=ReviewTier.choices, allow_blank=True)
    tier_reason = serializers.CharField()
    tier_changed_at = serializers.DateTimeField(allow_null=True)


class BudgetSerializer(StrictSerializer, serializers.ModelSerializer):
    project = ScopedRelatedField(
        queryset=Project.objects.none(), help_text="The project (in your scope)."
    )
    project_detail = ProjectTierSerializer(source="project", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    approved_by = serializers.CharField(
        source="approved_by.get_username", read_only=True, allow_null=True, default=None
    )
    lines = BudgetLineReadSerializer(many=True, read_only=True)
    planned_total = serializers.DecimalField(
        **MONEY_SUM, read_only=True, help_text="Sum of the planned amounts."
    )
    actual_total = serializers.DecimalField(
        **MONEY_SUM,
        read_only=True,
        allow_null=True,
        help_text="Sum of the actual amounts recorded so far (null if none).",
    )
    cast_fee_share = serializers.SerializerMethodField()
    cast_fee_share_exceeded = serializers.SerializerMethodField()

    class Meta:
        model = Budget
        fields = [
            "id",
            "project",
            "project_detail",
            "status",
            "status_display",
            "submitted_at",
            "approved_at",
            "approved_by",
            "planned_total",
            "actual_total",
            "cast_fee_share",
            "cast_fee_share_exceeded",
            "lines",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "id",
            "status",
            "submitted_at",
            "approved_at",
            "created_at",
            "updated_at",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["project"].queryset = project_list_for(request.user)

    @extend_schema_field(SHARE_FIELD)
    def get_cast_fee_share(self, obj) -> str | None:
        value = selectors.share(obj.cast_planned, obj.planned_total)
        return None if value is None else str(value)

    def get_cast_fee_share_exceeded(self, obj) -> bool:
        return selectors.cast_share_exceeds(
            obj.cast_planned, obj.planned_total, selectors.cast_fee_share_limit()
        )


class ReportCategorySerializer(serializers.Serializer):
    category = serializers.ChoiceField(choices=BudgetLine.Category.choices)
    label = serializers.CharField()
    planned = serializers.DecimalField(**MONEY_SUM)
    actual = serializers.DecimalField(**MONEY_SUM, allow_null=True)
    share = serializers.DecimalField(max_digits=5, decimal_places=4, allow_null=True)
    flagged = serializers.BooleanField(help_text="The cast-fee share is above the limit.")


class CostAllocationReportSerializer(serializers.Serializer):
    budget_id = serializers.IntegerField()
    categories = ReportCategorySerializer(many=True)
    planned_total = serializers.DecimalField(**MONEY_SUM)
    actual_total = serializers.DecimalField(**MONEY_SUM, allow_null=True)
    cast_fee_share = serializers.DecimalField(max_digits=5, decimal_places=4, allow_null=True)
    cast_fee_share_limit = serializers.DecimalField(max_digits=5, decimal_places=4)
    cast_fee_share_exceeded = serializers.BooleanField()


class TierPolicySerializer(serializers.ModelSerializer):
    class Meta:
        model = TierPolicy
        fields = [
            "id",
            "province",
            "effective_from",
            "key_threshold",
            "ordinary_threshold",
            "special_subject_is_key",
            "lead_ad_sales_is_key",
            "homepage_is_key",
            "opt_in_allowed",
            "note",
        ]
        read_only_fields = fields


class BudgetLineInputSerializer(StrictSerializer):
    category = serializers.ChoiceField(choices=BudgetLine.Category.choices)
    description = serializers.CharField(max_length=200, required=False, allow_blank=True)
    planned = serializers.DecimalField(
        **MONEY_IN, help_text="Planned amount in CNY, decimal string."
    )
    actual = serializers.DecimalField(
        **MONEY_IN, required=False, allow_null=True, help_text="Actual amount in CNY, if known."
    )


class NoBodySerializer(StrictSerializer):
    """Budget actions take no body; anything sent is refused rather than ignored."""


# Filters -------------------------------------------------------------------------------------


class BudgetFilter(django_filters.FilterSet):
    project = IdFilter(field_name="project_id")
    status = django_filters.ChoiceFilter(choices=Budget.Status.choices)

    class Meta:
        model = Budget
        fields = ["project", "status"]


class BudgetLineFilter(django_filters.FilterSet):
    budget = IdFilter(field_name="budget_id")
    project = IdFilter(field_name="budget__project_id")
    category = django_filters.ChoiceFilter(choices=BudgetLine.Category.choices)

    class Meta:
        model = BudgetLine
        fields = ["budget", "project", "category"]


class TierPolicyFilter(django_filters.FilterSet):
    province = django_filters.CharFilter(help_text="A province code; empty for national rows.")

    class Meta:
        model = TierPolicy
        fields = ["province"]


# Views ---------------------------------------------------------------------------------------


def _budget_action(summary: str, description: str):
    return extend_schema(
        summary=summary,
        description=description,
        request=None,
        responses={200: BudgetSerializer, **ERRORS, **CONFLICT},
    )


@extend_schema_view(
    list=extend_schema(summary="Budgets of the projects in your scope (`?project=` for one)"),
    retrieve=extend_schema(
        summary="A budget with its lines and totals", responses={200: BudgetSerializer, **ERRORS}
    ),
    create=extend_schema(
        summary="Draw up the budget of a project (its producer only; one per project)",
        responses={201: BudgetSerializer, **ERRORS, **CONFLICT},
        examples=[OpenApiExample("For project 7", request_only=True, value={"project": 7})],
    ),
)
class BudgetViewSet(
    ConditionalUpdateMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = BudgetSerializer
    filterset_class = BudgetFilter
    ordering_fields = ["created_at", "updated_at"]
    ordering = ["-updated_at", "-id"]
    conditional_actions = frozenset({"replace_lines"})
    etag_actions = frozenset({"retrieve", "replace_lines"})

    def get_queryset(self):
        return selectors.budget_list_for(self.request.user)

    def lock_for_edit(self, instance):
        project_lock(instance.project_id)  # what every budget service locks first
        return self._fresh(instance)

    def etag_of(self, instance) -> str:
        # Its lines and totals are part of it, and a line change need not touch the budget row.
        return etag_for(self.get_serializer(instance).data)

    def _fresh(self, budget: Budget) -> Budget:
        return self.get_queryset().get(pk=budget.pk)

    def perform_create(self, serializer):
        budget = services.budget_create(
            project=serializer.validated_data["project"], actor=self.request.user
        )
        serializer.instance = self._fresh(budget)

    def _act(self, request, service) -> Response:
        NoBodySerializer(data=request.data or {}).is_valid(raise_exception=True)
        budget = service(budget=self.get_object(), actor=request.user)
        return Response(self.get_serializer(self._fresh(budget)).data)

    @_budget_action(
        "Submit the budget to the platform",
        "Producer; the budget must be a draft with at least one line.",
    )
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        return self._act(request, services.budget_submit)

    @_budget_action(
        "Approve the budget",
        "A content manager of the commissioning platform; the budget must be submitted.",
    )
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        return self._act(request, services.budget_approve)

    @_budget_action(
        "Reopen the budget as a draft",
        "Producer, while the project is a draft, being revised or greenlit; an approval is "
        "withdrawn and must be given again before production starts.",
    )
    @action(detail=True, methods=["post"])
    def reopen(self, request, pk=None):
        return self._act(request, services.budget_reopen)

    @extend_schema(
        summary="Replace all the lines of a draft budget at once",
        description=(
            "The budget's lines become exactly the ones sent, in one step: a submitted project "
            "is re-routed at most once, by the new total, instead of at every intermediate one."
        ),
        request=BudgetLineInputSerializer(many=True),
        responses={200: BudgetSerializer, **ERRORS, **CONFLICT},
    )
    @action(detail=True, methods=["put"], url_path="lines", filterset_class=None)
    def replace_lines(self, request, pk=None):
        budget = self.get_object()
        body = BudgetLineInputSerializer(data=request.data, many=True, max_length=200)
        body.is_valid(raise_exception=True)
        services.budget_lines_replace(
            budget=budget, actor=request.user, lines=[dict(item) for item in body.validated_data]
        )
        return Response(self.get_serializer(self._fresh(budget)).data)

    @extend_schema(
        summary="The cost-allocation report",
        description=(
            "Each category's planned and actual amounts and its share of the planned total; the "
            "cast-fee share is flagged when above the configured limit (default 0.40)."
        ),
        responses={200: CostAllocationReportSerializer, **NOT_FOUND},
    )
    @action(detail=True, methods=["get"], pagination_class=None, filterset_class=None)
    def report(self, request, pk=None):
        report = selectors.budget_report(self.get_object())
        return Response(CostAllocationReportSerializer(report).data)


@extend_schema_view(
    list=extend_schema(summary="Budget lines in your scope (`?budget=` or `?project=`)"),
    retrieve=extend_schema(
        summary="A budget line", responses={200: BudgetLineSerializer, **ERRORS}
    ),
    create=extend_schema(
        summary="Add a line to a draft budget",
        responses={201: BudgetLineSerializer, **ERRORS, **CONFLICT},
        examples=[
            OpenApiExample(
                "Cast fees",
                request_only=True,
                value={
                    "budget": 3,
                    "category": "cast",
                    "description": "Two leads, 12 shooting days",
                    "planned": "180000.00",
                },
            )
        ],
    ),
    update=extend_schema(
        summary="Replace a line (draft budget; only `actual` once approved)",
        responses={200: BudgetLineSerializer, **ERRORS, **CONFLICT},
    ),
    partial_update=extend_schema(
        summary="Edit a line (draft budget; only `actual` once approved)",
        responses={200: BudgetLineSerializer, **ERRORS, **CONFLICT},
    ),
    destroy=extend_schema(
        summary="Remove a line from a draft budget", responses={204: None, **ERRORS, **CONFLICT}
    ),
)
class BudgetLineViewSet(ConditionalUpdateMixin, viewsets.ModelViewSet):
    serializer_class = BudgetLineSerializer
    filterset_class = BudgetLineFilter
    ordering_fields = ["category", "planned", "created_at"]
    ordering = ["budget_id", "category", "id"]

    def get_queryset(self):
        return selectors.budget_line_list_for(self.request.user)

    def lock_for_edit(self, instance):
        project_lock(instance.budget.project_id)  # what every line change locks first
        return self.get_queryset().get(pk=instance.pk)

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        serializer.instance = services.budget_line_add(
            budget=data.pop("budget"), actor=self.request.user, **data
        )

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        budget = data.pop("budget", serializer.instance.budget)
        if budget.pk != serializer.instance.budget_id:
            raise serializers.ValidationError(
                {"budget": [_("A line cannot move to another budget.")]}
            )
        serializer.instance = services.budget_line_update(
            line=serializer.instance, actor=self.request.user, data=data
        )

    def perform_destroy(self, instance):
        services.budget_line_remove(line=instance, actor=self.request.user)

    def destroy(self, request, *args, **kwargs):
        self.perform_destroy(self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema_view(
    list=extend_schema(
        summary="Review-tier policies (public rules; edited by administrators)",
        description=(
            "Effective-dated thresholds per jurisdiction. A blank province is the national "
            "default; a province's own row overrides it. The row that applies to a project is the "
            "latest one effective on its submission date (China time). A fresh install has one "
            "national row, seeded from the settings; from then on the rows alone decide."
        ),
    ),
    retrieve=extend_schema(
        summary="A review-tier policy", responses={200: TierPolicySerializer, **NOT_FOUND}
    ),
)
class TierPolicyViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = TierPolicySerializer
    filterset_class = TierPolicyFilter
    ordering_fields = ["effective_from", "province"]
    ordering = ["province", "-effective_from"]

    def get_queryset(self):
        return selectors.tier_policy_list()


# (prefix, viewset, basename) triples registered under /api/v1/ by budgets/urls.py
ROUTES: list = [
    ("budgets", BudgetViewSet, "budget"),
    ("budget-lines", BudgetLineViewSet, "budget-line"),
    ("tier-policies", TierPolicyViewSet, "tier-policy"),
]
