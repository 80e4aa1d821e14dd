"""Contracts between the producer company and the platform: the offer, the terms, the lifecycle.

Who sees what (``contracts.selectors.agreements``): the producer company and the platform see
every term; a regulator the project is routed to sees that a contract exists, its status,
commissioning model, rights scope and term, without any money (the fields marked *parties only*
are absent from its responses); raters and everyone else get 404. Every change goes through
``contracts.services.agreements``: terms change only while the contract is a draft (PATCH, the
platform's content manager); after it is sent a change is a new version (``revise``).
"""

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

from common.api import IdFilter
from common.conditional import ConditionalUpdateMixin
from common.schema import error_response
from common.serializers import ScopedIdField, StrictSerializer
from common.values import MONEY
from contracts.models import Contract
from contracts.selectors.agreements import (
    contract_actions_for,
    contract_financials_visible,
    contract_list_for,
)
from contracts.services import agreements as services
from workflow.selectors import project_in_scope
from workflow.services import project_lock

from .common import ERRORS

CONFLICT = {
    409: error_response(
        "`contract_transition_not_allowed` (not possible in the contract's current "
        "status, which the detail names; sent terms are frozen), `contract_exists`, "
        "`contract_offer_not_allowed` or `concurrent_update`."
    )
}
RATE = {"max_digits": 10, "decimal_places": 4}
PARTIES_ONLY = " Parties only: absent for regulators."


def script_note(contract: Contract) -> str:
    if contract.script_revisable_by_producer:
        return ""
    return str(
        _(
            "Work for hire: the platform holds the copyright and the script. The producer may "
            "not revise the script; script changes are the platform's."
        )
    )


# Output ----------------------------------------------------------------------------------------


