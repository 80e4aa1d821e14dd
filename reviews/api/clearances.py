"""The clearance register: numbers of the projects in your scope, and new release clearances.

Whoever sees a project sees its clearances; one outside the caller's scope is 404. The
finished-cut authority of a cleared or taken-down project records a new release clearance here
(``reviews.services.clearances.clearance_issue``); the number must have its kind's shape
(``reviews.clearance_numbers``).
"""

import django_filters
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.response import Response

from common.api import IdFilter
from common.schema import INVALID_INPUT, NOT_IN_SCOPE, ROLE_MISSING, error_response
from common.serializers import ScopedIdField, StrictSerializer
from reviews.models import Clearance
from reviews.selectors import clearances as selectors
from reviews.services import clearances as services
from workflow.api.directory import OrganisationRefSerializer
from workflow.selectors import project_in_scope

ERRORS = {
    400: INVALID_INPUT,
    403: ROLE_MISSING,
    404: NOT_IN_SCOPE,
}
EXPIRY_WINDOW_MAX_DAYS = 366


class ClearanceSerializer(serializers.ModelSerializer):
    issued_by = OrganisationRefSerializer(read_only=True)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    recorded_by = serializers.CharField(source="recorded_by.get_username", read_only=True)

    class Meta:
        model = Clearance
        fields = [
            "id",
            "project",
            "kind",
            "kind_display",
            "number",
            "issued_by",
            "issued_at",
            "expires_on",
            "recorded_by",
        ]
        read_only_fields = fields


class ClearanceRecordSerializer(StrictSerializer):
    project = ScopedIdField(help_text="The project (in your scope).")
    kind = serializers.ChoiceField(
        choices=Clearance.Kind.choices,
        help_text="The kind the project's tier releases under: distribution_licence (KEY), "
        "online_registration (ORDINARY) or platform_approval (OTHER).",
    )
    number = serializers.CharField(
        max_length=100,
        help_text="As issued, e.g. （沪）网剧审字（2025）第012号; half-width brackets are accepted "
        "and stored full-width.",
    )
    expires_on = serializers.DateField(
        required=False, allow_null=True, help_text="Last valid day; omit if it does not expire."
    )


class DaysFilter(IdFilter):
    """A whole number of days (the id filter's validation, with its own bounds)."""


class ClearanceFilter(django_filters.FilterSet):
    project = IdFilter(field_name="project_id")
    kind = django_filters.ChoiceFilter(choices=Clearance.Kind.choices)
    expiring_within = DaysFilter(
        method="filter_expiring_within",
        min_value=1,
        max_value=EXPIRY_WINDOW_MAX_DAYS,
        label=_("Expiring within (days)"),
        help_text="Still valid today and expiring within this many days (1 to 366).",
    )

    class Meta:
        model = Clearance
        fields = ["project", "kind", "expiring_within"]

    def filter_expiring_within(self, queryset, name, value):
        return selectors.clearances_expiring(queryset, within_days=int(value))


@extend_schema_view(
    list=extend_schema(
        summary="Clearance numbers of the projects in your scope",
        description="Filter with `?project=`, `?kind=` and `?expiring_within=30` (days, 1-366).",
    ),
    retrieve=extend_schema(
        summary="A clearance number", responses={200: ClearanceSerializer, 404: ERRORS[404]}
    ),
    create=extend_schema(
        summary="Record a new release clearance (the project's finished-cut authority)",
        description=(
            "For a cleared or taken-down project (a reinstatement needs a clearance issued after "
            "the take-down). The issuer is your regulator routed to the project, or the platform "
            "for an OTHER project; the kind must be the tier's. A number already in the register "
            "for its kind, a wrong shape, issuer abbreviation or year is refused on `number`; "
            "an `expires_on` before the issue day or more than ten years after it, on "
            "`expires_on` (400)."
        ),
        request=ClearanceRecordSerializer,
        responses={
            201: ClearanceSerializer,
            **ERRORS,
            409: error_response(
                "`clearance_not_open` (the project is not cleared or taken down) or "
                "`concurrent_update`."
            ),
        },
        examples=[
            OpenApiExample(
                "A provincial distribution licence",
                request_only=True,
                value={
                    "project": 7,
                    "kind": "distribution_licence",
                    "number": "（沪）网剧审字（2025）第012号",
                    "expires_on": "2030-12-31",
                },
            )
        ],
    ),
)
class ClearanceViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = ClearanceSerializer
    filterset_class = ClearanceFilter
    ordering_fields = ["issued_at", "expires_on"]
    ordering = ["project_id", "issued_at", "id"]

    def get_queryset(self):
        return selectors.clearance_list_for(self.request.user)

    def create(self, request, *args, **kwargs):
        body = ClearanceRecordSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        clearance = services.clearance_issue(
            project=project_in_scope(request.user, data["project"]),
            actor=request.user,
            kind=data["kind"],
            number=data["number"],
            expires_on=data.get("expires_on"),
        )
        fresh = self.get_queryset().get(pk=clearance.pk)
        return Response(self.get_serializer(fresh).data, status=status.HTTP_201_CREATED)


ROUTES: list = [("clearances", ClearanceViewSet, "clearance")]
