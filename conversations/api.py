"""Comments and the activity feed in the API.

``/comments/`` is one resource for every project (``?project=`` for one, ``?counterpart=`` for
one thread); ``/projects/{id}/activity/`` is the project's feed: transitions, records' status
changes and comments, oldest first, paginated (``?page=last`` for the newest).
"""

import django_filters
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from common.api import IdFilter
from common.schema import ROLE_MISSING, error_response
from common.serializers import ScopedRelatedField, StrictSerializer
from workflow.api.directory import OrganisationRefSerializer
from workflow.models import Organisation, Project, ProjectTransition
from workflow.selectors import project_list_for

from . import selectors, services
from .models import BODY_MAX_LENGTH, Comment


class CommentSerializer(serializers.ModelSerializer):
    project = serializers.IntegerField(source="thread.project_id", read_only=True)
    counterpart = OrganisationRefSerializer(
        source="thread.counterpart",
        read_only=True,
        help_text="The thread: the platform or regulator the producer company talks with.",
    )
    author = serializers.CharField(source="author.get_username", read_only=True)
    organisation = OrganisationRefSerializer(read_only=True, allow_null=True)
    mentions = serializers.SerializerMethodField()
    deleted = serializers.BooleanField(source="is_deleted", read_only=True)
    deleted_by = serializers.CharField(
        source="deleted_by.get_username", read_only=True, allow_null=True, default=None
    )

    class Meta:
        model = Comment
        fields = [
            "id",
            "project",
            "counterpart",
            "author",
            "organisation",
            "body",
            "mentions",
            "created_at",
            "edited_at",
            "deleted",
            "deleted_at",
            "deleted_by",
        ]
        read_only_fields = fields

    def get_mentions(self, comment) -> list[str]:
        """The usernames the comment mentions (each was told)."""
        return sorted(user.get_username() for user in comment.mentions.all())


