"""Notifications in the admin: each user sees and marks read their own only."""

from django.contrib import admin, messages
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from workflow import notifications
from workflow.models import Notification

from .common import ScopedModelAdmin, is_member


class ReadFilter(admin.SimpleListFilter):
    title = _("read")
    parameter_name = "read"

    def lookups(self, request, model_admin):
        return [("no", _("Unread")), ("yes", _("Read"))]

    def queryset(self, request, queryset):
        if self.value() in ("no", "yes"):
            return queryset.filter(read_at__isnull=self.value() == "no")
        return queryset


@admin.register(Notification)
class NotificationAdmin(ScopedModelAdmin):
    list_display = ("created_at", "subject", "object_link", "read_at")
    list_filter = (ReadFilter,)
    search_fields = ("subject",)
    list_select_related = ("project",)
    show_full_result_count = False
    fields = ("subject", "body", "project", "source", "created_at", "read_at")
    readonly_fields = fields
    actions = ["mark_read"]

    def get_queryset(self, request):
        # Own only, superusers included: a notification is personal.
        return notifications.notification_list_for(request.user)

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "subtitle": _("%(n)d unread") % {"n": notifications.unread_count(request.user)},
        }
        return super().changelist_view(request, extra_context=extra_context)

    @admin.display(description=_("about"))
    def object_link(self, obj):
        url = notifications.notification_url(obj)
        if not url:
            return self.get_empty_value_display()
        return format_html('<a href="{}">{}</a>', url, obj.project.title)

    @admin.action(description=_("Mark selected notifications read"))
    def mark_read(self, request, queryset):
        count = 0
        for notification in queryset.filter(read_at__isnull=True):
            notifications.notification_mark_read(notification=notification, user=request.user)
            count += 1
        self.message_user(
            request,
            ngettext("%(n)d notification marked read.", "%(n)d notifications marked read.", count)
            % {"n": count},
            messages.SUCCESS,
        )

    def has_module_permission(self, request):
        return is_member(request.user)

    def has_view_permission(self, request, obj=None):
        if not (is_member(request.user)):
            return False
        return obj is None or obj.recipient_id == request.user.pk

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