class ContractSerializer(serializers.ModelSerializer):
    """What everyone who may see the contract sees (regulators see only this)."""

    project_title = serializers.CharField(source="project.title", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    copyright_holder = serializers.ChoiceField(
        choices=[("platform", "platform"), ("producer", "producer")],
        read_only=True,
        help_text="The platform for work for hire, else the producer.",
    )
    script_revisable_by_producer = serializers.BooleanField(
        read_only=True, help_text="False for work for hire: the producer may not revise the script."
    )
    script_note = serializers.SerializerMethodField(
        help_text="Where a revision of the script would be asked of the producer, what the "
        "contract says about it (empty when the producer may revise)."
    )
    is_exclusive = serializers.BooleanField(read_only=True)

    class Meta:
        model = Contract
        fields = [
            "id",
            "project",
            "project_title",
            "version",
            "supersedes",
            "status",
            "status_display",
            "commissioning_model",
            "copyright_holder",
            "script_revisable_by_producer",
            "script_note",
            "rights_scope",
            "term_ends_on",
            "exclusivity_ends_on",
            "is_exclusive",
            "sent_at",
            "signed_at",
            "countersigned_at",
            "ended_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_script_note(self, contract: Contract) -> str:
        return script_note(contract)


class _Computed(serializers.Field):
    """An output-only value computed from the contract; optional in the schema because
    regulators do not get it."""

    def __init__(self, compute, **kwargs):
        self._compute = compute
        super().__init__(source="*", required=False, **kwargs)

    def to_representation(self, contract):
        return self._compute(contract, self.context)


@extend_schema_field({"type": "array", "items": {"type": "string"}})
class _StringList(_Computed):
    pass


def _user_of(context):
    request = context.get("request")
    return getattr(request, "user", None)


class ContractDetailSerializer(ContractSerializer):
    """The parties' view: every term. A regulator gets ``ContractSerializer``'s fields only.

    The money fields are not read-only so that the schema marks them optional (absent for
    regulators); this serializer is never used for input.
    """

    production_fee = serializers.DecimalField(
        **MONEY, required=False, help_text="CNY, decimal string." + PARTIES_ONLY
    )
    producer_investment = serializers.DecimalField(
        **MONEY, required=False, help_text="CNY, decimal string." + PARTIES_ONLY
    )
    residual_basis = serializers.ChoiceField(
        choices=Contract.ResidualBasis.choices, required=False, help_text=PARTIES_ONLY.strip()
    )
    residual_rate = serializers.DecimalField(
        **RATE,
        required=False,
        help_text="CNY per 1,000 valid plays, or a percentage (7 means 7 %)." + PARTIES_ONLY,
    )
    grade = serializers.CharField(
        required=False, help_text="The greenlight's grade (S/A/B/C)." + PARTIES_ONLY
    )
    granted_budget = serializers.DecimalField(
        **MONEY, required=False, allow_null=True, help_text="From the greenlight." + PARTIES_ONLY
    )
    traffic_support = serializers.DecimalField(
        **MONEY, required=False, allow_null=True, help_text="From the greenlight." + PARTIES_ONLY
    )
    end_reason = serializers.CharField(required=False, help_text=PARTIES_ONLY.strip())
    created_by = serializers.CharField(
        source="created_by.get_username", required=False, help_text=PARTIES_ONLY.strip()
    )
    signed_by = serializers.CharField(
        source="signed_by.get_username", required=False, allow_null=True, default=None
    )
    countersigned_by = serializers.CharField(
        source="countersigned_by.get_username", required=False, allow_null=True, default=None
    )
    warnings = _StringList(
        lambda contract, context: services.contract_terms_warnings(contract),
        help_text="Terms allowed but unusual (a co-investment share outside 3-10 %)."
        + PARTIES_ONLY,
    )
    actions = _StringList(
        lambda contract, context: contract_actions_for(contract, _user_of(context)),
        help_text="The lifecycle actions you may take now (send, sign, countersign, complete, "
        "terminate, decline, revise)." + PARTIES_ONLY,
    )

    class Meta(ContractSerializer.Meta):
        fields = [
            *ContractSerializer.Meta.fields,
            "production_fee",
            "producer_investment",
            "residual_basis",
            "residual_rate",
            "grade",
            "granted_budget",
            "traffic_support",
            "end_reason",
            "created_by",
            "signed_by",
            "countersigned_by",
            "warnings",
            "actions",
        ]
        read_only_fields = ContractSerializer.Meta.fields

    def to_representation(self, contract):
        if not contract_financials_visible(_user_of(self.context), contract):
            return ContractSerializer(contract, context=self.context).data
        return super().to_representation(contract)


# Input -----------------------------------------------------------------------------------------


class ContractTermsSerializer(StrictSerializer):
    commissioning_model = serializers.ChoiceField(choices=Contract.Model.choices, required=False)
    production_fee = serializers.DecimalField(
        **MONEY, required=False, help_text="CNY, decimal string, 0 or more."
    )
    producer_investment = serializers.DecimalField(
        **MONEY,
        required=False,
        help_text="CNY; more than 0 for co-investment, 0 for work for hire.",
    )
    residual_basis = serializers.ChoiceField(
        choices=Contract.ResidualBasis.choices,
        required=False,
        help_text="`none` for work for hire; a revenue percentage for co-investment.",
    )
    residual_rate = serializers.DecimalField(
        **RATE,
        required=False,
        help_text="CNY per 1,000 valid plays, or a percentage (7 means 7 %, at most 100).",
    )
    rights_scope = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    term_ends_on = serializers.DateField(
        required=False, allow_null=True, help_text="Blank for permanent rights."
    )
    exclusivity_ends_on = serializers.DateField(
        required=False,
        allow_null=True,
        help_text="Blank for non-exclusive rights; not after the term's end.",
    )


class ContractOfferSerializer(ContractTermsSerializer):
    project = ScopedIdField(help_text="The project (in your scope).")
    commissioning_model = serializers.ChoiceField(choices=Contract.Model.choices)
    production_fee = serializers.DecimalField(
        **MONEY,
        required=False,
        help_text="CNY; defaults to the budget granted at the greenlight.",
    )


class ContractReasonSerializer(StrictSerializer):
    reason = serializers.CharField(
        max_length=services.REASON_MAX_LENGTH, allow_blank=True, help_text="Required."
    )


class ContractFilter(django_filters.FilterSet):
    project = IdFilter(field_name="project_id")
    status = django_filters.ChoiceFilter(choices=Contract.Status.choices)

    class Meta:
        model = Contract
        fields = ["project", "status"]


# Views -----------------------------------------------------------------------------------------


def _lifecycle(summary: str, description: str, request=None):
    return extend_schema(
        summary=summary,
        description=description,
        request=request,
        responses={200: ContractDetailSerializer, **ERRORS, **CONFLICT},
    )


@extend_schema_view(
    list=extend_schema(
        summary="Contracts of the projects in your scope (every version)",
        description="`?project=`, `?status=`. Regulators see no money fields; raters see none.",
    ),
    retrieve=extend_schema(
        summary="A contract (one version)",
        responses={200: ContractDetailSerializer, 404: ERRORS[404]},
    ),
    create=extend_schema(
        summary="Offer a contract (the platform's draft)",
        description="A content manager of the commissioning platform, once the project is "
        "greenlit. The grade, granted budget and traffic support are prefilled from the "
        "greenlight; the production fee defaults to the granted budget.",
        request=ContractOfferSerializer,
        responses={201: ContractDetailSerializer, **ERRORS, **CONFLICT},
        examples=[
            OpenApiExample(
                "Co-investment",
                request_only=True,
                value={
                    "project": 7,
                    "commissioning_model": "co_investment",
                    "producer_investment": "200000.00",
                    "residual_basis": "paid_revenue",
                    "residual_rate": "7",
                },
            )
        ],
    ),
    partial_update=extend_schema(
        summary="Change the terms of a draft",
        description="The platform's content manager, while the contract is a draft; sent terms "
        "are frozen (409): revise instead.",
        request=ContractTermsSerializer,
        responses={200: ContractDetailSerializer, **ERRORS, **CONFLICT},
    ),
)
class ContractViewSet(
    ConditionalUpdateMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = ContractDetailSerializer
    filterset_class = ContractFilter
    ordering_fields = ["created_at", "updated_at", "version"]
    ordering = ["project_id", "-version"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return contract_list_for(self.request.user)

    def lock_for_edit(self, instance):
        # The project first, then the contract: the order every contract service takes.
        project_lock(instance.project_id)
        return super().lock_for_edit(instance)

    def _respond(self, contract: Contract, code=status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=contract.pk)
        return Response(self.get_serializer(fresh).data, status=code)

    def create(self, request):
        body = ContractOfferSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        terms = dict(body.validated_data)
        project = project_in_scope(request.user, terms.pop("project"))
        contract = services.contract_offer(project=project, actor=request.user, **terms)
        return self._respond(contract, status.HTTP_201_CREATED)

    def partial_update(self, request, pk=None):
        contract = self.get_object()
        body = ContractTermsSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        contract = services.contract_update(
            contract=contract, actor=request.user, data=dict(body.validated_data)
        )
        return self._respond(contract)

    @_lifecycle("Send to the producer", "The platform's content manager; draft -> sent.")
    @action(detail=True, methods=["post"], filterset_class=None)
    def send(self, request, pk=None):
        return self._respond(services.contract_send(contract=self.get_object(), actor=request.user))

    @_lifecycle("Sign", "A producer of the project's company; sent -> signed.")
    @action(detail=True, methods=["post"], filterset_class=None)
    def sign(self, request, pk=None):
        return self._respond(services.contract_sign(contract=self.get_object(), actor=request.user))

    @_lifecycle(
        "Countersign",
        "The platform's content manager; signed -> active. Production may then start.",
    )
    @action(detail=True, methods=["post"], filterset_class=None)
    def countersign(self, request, pk=None):
        contract = services.contract_countersign(contract=self.get_object(), actor=request.user)
        return self._respond(contract)

    @_lifecycle("Complete", "The platform's content manager; active -> completed.")
    @action(detail=True, methods=["post"], filterset_class=None)
    def complete(self, request, pk=None):
        contract = services.contract_complete(contract=self.get_object(), actor=request.user)
        return self._respond(contract)

    @_lifecycle(
        "Terminate",
        "Either party; sent, signed or active -> terminated. The reason is required.",
        ContractReasonSerializer,
    )
    @action(detail=True, methods=["post"], filterset_class=None)
    def terminate(self, request, pk=None):
        contract = self.get_object()
        body = ContractReasonSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        contract = services.contract_terminate(
            contract=contract, actor=request.user, reason=body.validated_data["reason"]
        )
        return self._respond(contract)

    @_lifecycle(
        "Decline the offer",
        "A producer of the project's company; sent -> terminated, with the reason. The "
        "platform may then offer a new version.",
        ContractReasonSerializer,
    )
    @action(detail=True, methods=["post"], filterset_class=None)
    def decline(self, request, pk=None):
        contract = self.get_object()
        body = ContractReasonSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        contract = services.contract_decline(
            contract=contract, actor=request.user, reason=body.validated_data["reason"]
        )
        return self._respond(contract)

    @extend_schema(
        summary="Revise: a new version with changed terms",
        description="The platform's content manager, for a sent, signed or active contract: "
        "the new version is a draft copying the terms with the changes, to be sent and signed "
        "again; this version becomes superseded (and stays viewable).",
        request=ContractTermsSerializer,
        responses={201: ContractDetailSerializer, **ERRORS, **CONFLICT},
    )
    @action(detail=True, methods=["post"], filterset_class=None)
    def revise(self, request, pk=None):
        contract = self.get_object()
        body = ContractTermsSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        successor = services.contract_revise(
            contract=contract, actor=request.user, data=dict(body.validated_data)
        )
        return self._respond(successor, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Every version of this project's contract, newest first",
        responses={200: ContractDetailSerializer(many=True), 404: ERRORS[404]},
    )
    @action(detail=True, methods=["get"], filterset_class=None, pagination_class=None)
    def versions(self, request, pk=None):
        contract = self.get_object()
        versions = self.get_queryset().filter(project_id=contract.project_id)
        return Response(self.get_serializer(versions, many=True).data)


ROUTES: list = [("contracts", ContractViewSet, "contract")]
