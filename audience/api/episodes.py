"""A project's episodes, and what its release batches (``batches``) and test clips (``clips``)
share: the base viewset, the error responses and the scoped batch lookup.

Who sees them: ``audience.selectors.audience_projects_for`` (the producer company's producers and
org admins, the commissioning platform's content managers and org admins); anyone else gets 404.
Every change goes through ``audience.services`` (episodes, batches, clips); a project or batch named in a body must
be in the caller's scope (400 on that field otherwise). Edits honour ``If-Match`` (ETag).
"""

import django_filters
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from audience.models import Episode, ReleaseBatch
from audience.services import episodes as services
from common.api import BoolFilter, IdFilter
from common.conditional import ConditionalUpdateMixin
from common.schema import INVALID_INPUT, NOT_IN_SCOPE, error_response
from common.serializers import ScopedIdField, StrictSerializer
from workflow.models import Project
from workflow.services import project_lock

from .common import scoped_project

ERRORS = {
    400: INVALID_INPUT,
    403: error_response(
        "You see the project but may not change its episodes (not its producer "
        "side or the platform's content managers)."
    ),
    404: NOT_IN_SCOPE,
}
NOT_FOUND = {404: ERRORS[404]}
CONFLICT = {
    409: error_response(
        "`episodes_not_accepted` / `test_clips_not_accepted` (not in the project's "
        "current state), `batch_released` (a released batch keeps its episodes), "
        "`batch_not_releasable`, `episode_in_use` (it has signals or revisions), "
        "`test_clip_in_use` (it has signals) or "
        "`concurrent_update`."
    )
}
PROJECT_HELP = "The project (in your scope)."


def scoped_batch(project: Project, batch_id: int | None) -> ReleaseBatch | None:
    if batch_id is None:
        return None
    batch = ReleaseBatch.objects.filter(pk=batch_id, project=project).first()
    if batch is None:
        raise serializers.ValidationError({"batch": [_("This project has no such release batch.")]})
    return batch


# Output ----------------------------------------------------------------------------------------


class EpisodeSerializer(serializers.ModelSerializer):
    access_display = serializers.CharField(source="get_access_display", read_only=True)
    batch_number = serializers.IntegerField(
        source="batch.number", read_only=True, allow_null=True, default=None
    )
    released_at = serializers.DateTimeField(
        source="batch.released_at",
        read_only=True,
        allow_null=True,
        default=None,
        help_text="When its batch went live (null: not released yet).",
    )

    class Meta:
        model = Episode
        fields = [
            "id",
            "project",
            "number",
            "title",
            "duration_seconds",
            "access",
            "access_display",
            "batch",
            "batch_number",
            "released_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


# Input -----------------------------------------------------------------------------------------


class EpisodeCreateSerializer(StrictSerializer):
    project = ScopedIdField(help_text=PROJECT_HELP)
    number = serializers.IntegerField(
        min_value=1, max_value=32767, help_text="1 to the project's episode count; unique."
    )
    title = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    duration_seconds = serializers.IntegerField(
        min_value=1,
        max_value=86400,
        required=False,
        allow_null=True,
        help_text="Defaults to the proposal's episode length.",
    )
    access = serializers.ChoiceField(
        choices=Episode.Access.choices, required=False, default=Episode.Access.FREE
    )
    batch = serializers.IntegerField(
        min_value=1,
        required=False,
        allow_null=True,
        help_text="A release batch of the project, not yet released.",
    )


class EpisodeUpdateSerializer(StrictSerializer):
    project = serializers.IntegerField(read_only=True)
    number = serializers.IntegerField(
        min_value=1,
        max_value=32767,
        required=False,
        help_text="Not once released, nor when it has signals or revisions.",
    )
    title = serializers.CharField(max_length=200, required=False, allow_blank=True)
    duration_seconds = serializers.IntegerField(
        min_value=1, max_value=86400, required=False, allow_null=True
    )
    access = serializers.ChoiceField(choices=Episode.Access.choices, required=False)
    batch = serializers.IntegerField(
        min_value=1,
        required=False,
        allow_null=True,
        help_text="Move it to another unreleased batch of the project (null: none). An "
        "episode of a released batch stays there.",
    )


class EpisodeBulkSerializer(StrictSerializer):
    project = ScopedIdField(help_text=PROJECT_HELP)
    first = serializers.IntegerField(min_value=1, max_value=32767)
    last = serializers.IntegerField(min_value=1, max_value=32767)
    duration_seconds = serializers.IntegerField(
        min_value=1,
        max_value=86400,
        required=False,
        allow_null=True,
        help_text="Each episode's; defaults to the proposal's episode length.",
    )
    free_through = serializers.IntegerField(
        min_value=0,
        max_value=32767,
        required=False,
        allow_null=True,
        help_text="Episodes up to this number are free (0: none); defaults to the proposal's "
        "free episodes.",
    )
    access = serializers.ChoiceField(
        choices=Episode.Access.choices,
        required=False,
        allow_null=True,
        help_text="The access of the episodes after the free ones; defaults to paid (free for a "
        "free, ad-supported drama).",
    )
    batch = serializers.IntegerField(
        min_value=1,
        required=False,
        allow_null=True,
        help_text="An unreleased batch to put them in.",
    )
    title_pattern = serializers.CharField(
        max_length=200,
        required=False,
        allow_blank=True,
        default="",
        help_text="Each title, with `{number}` for the episode number, e.g. `Episode {number}`.",
    )
    skip_existing = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Leave the numbers already taken as they are; otherwise any of them refuses "
        "the whole range.",
    )


