"""The finished-cut review in the admin: its steps with the decision form and the platform's report
export, the producer's checklist confirmations, and losses (the checklists: ``checklists``).

Every change goes through ``reviews.services.finals``; a refusal is shown, never a 500.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import ValidationError
from django.db.models import BooleanField, ExpressionWrapper, Q
from django.http import HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from common.errors import DomainError
from common.spreadsheets import csv_text
from reviews.admin.filings import DecisionForm
from reviews.admin.forms import DecisionAdminMixin, parse_finding
from reviews.api.finals import PlatformReportRowSerializer
from reviews.models import (
    ChecklistConfirmation,
    ChecklistItem,
    FinalReview,
    ProjectLoss,
    RegulatoryReview,
)
from reviews.selectors import finals as selectors
from reviews.services import checklists
from reviews.services import finals as services
from workflow.admin import SaveRefused, SavesThroughServices, ScopedModelAdmin, error_text
from workflow.admin.common import ReadOnlyScopedAdmin, is_member
from workflow.models import Membership
from workflow.selectors import organisations_of, project_list_for


class DecidedAtFilter(admin.DateFieldListFilter):
    """The "decided at" filter, refusing (as the admin refuses a bad filter) a day outside the
    report's years instead of failing on it (year 1 cannot be moved to UTC)."""

    def queryset(self, request, queryset):
        for name, value in self.used_parameters.items():
            if name.endswith("__isnull"):
                continue
            for raw in value if isinstance(value, list) else [value]:
                try:
                    moment = forms.DateTimeField().to_python(raw)
                    if moment is not None:
                        selectors.validate_report_day(moment.date())
                except ValidationError as exc:
                    raise IncorrectLookupParameters(exc) from exc
        return super().queryset(request, queryset)


