"""The transition log: read only, for the projects the user may see."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from workflow.models import ProjectTransition
from workflow.selectors import project_list_for

from .common import ReadOnlyScopedAdmin


@admin.register(ProjectTransition)
class ProjectTransitionAdmin(ReadOnlyScopedAdmin):
    list_display = (
        "created_at",
        "project",
        "name",
        "source_state",
        "target_state",
        "actor",
        "organisation",
        "review_round",
    )
    list_filter = ("target_state", "name")
    search_fields = ("project__title",)
    list_select_related = ("project", "actor", "organisation")
    show_full_result_count = False
    fields = (
        "project",
        "name",
        "source_state",
        "target_state",
        "actor_display",
        "organisation_display",
        "comment",
        "review_round",
        "created_at",
    )
    readonly_fields = fields

    def get_queryset(self, request):
        visible = project_list_for(request.user).values("pk")
        return (
            super()
            .get_queryset(request)
            .filter(project__in=visible)
            .select_related("project", "actor", "organisation")
        )

    @admin.display(description=_("actor"))
    def actor_display(self, obj):
        return obj.actor.get_username()

    @admin.display(description=_("acting for"))
    def organisation_display(self, obj):
        return obj.organisation.name if obj.organisation else self.get_empty_value_display()
