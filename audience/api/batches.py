"""The release batches API: plan a project's batches, assign episodes, release them."""

import django_filters
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import serializers
from rest_framework.decorators import action

from audience.api.episodes import (
    CONFLICT,
    ERRORS,
    NOT_FOUND,
    PROJECT_HELP,
    ProjectRecordViewSet,
)
from audience.models import ReleaseBatch
from audience.services import batches
from audience.services import episodes as services
from common.api import BoolFilter, IdFilter
from common.conditional import etag_for
from common.serializers import ScopedIdField, StrictSerializer

from .common import scoped_project


class ReleaseBatchSerializer(serializers.ModelSerializer):
    episode_total = serializers.IntegerField(read_only=True, help_text="Episodes in the batch.")
    first_episode = serializers.IntegerField(read_only=True, allow_null=True)
    last_episode = serializers.IntegerField(read_only=True, allow_null=True)
    is_released = serializers.SerializerMethodField()

    class Meta:
        model = ReleaseBatch
        fields = [
            "id",
            "project",
            "number",
            "released_at",
            "is_released",
            "note",
            "episode_total",
            "first_episode",
            "last_episode",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_is_released(self, batch: ReleaseBatch) -> bool:
        return batch.released_at is not None


class ReleaseBatchCreateSerializer(StrictSerializer):
    project = ScopedIdField(help_text=PROJECT_HELP)
    number = serializers.IntegerField(
        min_value=1,
        max_value=32767,
        required=False,
        allow_null=True,
        help_text="Defaults to one after the project's last batch.",
    )
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    first = serializers.IntegerField(
        min_value=1,
        max_value=32767,
        required=False,
        help_text="Put episodes first..last in it (with `last`: both or neither).",
    )
    last = serializers.IntegerField(
        min_value=1, max_value=32767, required=False, help_text="With `first`: both or neither."
    )

    def validate(self, attrs):
        return _range_of(attrs, required=False)


class ReleaseBatchUpdateSerializer(StrictSerializer):
    project = serializers.IntegerField(read_only=True)
    number = serializers.IntegerField(read_only=True)
    note = serializers.CharField(max_length=200, required=False, allow_blank=True)
    released_at = serializers.DateTimeField(
        required=False,
        allow_null=True,
        help_text="Correct when a released batch went live (use `release` to release it).",
    )


class EpisodeRangeSerializer(StrictSerializer):
    first = serializers.IntegerField(min_value=1, max_value=32767)
    last = serializers.IntegerField(min_value=1, max_value=32767)

    def validate(self, attrs):
        return _range_of(attrs, required=True)


class ReleaseSerializer(StrictSerializer):
    released_at = serializers.DateTimeField(
        required=False,
        allow_null=True,
        help_text="When it went live, if not now (not in the future, not before the batch "
        "before it).",
    )


def _range_of(attrs: dict, *, required: bool) -> dict:
    first, last = attrs.pop("first", None), attrs.pop("last", None)
    if first is None and last is None and not required:
        attrs["episodes"] = []
        return attrs
    if first is None or last is None:
        missing = "first" if first is None else "last"
        raise serializers.ValidationError({missing: [_("Give both first and last.")]})
    if last < first:
        raise serializers.ValidationError(
            {"last": [_("The last episode cannot come before the first.")]}
        )
    if last - first >= services.MAX_BULK_EPISODES:
        raise serializers.ValidationError(
            {
                "last": [
                    _("At most %(max)d episodes at a time.") % {"max": services.MAX_BULK_EPISODES}
                ]
            }
        )
    attrs["episodes"] = list(range(first, last + 1))
    return attrs


class ReleaseBatchFilter(django_filters.FilterSet):
    project = IdFilter(field_name="project_id")
    released = BoolFilter(field_name="released_at", lookup_expr="isnull", exclude=True)

    class Meta:
        model = ReleaseBatch
        fields = ["project", "released"]


@extend_schema_view(
    list=extend_schema(
        summary="Release batches of the projects in your scope",
        description="`?project=`, `?released=true|false`; each with its episode range.",
    ),
    retrieve=extend_schema(
        summary="A release batch", responses={200: ReleaseBatchSerializer, **NOT_FOUND}
    ),
    destroy=extend_schema(
        summary="Delete an unreleased batch (its episodes stay, without a batch)",
        responses={204: None, **ERRORS, **CONFLICT},
    ),
)
class ReleaseBatchViewSet(ProjectRecordViewSet):
    serializer_class = ReleaseBatchSerializer
    filterset_class = ReleaseBatchFilter
    ordering_fields = ["number", "released_at", "created_at"]
    ordering = ["project_id", "number"]

    def get_queryset(self):
        return ReleaseBatch.objects.for_user(self.request.user).with_episode_stats()

    def etag_of(self, instance) -> str:
        # Its episodes are part of what a client read: assigning or moving one changes the tag.
        stats = [getattr(instance, name, None) for name in ("episode_total", "first_episode")]
        stats.append(getattr(instance, "last_episode", None))
        return etag_for({"batch": etag_for(instance), "episodes": stats})

    @extend_schema(
        summary="Add a release batch",
        description="Numbered after the project's last batch unless `number` is given; "
        "`first`/`last` put those episodes in it.",
        request=ReleaseBatchCreateSerializer,
        responses={201: ReleaseBatchSerializer, **ERRORS, **CONFLICT},
        examples=[
            OpenApiExample(
                "Batch of episodes 1-10",
                request_only=True,
                value={"project": 7, "note": "Launch weekend", "first": 1, "last": 10},
            )
        ],
    )
    def create(self, request, *args, **kwargs):
        data = self._body(ReleaseBatchCreateSerializer)
        project = scoped_project(request.user, data.pop("project"))
        batch = batches.release_batch_create(project=project, actor=request.user, **data)
        return self._shown(batch, created=True)

    @extend_schema(
        summary="Change a batch's note, or correct when a released batch went live",
        request=ReleaseBatchUpdateSerializer,
        responses={200: ReleaseBatchSerializer, **ERRORS, **CONFLICT},
    )
    def partial_update(self, request, *args, **kwargs):
        batch = self.get_object()
        data = self._body(ReleaseBatchUpdateSerializer)
        updated = batches.release_batch_update(batch=batch, actor=request.user, data=data)
        return self._shown(updated)

    def destroy(self, request, *args, **kwargs):
        batches.release_batch_delete(batch=self.get_object(), actor=request.user)
        return self._deleted()

    @extend_schema(
        summary="Put episodes first..last in the batch",
        description="The batch must not be released; an episode of another, released batch "
        "stays there (409).",
        request=EpisodeRangeSerializer,
        responses={200: ReleaseBatchSerializer, **ERRORS, **CONFLICT},
        examples=[
            OpenApiExample("Episodes 11-20", request_only=True, value={"first": 11, "last": 20})
        ],
    )
    @action(detail=True, methods=["post"], filterset_class=None)
    def assign(self, request, pk=None):
        batch = self.get_object()
        episodes = self._body(EpisodeRangeSerializer)["episodes"]
        batches.release_batch_assign(batch=batch, actor=request.user, episodes=episodes)
        return self._shown(batch)

    @extend_schema(
        summary="The batch went live",
        description="While the series is released, after the batches before it, with at "
        "least one episode; now unless `released_at` says when.",
        request=ReleaseSerializer,
        responses={200: ReleaseBatchSerializer, **ERRORS, **CONFLICT},
        examples=[OpenApiExample("Now", request_only=True, value={})],
    )
    @action(detail=True, methods=["post"], filterset_class=None)
    def release(self, request, pk=None):
        batch = self.get_object()
        body = ReleaseSerializer(data=request.data or {})
        body.is_valid(raise_exception=True)
        batches.release_batch_release(
            batch=batch, actor=request.user, released_at=body.validated_data.get("released_at")
        )
        return self._shown(batch)


ROUTES: list = [("release-batches", ReleaseBatchViewSet, "release-batch")]