class BulkResultSerializer(serializers.Serializer):
    created = serializers.IntegerField(help_text="Episodes created.")
    episodes = EpisodeSerializer(many=True)


# Filters ---------------------------------------------------------------------------------------


class EpisodeFilter(django_filters.FilterSet):
    project = IdFilter(field_name="project_id")
    batch = IdFilter(field_name="batch_id")
    access = django_filters.ChoiceFilter(choices=Episode.Access.choices)
    released = BoolFilter(method="filter_released", label=_("In a released batch"))
    number_from = IdFilter(field_name="number", lookup_expr="gte")
    number_to = IdFilter(field_name="number", lookup_expr="lte")

    class Meta:
        model = Episode
        fields = ["project", "batch", "access", "released", "number_from", "number_to"]

    def filter_released(self, queryset, name, value):
        if value:
            return queryset.filter(batch__released_at__isnull=False)
        return queryset.exclude(batch__released_at__isnull=False)


# Views -----------------------------------------------------------------------------------------


class ProjectRecordViewSet(
    ConditionalUpdateMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """A project's episodes, batches or clips: scoped reads; every write through a service, an
    edit under the project's lock (what every service takes first) with If-Match."""

    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def lock_for_edit(self, instance):
        project_lock(instance.project_id)
        return self.get_queryset().get(pk=instance.pk)

    def _fresh(self, instance):
        return self.get_queryset().get(pk=instance.pk)

    def _body(self, serializer_class) -> dict:
        body = serializer_class(data=self.request.data)
        body.is_valid(raise_exception=True)
        return dict(body.validated_data)

    def _shown(self, instance, *, created: bool = False) -> Response:
        return Response(
            self.get_serializer(self._fresh(instance)).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )

    def _deleted(self) -> Response:
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema_view(
    list=extend_schema(
        summary="Episodes of the projects in your scope",
        description="`?project=`, `?batch=`, `?access=`, `?released=true|false`, "
        "`?number_from=` / `?number_to=`; in project and number order.",
    ),
    retrieve=extend_schema(summary="An episode", responses={200: EpisodeSerializer, **NOT_FOUND}),
    destroy=extend_schema(
        summary="Delete a planned episode (not released, without signals or revisions)",
        responses={204: None, **ERRORS, **CONFLICT},
    ),
)
class EpisodeViewSet(ProjectRecordViewSet):
    serializer_class = EpisodeSerializer
    filterset_class = EpisodeFilter
    ordering_fields = ["number", "created_at", "updated_at"]
    ordering = ["project_id", "number"]

    def get_queryset(self):
        return Episode.objects.for_user(self.request.user).select_related("batch")

    @extend_schema(
        summary="Add an episode",
        description="The producer side or the platform's content managers, from greenlight on.",
        request=EpisodeCreateSerializer,
        responses={201: EpisodeSerializer, **ERRORS, **CONFLICT},
        examples=[
            OpenApiExample(
                "Episode 81",
                request_only=True,
                value={"project": 7, "number": 81, "title": "The wedding", "access": "paid"},
            )
        ],
    )
    def create(self, request, *args, **kwargs):
        data = self._body(EpisodeCreateSerializer)
        project = scoped_project(request.user, data.pop("project"))
        data["batch"] = scoped_batch(project, data.pop("batch", None))
        episode = services.episode_create(project=project, actor=request.user, **data)
        return self._shown(episode, created=True)

    @extend_schema(
        summary="Change an episode",
        request=EpisodeUpdateSerializer,
        responses={200: EpisodeSerializer, **ERRORS, **CONFLICT},
    )
    def partial_update(self, request, *args, **kwargs):
        episode = self.get_object()
        data = self._body(EpisodeUpdateSerializer)
        if "batch" in data:
            data["batch"] = scoped_batch(episode.project, data["batch"])
        updated = services.episode_update(episode=episode, actor=request.user, data=data)
        return self._shown(updated)

    def destroy(self, request, *args, **kwargs):
        services.episode_delete(episode=self.get_object(), actor=request.user)
        return self._deleted()

    @extend_schema(
        summary="Add a range of episodes at once",
        description="E.g. episodes 1-80, 90 s each, 1-10 free and the rest paid, in one call. "
        "All or none: a number already taken refuses the range unless `skip_existing`.",
        request=EpisodeBulkSerializer,
        responses={201: BulkResultSerializer, **ERRORS, **CONFLICT},
        examples=[
            OpenApiExample(
                "A whole series",
                request_only=True,
                value={
                    "project": 7,
                    "first": 1,
                    "last": 80,
                    "duration_seconds": 90,
                    "free_through": 10,
                    "access": "paid",
                    "title_pattern": "Episode {number}",
                },
            )
        ],
    )
    @action(detail=False, methods=["post"], filterset_class=None, pagination_class=None)
    def bulk(self, request):
        data = self._body(EpisodeBulkSerializer)
        project = scoped_project(request.user, data.pop("project"))
        data["batch"] = scoped_batch(project, data.pop("batch", None))
        data["access_after"] = data.pop("access", None)
        created = services.episodes_bulk_create(project=project, actor=request.user, **data)
        result = {"created": len(created), "episodes": created}
        return Response(BulkResultSerializer(result).data, status=status.HTTP_201_CREATED)


ROUTES: list = [("episodes", EpisodeViewSet, "episode")]