class FinalDecisionForm(DecisionForm):
    filing_number = None
    clearance_number = forms.CharField(
        label=_("Clearance number"),
        required=False,
        max_length=services.CLEARANCE_NUMBER_MAX_LENGTH,
        help_text=_(
            "Required on the approval that completes the review (licence, registration or "
            "platform approval number), e.g. （沪）网剧备字（2026）第015号."
        ),
    )
    expires_on = forms.DateField(
        label=_("Expires on"),
        required=False,
        help_text=_("Optional, with the clearance number: the last day it is valid."),
    )
    field_order = [
        "outcome",
        "clearance_number",
        "expires_on",
        "comment",
        "category",
        "must_fix",
        "suggestions",
    ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["outcome"].choices = [
            (
                services.Outcome.APPROVE,
                _("Approve (the step that completes it records the number)"),
            ),
            (services.Outcome.REQUEST_CHANGES, _("Request changes")),
            (services.Outcome.REJECT, _("Reject (the project is rejected, its loss recorded)")),
        ]
        hint = _(
            "One finding per line: optionally the episode and a timecode, then the finding, "
            "e.g. “12 01:05 Blur the logo.” for episode 12 at 01:05."
        )
        self.fields["must_fix"].help_text = hint

    def items(self) -> list[dict]:
        return [{**item, **parse_finding(item["text"])} for item in super().items()]


@admin.register(FinalReview)
class FinalReviewAdmin(DecisionAdminMixin, ReadOnlyScopedAdmin):
    decision_form = FinalDecisionForm
    decision_title = _("Decide the finished-cut review")
    list_display = (
        "project",
        "step",
        "authority",
        "round",
        "tier",
        "status",
        "filing_number",
        "decided_at",
        "decide_link",
    )
    list_filter = (
        "status",
        "tier",
        ("decided_at", DecidedAtFilter),
        ("authority", admin.RelatedOnlyFieldListFilter),
    )
    search_fields = ("project__title", "filing_number")
    show_full_result_count = False
    actions = ("export_platform_report",)
    fields = (
        "project",
        "step",
        "authority",
        "sequence",
        "round",
        "tier",
        "status",
        "filing_number",
        "comment",
        "decided_by_display",
        "decided_at",
        "decide_link",
        "created_at",
    )
    readonly_fields = fields

    def get_queryset(self, request):
        deciders = selectors.decider_authority_ids_of(request.user)
        return selectors.final_review_list_for(request.user).annotate(
            may_decide=ExpressionWrapper(Q(authority_id__in=deciders), output_field=BooleanField())
        )

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not selectors.report_platforms_of(request.user):
            actions.pop("export_platform_report", None)
        return actions

    @admin.display(description=_("step"))
    def step(self, obj):
        return services.step_name(obj.sequence, obj.authority.name)

    @admin.display(description=_("decided by"))
    def decided_by_display(self, obj):
        return obj.decided_by.get_username() if obj.decided_by else self.get_empty_value_display()

    @admin.display(description=_("decision"))
    def decide_link(self, obj):
        if obj.status != RegulatoryReview.Status.PENDING or not obj.may_decide:
            return self.get_empty_value_display()
        if obj.waiting_for_earlier_step:
            return _("waiting for an earlier step")
        url = reverse("admin:reviews_finalreview_decide", args=[obj.pk])
        return format_html('<a class="button" href="{}">{}</a>', url, _("Decide"))

    def may_decide(self, user, obj) -> bool:
        return services.may_decide(user, obj.authority)

    def decide(self, obj, *, actor, form) -> None:
        data = form.cleaned_data
        services.final_review_decide(
            review=obj,
            actor=actor,
            outcome=data["outcome"],
            clearance_number=data["clearance_number"],
            expires_on=data["expires_on"],
            comment=data["comment"],
            items=form.items(),
        )

    def decision_summary(self, obj) -> list[tuple]:
        return [
            (_("project"), obj.project.title),
            (_("step"), services.step_name(obj.sequence, obj.authority.name)),
            (_("tier"), obj.get_tier_display()),
            (_("round"), obj.round),
        ]

    @admin.action(
        description=_("Export the platform's report (selected titles it reviewed) as CSV"),
        permissions=["view"],
    )
    def export_platform_report(self, request, queryset):
        """Filter by "decided at" for the period, select all, export: only the platform's own
        decided reviews are written, as in the API's report."""
        platform_ids = [p.pk for p in selectors.report_platforms_of(request.user)]
        rows = selectors.platform_report(platform_ids).filter(pk__in=queryset.values("pk"))
        header = [
            _("platform"),
            _("project id"),
            _("title"),
            _("producer company"),
            _("episode count"),
            _("round"),
            _("outcome"),
            _("approval number"),
            _("decided by"),
            _("decided at"),
        ]
        data = PlatformReportRowSerializer(rows, many=True).data
        response = HttpResponse(
            csv_text(header, (row.values() for row in data)),
            content_type="text/csv; charset=utf-8",
        )
        response["Content-Disposition"] = 'attachment; filename="platform-report.csv"'
        return response


# Compliance checklists -------------------------------------------------------------------------


class ConfirmationForm(forms.ModelForm):
    class Meta:
        model = ChecklistConfirmation
        fields = ("project", "item", "reference")


@admin.register(ChecklistConfirmation)
class ChecklistConfirmationAdmin(SavesThroughServices, ScopedModelAdmin):
    """Producers confirm items here (add) and withdraw a confirmation (delete)."""

    form = ConfirmationForm
    list_display = (
        "project",
        "item",
        "checklist_display",
        "reference",
        "confirmed_by",
        "confirmed_at",
    )
    list_filter = ("item__checklist",)
    search_fields = ("project__title", "item__label")
    actions = None

    def get_queryset(self, request):
        return selectors.checklist_confirmation_list_for(request.user)

    def _is_producer(self, request) -> bool:
        return bool(organisations_of(request.user, role=Membership.Role.PRODUCER))

    def has_module_permission(self, request):
        return is_member(request.user)

    def has_view_permission(self, request, obj=None):
        return is_member(request.user)

    def has_add_permission(self, request):
        return self._is_producer(request)

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return self._is_producer(request) and (
            obj is None or obj.project.producer_id in self._producer_ids(request)
        )

    def _producer_ids(self, request) -> set[int]:
        return {o.pk for o in organisations_of(request.user, role=Membership.Role.PRODUCER)}

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "project":
            kwargs["queryset"] = project_list_for(request.user).filter(
                producer_id__in=self._producer_ids(request),
                state__in=checklists.CHECKLIST_OPEN_STATES,
            )
        elif db_field.name == "item":
            kwargs["queryset"] = ChecklistItem.objects.filter(
                checklist__is_active=True
            ).select_related("checklist", "checklist__authority")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.display(description=_("checklist"))
    def checklist_display(self, obj):
        return str(obj.item.checklist)

    def save_model(self, request, obj, form, change):
        try:
            saved = checklists.checklist_item_confirm(
                project=obj.project, item=obj.item, actor=request.user, reference=obj.reference
            )
        except (DomainError, ValidationError) as exc:
            raise SaveRefused(error_text(exc)) from exc
        obj.pk = saved.pk
        obj._state.adding = False

    def delete_model(self, request, obj):
        try:
            checklists.checklist_item_unconfirm(confirmation=obj, actor=request.user)
        except (DomainError, ValidationError) as exc:
            raise SaveRefused(error_text(exc)) from exc

    def delete_view(self, request, object_id, extra_context=None):
        try:
            return super().delete_view(request, object_id, extra_context)
        except SaveRefused as refused:
            self.message_user(request, refused.message, messages.ERROR)
            return HttpResponseRedirect(reverse("admin:reviews_checklistconfirmation_changelist"))


@admin.register(ProjectLoss)
class ProjectLossAdmin(ReadOnlyScopedAdmin):
    list_display = ("project", "amount", "authority", "recorded_at")
    search_fields = ("project__title",)
    fields = ("project", "amount", "review", "recorded_at", "note")
    readonly_fields = fields

    def get_queryset(self, request):
        return selectors.project_loss_list_for(request.user)

    @admin.display(description=_("authority"))
    def authority(self, obj):
        return obj.review.authority
