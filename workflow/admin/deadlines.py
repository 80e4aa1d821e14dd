"""Deadlines (read only, with their history) and the SLAs that set them (administrators edit)."""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from workflow.deadlines import deadline_list_for, deadlines_of_project
from workflow.models import SLA, Deadline, DeadlineEvent

from .common import (
    CSVExportMixin,
    ReadOnlyInline,
    ReadOnlyScopedAdmin,
    ScopedModelAdmin,
    SectionTable,
    is_member,
    local_datetime,
    project_records,
    project_section,
)


class DeadlineEventInline(ReadOnlyInline):
    model = DeadlineEvent
    fields = ("at", "kind", "due_before", "due_after", "note")
    ordering = ("at", "id")


class OverdueFilter(admin.SimpleListFilter):
    title = _("overdue")
    parameter_name = "overdue"

    def lookups(self, request, model_admin):
        return [("yes", _("Overdue")), ("no", _("Not overdue"))]

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            return queryset.filter(is_overdue=self.value() == "yes")
        return queryset


@admin.register(Deadline)
class DeadlineAdmin(CSVExportMixin, ReadOnlyScopedAdmin):
    list_display = (
        "project",
        "kind",
        "due_display",
        "responsible",
        "status",
        "round",
        "closed_at",
    )
    list_filter = ("status", "kind", OverdueFilter)
    search_fields = ("project__title",)
    list_select_related = ("project", "responsible_organisation")
    show_full_result_count = False
    inlines = [DeadlineEventInline]
    fields = (
        "project",
        "kind",
        "round",
        "due_at",
        "responsible_organisation",
        "responsible_role",
        "status",
        "paused_at",
        "closed_at",
    )
    readonly_fields = fields

    def get_queryset(self, request):
        return deadline_list_for(request.user)

    @admin.display(description=_("due at"), ordering="due_at")
    def due_display(self, obj):
        local = local_datetime(obj.due_at)
        if obj.paused_at is not None:
            return format_html('{} <span style="color:#6b7280">({})</span>', local, _("paused"))
        if getattr(obj, "is_overdue", False):
            return format_html(
                '<span class="mdprod-overdue" style="color:#b91c1c;font-weight:600">{} ({})</span>',
                local,
                _("overdue"),
            )
        return local

    @admin.display(description=_("responsible"), ordering="responsible_organisation__name")
    def responsible(self, obj):
        return f"{obj.responsible_organisation} · {obj.get_responsible_role_display()}"


@admin.register(SLA)
class SLAAdmin(ScopedModelAdmin):
    list_display = ("kind", "days", "updated_at")
    fields = ("kind", "days")

    def get_readonly_fields(self, request, obj=None):
        return ("kind",) if obj is not None else ()

    def has_module_permission(self, request):
        return is_member(request.user)

    def has_view_permission(self, request, obj=None):
        return is_member(request.user)

    def has_add_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return False


def _open_deadlines_section(project, user):
    """The project's running and paused deadlines, soonest first, overdue ones in red."""
    rows = []
    for deadline in deadlines_of_project(project).filter(status=Deadline.Status.OPEN):
        if deadline.paused_at is not None:
            status = _("paused (waiting on another party)")
        elif deadline.is_overdue:
            status = format_html('<strong class="mdprod-overdue">{}</strong>', _("overdue"))
        else:
            status = _("running")
        rows.append(
            (
                deadline.get_kind_display(),
                local_datetime(deadline.due_at),
                deadline.responsible_organisation.name,
                status,
            )
        )
    changelist = reverse("admin:workflow_deadline_changelist")
    return SectionTable(
        columns=(_("deadline"), _("due at"), _("responsible organisation"), _("status")),
        rows=tuple(rows),
        empty=_("No open deadline."),
        link=(_("All deadlines of this project"), f"{changelist}?project__id__exact={project.pk}"),
    )


project_records(_("Deadlines"), "admin:workflow_deadline_changelist", order=110)
project_section(_("Open deadlines"), _open_deadlines_section, order=110)
