"""Regulatory reviews in the admin: a scoped, read-only list, and the reviewer's decision form.

The decision goes through ``services.regulatory_review_decide``; a refusal is shown on the form.
The form-page helpers live in ``reviews.admin.forms`` (imported here for older callers).
"""

from django import forms
from django.contrib import admin
from django.db.models import BooleanField, ExpressionWrapper, Q
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from reviews.admin.forms import (  # add_errors, render_form_page: for older importers
    DecisionAdminMixin,
    add_errors,  # noqa: F401
    lines,
    render_form_page,  # noqa: F401
)
from reviews.models import FeedbackItem, RegulatoryReview
from reviews.selectors.filings import regulatory_review_list_for, reviewer_authority_ids_of
from reviews.services import filings as services
from workflow.admin import ScopedModelAdmin, is_member
from workflow.services import COMMENT_MAX_LENGTH


class DecisionForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Outcome"), choices=services.Outcome.CHOICES, widget=forms.RadioSelect
    )
    filing_number = forms.CharField(
        label=_("Filing number"),
        required=False,
        max_length=services.FILING_NUMBER_MAX_LENGTH,
        help_text=_("Required to approve, e.g. 沪网剧备字（2025）第0417号."),
    )
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=COMMENT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required to reject. Shown to the producer and in the project's history."),
    )
    category = forms.ChoiceField(
        label=_("Category of the items"),
        choices=FeedbackItem.Category.choices,
        initial=FeedbackItem.Category.COMPLIANCE,
    )
    must_fix = forms.CharField(
        label=_("Must-fix items"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("To request changes: one item per line."),
    )
    suggestions = forms.CharField(
        label=_("Suggestions"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Optional: one suggestion per line."),
    )

    def items(self) -> list[dict]:
        category = self.cleaned_data["category"]
        return [
            {"text": text, "category": category, "severity": severity}
            for field, severity in (
                ("must_fix", FeedbackItem.Severity.MUST_FIX),
                ("suggestions", FeedbackItem.Severity.SUGGESTION),
            )
            for text in lines(self.cleaned_data[field])
        ]


@admin.register(RegulatoryReview)
class RegulatoryReviewAdmin(DecisionAdminMixin, ScopedModelAdmin):
    decision_form = DecisionForm
    decision_title = _("Decide the planning filing")
    list_display = (
        "project",
        "kind",
        "authority",
        "sequence",
        "round",
        "tier",
        "status",
        "filing_number",
        "decided_at",
        "decide_link",
    )
    list_filter = ("status", "kind", "tier", ("authority", admin.RelatedOnlyFieldListFilter))
    search_fields = ("project__title", "filing_number")
    list_select_related = ("project", "authority", "decided_by")
    show_full_result_count = False
    fields = (
        "project",
        "kind",
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
        reviewer_of = reviewer_authority_ids_of(request.user)
        return regulatory_review_list_for(request.user).annotate(
            may_decide=ExpressionWrapper(
                Q(
                    kind=RegulatoryReview.Kind.PLANNING_FILING,
                    status=RegulatoryReview.Status.PENDING,
                    authority_id__in=reviewer_of,
                    waiting_for_earlier_step=False,
                ),
                output_field=BooleanField(),
            )
        )

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

    @admin.display(description=_("decided by"))
    def decided_by_display(self, obj):
        return obj.decided_by.get_username() if obj.decided_by else self.get_empty_value_display()

    @admin.display(description=_("decision"))
    def decide_link(self, obj):
        if not obj.may_decide:
            if obj.status == RegulatoryReview.Status.PENDING and obj.waiting_for_earlier_step:
                return _("waiting for the first check")
            return self.get_empty_value_display()
        url = reverse("admin:reviews_regulatoryreview_decide", args=[obj.pk])
        return format_html('<a class="button" href="{}">{}</a>', url, _("Decide"))

    def may_decide(self, user, obj) -> bool:
        return services.is_reviewer_of(user, obj.authority_id)

    def decide(self, obj, *, actor, form) -> None:
        data = form.cleaned_data
        services.regulatory_review_decide(
            review=obj,
            actor=actor,
            outcome=data["outcome"],
            filing_number=data["filing_number"],
            comment=data["comment"],
            items=form.items(),
        )

    def decision_summary(self, obj) -> list[tuple]:
        return [
            (_("project"), obj.project.title),
            (_("authority"), obj.authority.name),
            (_("tier"), obj.get_tier_display()),
            (_("round"), obj.round),
        ]
