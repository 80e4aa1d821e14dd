"""The test clips API: the teasers cut from production on, before the series is released."""

import django_filters
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import serializers

from audience.api.episodes import (
    CONFLICT,
    ERRORS,
    NOT_FOUND,
    PROJECT_HELP,
    ProjectRecordViewSet,
)
from audience.models import TestClip
from audience.services import clips
from common.api import IdFilter
from common.serializers import ScopedIdField, StrictSerializer

from .common import scoped_project


class TestClipSerializer(serializers.ModelSerializer):
    class Meta:
        model = TestClip
        fields = [
            "id",
            "project",
            "code",
            "title",
            "duration_seconds",
            "released_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class TestClipCreateSerializer(StrictSerializer):
    project = ScopedIdField(help_text=PROJECT_HELP)
    code = serializers.SlugField(
        max_length=40, help_text="Short name used in imports, e.g. teaser-1."
    )
    title = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    duration_seconds = serializers.IntegerField(
        min_value=1, max_value=86400, required=False, allow_null=True
    )
    released_at = serializers.DateTimeField(
        required=False, allow_null=True, help_text="When it went out (not in the future)."
    )


class TestClipUpdateSerializer(StrictSerializer):
    project = serializers.IntegerField(read_only=True)
    code = serializers.SlugField(
        max_length=40, required=False, help_text="Stays once the clip has signals."
    )
    title = serializers.CharField(max_length=200, required=False, allow_blank=True)
    duration_seconds = serializers.IntegerField(
        min_value=1, max_value=86400, required=False, allow_null=True
    )
    released_at = serializers.DateTimeField(required=False, allow_null=True)


class TestClipFilter(django_filters.FilterSet):
    project = IdFilter(field_name="project_id")

    class Meta:
        model = TestClip
        fields = ["project"]


@extend_schema_view(
    list=extend_schema(
        summary="Test clips of the projects in your scope",
        description="`?project=`. Clips go out before the series; their signals count separately.",
    ),
    retrieve=extend_schema(summary="A test clip", responses={200: TestClipSerializer, **NOT_FOUND}),
    destroy=extend_schema(
        summary="Delete a test clip without signals", responses={204: None, **ERRORS, **CONFLICT}
    ),
)
class TestClipViewSet(ProjectRecordViewSet):
    serializer_class = TestClipSerializer
    filterset_class = TestClipFilter
    ordering_fields = ["code", "released_at", "created_at"]
    ordering = ["project_id", "code"]

    def get_queryset(self):
        return TestClip.objects.for_user(self.request.user)

    @extend_schema(
        summary="Add a test clip",
        description="The producer side or the platform's content managers, from production on.",
        request=TestClipCreateSerializer,
        responses={201: TestClipSerializer, **ERRORS, **CONFLICT},
        examples=[
            OpenApiExample(
                "A teaser",
                request_only=True,
                value={"project": 7, "code": "teaser-1", "title": "The contract marriage"},
            )
        ],
    )
    def create(self, request, *args, **kwargs):
        data = self._body(TestClipCreateSerializer)
        project = scoped_project(request.user, data.pop("project"))
        clip = clips.clip_create(project=project, actor=request.user, **data)
        return self._shown(clip, created=True)

    @extend_schema(
        summary="Change a test clip",
        request=TestClipUpdateSerializer,
        responses={200: TestClipSerializer, **ERRORS, **CONFLICT},
    )
    def partial_update(self, request, *args, **kwargs):
        clip = self.get_object()
        data = self._body(TestClipUpdateSerializer)
        updated = clips.clip_update(clip=clip, actor=request.user, data=data)
        return self._shown(updated)

    def destroy(self, request, *args, **kwargs):
        clips.clip_delete(clip=self.get_object(), actor=request.user)
        return self._deleted()


ROUTES: list = [("test-clips", TestClipViewSet, "test-clip")]
