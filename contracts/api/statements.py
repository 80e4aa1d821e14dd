"""Residual statements over REST: the statements of the contracts whose money you see, and issuing one."""

import django_filters
from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from common.api import IdFilter, in_scope
from common.schema import error_response
from common.serializers import ScopedIdField, StrictSerializer
from contracts.api.payments import (
    ERRORS,
    NOT_FOUND,
)
from contracts.models import ResidualStatement, StatementLine
from contracts.selectors import payments as selectors
from contracts.services import statements


class StatementLineSerializer(serializers.ModelSerializer):
    explanation = serializers.CharField(read_only=True)

    class Meta:
        model = StatementLine
        fields = ["position", "basis", "quantity", "rate", "amount", "explanation"]
        read_only_fields = fields


class ResidualStatementSerializer(serializers.ModelSerializer):
    contract_version = serializers.IntegerField(source="contract.version", read_only=True)
    project_title = serializers.CharField(source="project.title", read_only=True)
    corrected_by = serializers.SerializerMethodField()
    issued_by = serializers.CharField(source="issued_by.get_username", read_only=True)
    lines = StatementLineSerializer(many=True, read_only=True)

    class Meta:
        model = ResidualStatement
        fields = [
            "id",
            "contract",
            "contract_version",
            "project",
            "project_title",
            "period_start",
            "period_end",
            "status",
            "corrects",
            "corrected_by",
            "basis",
            "rate",
            "total",
            "lines",
            "issued_by",
            "issued_at",
        ]
        read_only_fields = fields

    def get_corrected_by(self, obj) -> int | None:
        """The statement that corrects this one, if any."""
        correction = getattr(obj, "corrected_by", None)
        return correction.pk if correction is not None else None


class ResidualStatementIssueSerializer(StrictSerializer):
    contract = ScopedIdField(help_text="The contract (in your scope).")
    period_start = serializers.DateField(help_text="First day of the period (China time).")
    period_end = serializers.DateField(help_text="Last day of the period, inclusive; over.")
    corrects = ScopedIdField(
        required=False,
        allow_null=True,
        help_text="The issued statement this one corrects (it is kept, marked corrected).",
    )


class ResidualStatementFilter(django_filters.FilterSet):
    project = IdFilter(field_name="project_id")
    contract = IdFilter(field_name="contract_id")
    status = django_filters.ChoiceFilter(choices=ResidualStatement.Status.choices)

    class Meta:
        model = ResidualStatement
        fields = ["project", "contract", "status"]


@extend_schema_view(
    list=extend_schema(
        summary="Residual statements in your scope (`?project=`, `?contract=`, `?status=`)",
        description="Producer company and platform only; newest period first.",
    ),
    retrieve=extend_schema(
        summary="A residual statement with its lines",
        responses={200: ResidualStatementSerializer, **NOT_FOUND},
    ),
    create=extend_schema(
        summary="Issue a residual statement (the platform's content managers)",
        description="Computed from the release metrics of the period (inclusive days, all "
        "over). Refused with 400: a work-for-hire contract or one without residual basis, a "
        "period with no metrics, a period overlapping an issued statement of the project "
        "(unless `corrects` names it). 409 `statement_conflict`: the contract was never "
        "countersigned, or the statement to correct was already corrected. Issued statements "
        "never change.",
        request=ResidualStatementIssueSerializer,
        responses={
            201: ResidualStatementSerializer,
            **ERRORS,
            409: error_response("`statement_conflict` or `concurrent_update`."),
        },
        examples=[
            OpenApiExample(
                "October",
                request_only=True,
                value={"contract": 3, "period_start": "2026-10-01", "period_end": "2026-10-31"},
            )
        ],
    ),
)
class ResidualStatementViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = ResidualStatementSerializer
    filterset_class = ResidualStatementFilter
    ordering_fields = ["period_start", "issued_at", "total"]
    ordering = ["-period_start", "-id"]

    def get_queryset(self):
        return selectors.residual_statement_list_for(self.request.user)

    def create(self, request, *args, **kwargs):
        body = ResidualStatementIssueSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        contract = in_scope(
            selectors.financial_contract_list_for(request.user), data["contract"], field="contract"
        )
        corrects = None
        if data.get("corrects") is not None:
            corrects = in_scope(self.get_queryset(), data["corrects"], field="corrects")
        statement = statements.residual_statement_issue(
            contract=contract,
            actor=request.user,
            period_start=data["period_start"],
            period_end=data["period_end"],
            corrects=corrects,
        )
        fresh = self.get_queryset().get(pk=statement.pk)
        return Response(self.get_serializer(fresh).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="The statement as CSV (its lines and total)",
        responses={
            (200, "text/csv"): OpenApiResponse(
                OpenApiTypes.STR, description="UTF-8 with a byte-order mark."
            ),
            **NOT_FOUND,
        },
    )
    @action(detail=True, methods=["get"], filterset_class=None, pagination_class=None)
    def csv(self, request, pk=None):
        statement = self.get_object()
        response = HttpResponse(
            selectors.statement_csv(statement), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = (
            f'attachment; filename="residual-statement-{statement.pk}.csv"'
        )
        return response


ROUTES: list = [("residual-statements", ResidualStatementViewSet, "residual-statement")]
