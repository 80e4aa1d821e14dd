"""Organisations in the API: the reference every answer names them by, and the directory of
platforms (any producer may propose to any of them, so every signed-in user may list them; the
id goes in a proposal's ``platform``)."""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets

from common.schema import error_response
from common.serializers import PlainFieldsMixin
from workflow.models import Organisation
from workflow.selectors import platform_list


class OrganisationRefSerializer(PlainFieldsMixin, serializers.ModelSerializer):
    """An organisation as answers name it: id, name and kind."""

    class Meta:
        model = Organisation
        fields = ["id", "name", "kind"]
        read_only_fields = fields


@extend_schema_view(
    list=extend_schema(summary="The platforms a proposal can be made to"),
    retrieve=extend_schema(
        summary="A platform",
        responses={
            200: OrganisationRefSerializer,
            404: error_response("No such platform."),
        },
    ),
)
class PlatformViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = OrganisationRefSerializer
    search_fields = ["name"]
    ordering_fields = ["name"]
    ordering = ["name"]

    def get_queryset(self):
        return platform_list()


ROUTES = [("platforms", PlatformViewSet, "platform")]
