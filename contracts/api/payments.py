"""Contract money over REST: payment schedules and installments (residual statements: ``statements``).

Money between the two parties: the producer company and the commissioning platform (not its
raters) see them; regulators and raters get 404, as for anything outside their scope. Every
change goes through ``contracts.services.payments``.

- ``/payment-schedules/{contract id}/``: a contract's schedule; PUT replaces it as a whole (the
  platform, while the contract is a draft).
- ``/installments/``: ``?status=due&project=`` lists what is owed; ``/installments/unpaid/``
  sums the due, unpaid installments per project; ``POST /installments/{id}/pay/`` records a
  payment.
- ``/residual-statements/``: POST issues one; ``/residual-statements/{id}/csv/`` exports it.
  Issued statements are immutable (no PUT, PATCH or DELETE); a correction is a new statement
  with ``corrects``.
"""

from decimal import Decimal

import django_filters
from django.db.models import Prefetch
from drf_spectacular.utils import (
    OpenApiExample,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from common.api import IdFilter
from common.conditional import ConditionalUpdateMixin, etag_for
from common.schema import INVALID_INPUT, NOT_IN_SCOPE, error_response
from common.serializers import StrictSerializer
from common.values import MONEY, MONEY_SUM
from contracts.models import Contract, Installment
from contracts.selectors import payments as selectors
from contracts.services import payments as services
from workflow.services import project_lock

ERRORS = {
    400: INVALID_INPUT,
    403: error_response("Only the platform's content managers do this."),
    404: NOT_IN_SCOPE,
}
NOT_FOUND = {404: ERRORS[404]}


# Serializers ---------------------------------------------------------------------------------


class InstallmentSerializer(serializers.ModelSerializer):
    contract_version = serializers.IntegerField(source="contract.version", read_only=True)
    project_title = serializers.CharField(source="project.title", read_only=True)
    trigger_display = serializers.CharField(source="get_trigger_display", read_only=True)
    status = serializers.ChoiceField(
        source="current_status",
        choices=Installment.Status.choices,
        read_only=True,
        help_text="`due` once its milestone happened (or its date came, on a countersigned "
        "contract) and until it is paid.",
    )
    due_on = serializers.DateField(
        source="current_due_on",
        read_only=True,
        allow_null=True,
        help_text="The day it became due: its milestone's day, or its date.",
    )
    paid_recorded_by = serializers.CharField(
        source="paid_recorded_by.get_username", read_only=True, allow_null=True, default=None
    )

    class Meta:
        model = Installment
        fields = [
            "id",
            "contract",
            "contract_version",
            "project",
            "project_title",
            "position",
            "label",
            "percent",
            "amount",
            "trigger",
            "trigger_display",
            "due_on_date",
            "status",
            "due_on",
            "paid_on",
            "payment_reference",
            "paid_recorded_by",
            "paid_recorded_at",
        ]
        read_only_fields = fields


class ScheduleInstallmentSerializer(StrictSerializer):
    label = serializers.CharField(max_length=200, required=False, allow_blank=True)
    amount = serializers.DecimalField(
        **MONEY,
        required=False,
        allow_null=True,
        help_text="A fixed amount in CNY (decimal string); or give `percent`.",
    )
    percent = serializers.DecimalField(
        max_digits=7,
        decimal_places=4,
        required=False,
        allow_null=True,
        help_text="A percentage of the production fee (30 means 30 %); or give `amount`.",
    )
    trigger = serializers.ChoiceField(
        choices=Installment.Trigger.choices,
        help_text="The milestone at which it falls due, or `date` (then give `due_on_date`).",
    )
    due_on_date = serializers.DateField(required=False, allow_null=True)


class PaymentScheduleInputSerializer(StrictSerializer):
    installments = ScheduleInstallmentSerializer(
        many=True,
        max_length=services.MAX_INSTALLMENTS,
        help_text="The whole schedule, in order. It must add up to the production fee; a "
        "percentage is priced half-up to the fen and, when the schedule covers the fee exactly, "
        "the last percentage installment takes the remainder.",
    )


class PaymentScheduleSerializer(serializers.ModelSerializer):
    contract = serializers.IntegerField(source="pk", read_only=True)
    project_title = serializers.CharField(source="project.title", read_only=True)
    installments = InstallmentSerializer(many=True, read_only=True)
    total = serializers.SerializerMethodField()
    editable = serializers.SerializerMethodField()

    class Meta:
        model = Contract
        fields = [
            "contract",
            "version",
            "project",
            "project_title",
            "status",
            "production_fee",
            "total",
            "editable",
            "installments",
        ]
        read_only_fields = fields

    @extend_schema_field(
        serializers.DecimalField(**MONEY, help_text="The installments' sum (CNY).")
    )
    def get_total(self, obj) -> str:
        total = sum((i.amount for i in obj.installments.all()), Decimal("0"))
        return f"{total:.2f}"

    def get_editable(self, obj) -> bool:
        """Whether you may replace the schedule now (the platform, while the contract is a
        draft)."""
        request = self.context.get("request")
        return request is not None and services.payment_schedule_editable(obj, request.user)


class InstallmentPaySerializer(StrictSerializer):
    paid_on = serializers.DateField(
        help_text="The day it was paid (China time); not in the future."
    )
    reference = serializers.CharField(
        max_length=100, help_text="The payment's reference, e.g. the bank transfer's number."
    )


class UnpaidRowSerializer(serializers.Serializer):
    project = serializers.IntegerField()
    project_title = serializers.CharField()
    producer = serializers.CharField()
    platform = serializers.CharField()
    contract = serializers.IntegerField()
    contract_version = serializers.IntegerField()
    count = serializers.IntegerField(help_text="Installments due and not paid.")
    total = serializers.DecimalField(**MONEY_SUM, help_text="Their sum (CNY).")
    oldest_due_on = serializers.DateField(help_text="The day the oldest of them became due.")


# Filters -------------------------------------------------------------------------------------


class InstallmentFilter(django_filters.FilterSet):
    project = IdFilter(field_name="project_id")
    contract = IdFilter(field_name="contract_id")
    status = django_filters.ChoiceFilter(
        field_name="current_status", choices=Installment.Status.choices
    )
    trigger = django_filters.ChoiceFilter(choices=Installment.Trigger.choices)

    class Meta:
        model = Installment
        fields = ["project", "contract", "status", "trigger"]


# Views ---------------------------------------------------------------------------------------


@extend_schema_view(
    retrieve=extend_schema(
        summary="A contract's payment schedule (the path's id is the contract's)",
        responses={200: PaymentScheduleSerializer, **NOT_FOUND},
    ),
)
class PaymentScheduleViewSet(
    ConditionalUpdateMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    serializer_class = PaymentScheduleSerializer
    conditional_actions = frozenset({"update"})
    etag_actions = frozenset({"retrieve", "update"})

    def get_queryset(self):
        installments = Installment.objects.with_current_status().select_related(
            "contract", "project", "paid_recorded_by"
        )
        return selectors.financial_contract_list_for(self.request.user).prefetch_related(
            Prefetch("installments", queryset=installments.order_by("position"))
        )

    def lock_for_edit(self, instance):
        project_lock(instance.project_id)  # what the schedule service locks first
        return self.get_queryset().get(pk=instance.pk)

    def etag_of(self, instance) -> str:
        return etag_for(self.get_serializer(instance).data)

    @extend_schema(
        summary="Replace the payment schedule of a draft contract",
        description="A content manager of the commissioning platform, while the contract is a "
        "draft (409 `schedule_frozen` once sent: revise the contract). The installments must "
        "add up to the production fee, else 400 naming both sums; nothing is written.",
        request=PaymentScheduleInputSerializer,
        responses={
            200: PaymentScheduleSerializer,
            **ERRORS,
            409: error_response("`schedule_frozen` or `concurrent_update`."),
        },
        examples=[
            OpenApiExample(
                "30 / 40 / 30",
                request_only=True,
                value={
                    "installments": [
                        {"label": "Advance", "percent": "30", "trigger": "countersigned"},
                        {"label": "On the cut", "percent": "40", "trigger": "cut_approved"},
                        {"label": "Balance", "percent": "30", "trigger": "released"},
                    ]
                },
            )
        ],
    )
    def update(self, request, pk=None):
        contract = self.get_object()
        body = PaymentScheduleInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.payment_schedule_replace(
            contract=contract,
            actor=request.user,
            installments=[dict(row) for row in body.validated_data["installments"]],
        )
        return Response(self.get_serializer(self.get_queryset().get(pk=contract.pk)).data)


@extend_schema_view(
    list=extend_schema(
        summary="Installments in your scope",
        description="`?status=due&project=` lists what is owed on a project; `?contract=`, "
        "`?trigger=`. Producer company and platform only.",
    ),
    retrieve=extend_schema(
        summary="An installment", responses={200: InstallmentSerializer, **NOT_FOUND}
    ),
)
class InstallmentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = InstallmentSerializer
    filterset_class = InstallmentFilter
    ordering_fields = ["amount", "position", "paid_on"]
    ordering = ["contract_id", "position"]

    def get_queryset(self):
        return selectors.installment_list_for(self.request.user)

    @extend_schema(
        summary="Record the payment of a due installment",
        description="A content manager of the commissioning platform. 409 "
        "`installment_not_due` (its milestone or date has not come) or "
        "`installment_already_paid` (naming the earlier payment).",
        request=InstallmentPaySerializer,
        responses={
            200: InstallmentSerializer,
            **ERRORS,
            409: error_response(
                "`installment_not_due`, `installment_already_paid` or `concurrent_update`."
            ),
        },
        examples=[
            OpenApiExample(
                "Paid",
                request_only=True,
                value={"paid_on": "2026-11-20", "reference": "ICBC 2026112000123"},
            )
        ],
    )
    @action(detail=True, methods=["post"], filterset_class=None)
    def pay(self, request, pk=None):
        installment = self.get_object()
        body = InstallmentPaySerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.installment_mark_paid(
            installment=installment,
            actor=request.user,
            paid_on=body.validated_data["paid_on"],
            reference=body.validated_data["reference"],
        )
        return Response(self.get_serializer(self.get_queryset().get(pk=installment.pk)).data)

    @extend_schema(
        summary="What is owed: due, unpaid installments per project in your scope",
        description="For your organisations (a producer company: what it is owed; a platform: "
        "what it owes), most overdue first.",
        responses={200: UnpaidRowSerializer(many=True)},
    )
    @action(detail=False, methods=["get"], filterset_class=None, pagination_class=None)
    def unpaid(self, request):
        rows = selectors.unpaid_by_project(request.user)
        return Response(UnpaidRowSerializer(rows, many=True).data)


# (prefix, viewset, basename) triples registered under /api/v1/ by contracts/urls.py
ROUTES: list = [
    ("payment-schedules", PaymentScheduleViewSet, "payment-schedule"),
    ("installments", InstallmentViewSet, "installment"),
]