class NewCommentSerializer(StrictSerializer):
    project = ScopedRelatedField(
        queryset=Project.objects.none(), help_text="The project (in your scope)."
    )
    counterpart = ScopedRelatedField(
        queryset=Organisation.objects.all(),
        required=False,
        help_text=(
            "The thread, by the organisation on the other side: for the producer company its "
            "platform (the default) or a regulator the project is routed to; anyone else writes "
            "in their own organisation's thread and may leave it out."
        ),
    )
    body = serializers.CharField(
        max_length=BODY_MAX_LENGTH,
        help_text="The text; `@username` tells that person, who must be able to read the thread.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["project"].queryset = project_list_for(request.user)


class CommentEditSerializer(StrictSerializer):
    body = serializers.CharField(max_length=BODY_MAX_LENGTH)


class CommentFilter(django_filters.FilterSet):
    project = IdFilter(field_name="thread__project_id")
    counterpart = IdFilter(field_name="thread__counterpart_id")

    class Meta:
        model = Comment
        fields = ["project", "counterpart"]


ERRORS = {
    400: error_response(
        "Invalid input (see `fields`); on `body` also text of spaces only, or an `@username` of "
        "someone who cannot read the thread (named in the message: nobody is told)."
    ),
    403: ROLE_MISSING,
    404: error_response("No such comment or project in your scope."),
}


@extend_schema_view(
    list=extend_schema(summary="Comments you may read, oldest first (`?project=` for one)"),
    retrieve=extend_schema(summary="A comment", responses={200: CommentSerializer, **ERRORS}),
    create=extend_schema(
        summary="Post a comment in a project's conversation",
        request=NewCommentSerializer,
        responses={201: CommentSerializer, **ERRORS},
        examples=[
            OpenApiExample(
                "To the platform, mentioning its content manager",
                request_only=True,
                value={"project": 7, "body": "@bamboo_cm the new synopsis is in. Episode 3?"},
            )
        ],
    ),
    partial_update=extend_schema(
        summary="Edit your own comment",
        request=CommentEditSerializer,
        responses={
            200: CommentSerializer,
            **ERRORS,
            409: error_response("`comment_deleted`: a deleted comment cannot change."),
        },
    ),
    destroy=extend_schema(
        summary="Delete your own comment (its text goes; the conversation shows it was there)",
        responses={
            204: None,
            **ERRORS,
            409: error_response("`comment_deleted`: deleted already."),
        },
    ),
)
class CommentViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = CommentSerializer
    filterset_class = CommentFilter
    ordering = ["created_at", "id"]
    ordering_fields = ["created_at"]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        return selectors.comment_list_for(self.request.user)

    def _fresh(self, comment: Comment) -> Comment:
        return selectors.comment_list_for(self.request.user).get(pk=comment.pk)

    def create(self, request, *args, **kwargs):
        body = NewCommentSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        comment = services.comment_post(
            project=body.validated_data["project"],
            actor=request.user,
            body=body.validated_data["body"],
            counterpart=body.validated_data.get("counterpart"),
        )
        data = self.get_serializer(self._fresh(comment)).data
        return Response(data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        comment = self.get_object()
        body = CommentEditSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        comment = services.comment_edit(
            comment=comment, actor=request.user, body=body.validated_data["body"]
        )
        return Response(self.get_serializer(self._fresh(comment)).data)

    def destroy(self, request, *args, **kwargs):
        services.comment_delete(comment=self.get_object(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


# The activity feed -------------------------------------------------------------------------------


class ActivitySerializer(serializers.Serializer):
    """One entry of a project's activity: a transition of the project, a status change of one of
    its records (a budget, an evaluation, a contract...), or a comment."""

    kind = serializers.ChoiceField(
        choices=["transition", "status_change", "comment"],
        help_text=(
            "`transition`: the project's own; `status_change`: one of its records'; "
            "`comment`: said in one of its conversations."
        ),
    )
    record = serializers.CharField(
        help_text="What changed: `project`, the record's kind (`budget`, `contract`...) or "
        "`comment`."
    )
    record_id = serializers.IntegerField()
    name = serializers.CharField(
        allow_blank=True, help_text="The transition's name (blank for the other kinds)."
    )
    from_status = serializers.CharField(allow_blank=True)
    to_status = serializers.CharField(allow_blank=True, help_text="Blank for a comment.")
    actor = serializers.CharField(allow_null=True)
    organisation = OrganisationRefSerializer(allow_null=True)
    comment = serializers.CharField(
        allow_blank=True, help_text="The transition's comment, the change's reason or the text."
    )
    counterpart = OrganisationRefSerializer(
        allow_null=True, help_text="For a comment: its thread (null for the other kinds)."
    )
    mentions = serializers.ListField(child=serializers.CharField())
    deleted = serializers.BooleanField(help_text="A comment its author deleted.")
    reconstructed = serializers.BooleanField(
        help_text="Derived from fields that held the change before this log existed."
    )
    created_at = serializers.DateTimeField()

    def to_representation(self, feed_entry):
        entry = feed_entry.entry
        row = {
            "kind": feed_entry.kind,
            "actor": None,
            "organisation": entry.organisation,
            "name": "",
            "counterpart": None,
            "mentions": [],
            "deleted": False,
            "reconstructed": False,
            "created_at": entry.created_at,
        }
        if isinstance(entry, ProjectTransition):
            row |= {
                "record": "project",
                "record_id": entry.project_id,
                "name": entry.name,
                "from_status": entry.source_state,
                "to_status": entry.target_state,
                "actor": entry.actor.get_username(),
                "comment": entry.comment,
            }
        elif isinstance(entry, Comment):
            row |= {
                "record": "comment",
                "record_id": entry.pk,
                "from_status": "",
                "to_status": "",
                "actor": entry.author.get_username(),
                "comment": entry.body,
                "counterpart": entry.thread.counterpart,
                "mentions": sorted(u.get_username() for u in entry.mentions.all()),
                "deleted": entry.is_deleted,
            }
        else:
            row |= {
                "record": entry.record_type.model,
                "record_id": entry.record_id,
                "from_status": entry.from_status,
                "to_status": entry.to_status,
                "actor": entry.actor.get_username() if entry.actor else None,
                "comment": entry.reason,
                "reconstructed": entry.reconstructed,
            }
        return super().to_representation(row)


@extend_schema_view(
    activity=extend_schema(
        summary="The project's activity: transitions, records' status changes and comments, "
        "oldest first (`?page=last` for the newest)",
        responses={
            200: ActivitySerializer(many=True),
            404: error_response("No such project in your scope."),
        },
    )
)
class ProjectActivityViewSet(viewsets.GenericViewSet):
    serializer_class = ActivitySerializer
    filter_backends: list = []

    def get_queryset(self):
        return project_list_for(self.request.user)

    @action(detail=True, methods=["get"])
    def activity(self, request, pk=None):
        project = self.get_object()
        page = self.paginate_queryset(selectors.feed_queryset(project, request.user))
        entries = selectors.feed_entries(page)
        return self.get_paginated_response(ActivitySerializer(entries, many=True).data)


ROUTES = [
    ("comments", CommentViewSet, "comment"),
    ("projects", ProjectActivityViewSet, "project-activity"),
]
