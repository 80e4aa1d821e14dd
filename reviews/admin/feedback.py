"""Feedback items in the admin: listed per project, answered by the producer through a form,
reopened by whoever raised them (or a content manager) through an action. Both call the
services in ``reviews.services.feedback``."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from common.errors import DomainError
from reviews.admin.forms import add_errors, render_form_page
from reviews.models import FeedbackItem
from reviews.selectors.feedback import feedback_item_list_for
from reviews.services import feedback as services
from workflow.admin import ScopedModelAdmin, error_text, is_member
from workflow.admin.common import CSVExportMixin
from workflow.permissions import PRODUCER


class ResponseForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Answer"),
        choices=[
            (FeedbackItem.Status.ADDRESSED, _("Addressed")),
            (FeedbackItem.Status.DECLINED, _("Declined")),
        ],
        widget=forms.RadioSelect,
        help_text=_("A declined must-fix item still keeps the proposal from being resubmitted."),
    )
    response = forms.CharField(
        label=_("Response"),
        max_length=services.RESPONSE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What was changed, or why not."),
    )


@admin.register(FeedbackItem)
class FeedbackItemAdmin(CSVExportMixin, ScopedModelAdmin):
    list_display = (
        "short_text",
        "project",
        "stage",
        "round",
        "severity",
        "category",
        "episode",
        "timecode",
        "status",
        "respond_link",
    )
    list_filter = (
        "status",
        "severity",
        "stage",
        "category",
        "round",
        ("project", admin.RelatedOnlyFieldListFilter),
    )
    search_fields = ("text", "response", "project__title")
    list_select_related = ("project", "created_by", "resolved_by")
    show_full_result_count = False
    actions = ("reopen_items",)

    fields = (
        "project",
        "stage",
        "round",
        "text",
        "category",
        "severity",
        "episode",
        "timecode",
        "status",
        "response",
        "created_by_display",
        "created_at",
        "resolved_by_display",
        "resolved_at",
        "respond_link",
    )
    readonly_fields = fields

    def get_queryset(self, request):
        return feedback_item_list_for(request.user)

    def has_module_permission(self, request):
        return is_member(request.user)

    def has_view_permission(self, request, obj=None):
        return is_member(request.user)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("feedback"))
    def short_text(self, obj):
        return Truncator(obj.text).chars(80)

    @admin.display(description=_("raised by"))
    def created_by_display(self, obj):
        return obj.created_by.get_username()

    @admin.display(description=_("resolved by"))
    def resolved_by_display(self, obj):
        return obj.resolved_by.get_username() if obj.resolved_by else self.get_empty_value_display()

    @admin.display(description=_("answer"))
    def respond_link(self, obj):
        # The project (with producer and platform) comes with the row; the round and state
        # decide whether answering is still possible. Who may answer is checked on the form.
        project = obj.project
        if obj.round != project.review_round or project.state != services.ANSWERED_IN.get(
            obj.stage
        ):
            return self.get_empty_value_display()
        url = reverse("admin:reviews_feedbackitem_respond", args=[obj.pk])
        return format_html('<a class="button" href="{}">{}</a>', url, _("Answer"))

    def get_urls(self):
        return [
            path(
                "<path:object_id>/respond/",
                self.admin_site.admin_view(self.respond_view),
                name="reviews_feedbackitem_respond",
            ),
            *super().get_urls(),
        ]

    def respond_view(self, request, object_id):
        obj = self.get_object(request, object_id)
        if obj is None:
            raise Http404(_("Not found."))
        if not PRODUCER(obj.project, request.user):
            raise DjangoPermissionDenied
        initial = (
            {"status": obj.status, "response": obj.response}
            if obj.status != FeedbackItem.Status.OPEN
            else None
        )
        form = ResponseForm(request.POST if request.method == "POST" else None, initial=initial)
        if request.method == "POST" and form.is_valid():
            try:
                services.feedback_item_respond(
                    item=obj,
                    actor=request.user,
                    status=form.cleaned_data["status"],
                    response=form.cleaned_data["response"],
                )
            except (DomainError, ValidationError) as exc:
                add_errors(form, exc)
            else:
                self.message_user(request, _("Answer recorded."), messages.SUCCESS)
                return HttpResponseRedirect(
                    reverse("admin:reviews_feedbackitem_changelist")
                    + f"?project__id__exact={obj.project_id}"
                )
        return render_form_page(
            self,
            request,
            obj=obj,
            form=form,
            title=_("Answer the feedback"),
            submit_label=_("Record the answer"),
            summary=[
                (_("project"), obj.project.title),
                (_("round"), obj.round),
                (_("severity"), obj.get_severity_display()),
                (_("feedback"), obj.text),
            ],
        )

    @admin.action(description=_("Reopen the selected items"), permissions=["view"])
    def reopen_items(self, request, queryset):
        reopened, refused = 0, []
        for item in queryset:
            try:
                services.feedback_item_reopen(item=item, actor=request.user)
                reopened += 1
            except (DomainError, ValidationError) as exc:
                refused.append(f"“{Truncator(item.text).chars(40)}”: {error_text(exc)}")
        if reopened:
            self.message_user(
                request,
                ngettext("%(n)d item reopened.", "%(n)d items reopened.", reopened)
                % {"n": reopened},
                messages.SUCCESS,
            )
        for message in refused:
            self.message_user(request, message, messages.ERROR)
