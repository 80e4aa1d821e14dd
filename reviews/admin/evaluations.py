"""The platform evaluation in the admin workspace.

Evaluations: content managers invite raters and decide on the evaluation's page; everyone in
scope sees the progress and the aggregate panel as the blind rule allows
(``reviews.selectors.evaluations``). Scorecards: a rater fills in theirs, a score from 1 to 10
per criterion and a comment, saves and finally submits it. Every change goes through the
services; objects outside the user's scope are 404.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from common.errors import DomainError
from common.values import MONEY
from reviews.models import Evaluation, FeedbackItem, seeded_text
from reviews.selectors import evaluations as selectors
from reviews.selectors import explanations
from reviews.services import evaluations as services
from reviews.services import scorecards
from workflow.admin import (
    SaveRefused,
    SavesThroughServices,
    ScopedModelAdmin,
    error_text,
    is_member,
)
from workflow.admin.proposal import ShowsProposalMixin
from workflow.models import Membership, Organisation
from workflow.visibility import memberships_of

EMPTY = "—"


def evaluation_member(user) -> bool:
    """Producers and platform staff have evaluations; regulators never see them."""
    if not user.is_active:
        return False
    if user.is_superuser:
        return True
    return any(
        m.organisation.kind == Organisation.Kind.PRODUCER
        or m.role in (Membership.Role.CONTENT_MANAGER, Membership.Role.RATER)
        for m in memberships_of(user)
    )


class ViewerChangeList(ChangeList):
    """Tells each row who is looking, so that the columns can apply the blind rule."""

    def get_results(self, request):
        super().get_results(request)
        for obj in self.result_list:
            obj._viewer = request.user


class EvaluationScopedAdmin(SavesThroughServices, ScopedModelAdmin):
    show_full_result_count = False

    def get_changelist(self, request, **kwargs):
        return ViewerChangeList

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is not None:
            obj._viewer = request.user
        return obj

    def has_module_permission(self, request):
        return evaluation_member(request.user)

    def has_view_permission(self, request, obj=None):
        # Any member may ask; the queryset decides, so an object outside the scope is a 404.
        return is_member(request.user)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def log_change(self, request, obj, message):
        return None  # the services keep the record (scorecards, decisions, the project's log)


def html_table(headers, rows):
    head = format_html_join("", "<th>{}</th>", ((h,) for h in headers))
    body = format_html_join(
        "",
        "<tr>{}</tr>",
        ((format_html_join("", "<td>{}</td>", ((cell,) for cell in row)),) for row in rows),
    )
    return format_html("<table><thead><tr>{}</tr></thead><tbody>{}</tbody></table>", head, body)


def display_value(value):
    return EMPTY if value is None else value


# Evaluations ------------------------------------------------------------------------------------


class EvaluationForm(forms.ModelForm):
    invite = forms.ModelMultipleChoiceField(
        label=_("Invite raters"),
        queryset=Membership.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Raters of the platform; members of the producer company are left out."),
    )
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("", _("No decision yet")), *Evaluation.Decision.choices],
        required=False,
    )
    grade = forms.ChoiceField(
        label=_("Grade"), choices=[("", "—"), *Evaluation.Grade.choices], required=False
    )
    granted_budget = forms.DecimalField(
        label=_("Granted budget (CNY)"),
        **MONEY,
        min_value=0,
        required=False,
    )
    traffic_support = forms.DecimalField(
        label=_("Traffic support (CNY)"),
        **MONEY,
        min_value=0,
        required=False,
    )
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=services.REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required to reject; kept in the project's history."),
    )
    must_fix = forms.CharField(
        label=_("Must-fix items"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For a revision request: one item per line."),
    )
    suggestions = forms.CharField(
        label=_("Suggestions"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For a revision request: one item per line."),
    )
    category = forms.ChoiceField(
        label=_("Category of the items"),
        choices=FeedbackItem.Category.choices,
        initial=FeedbackItem.Category.CONTENT,
    )

    class Meta:
        model = Evaluation
        fields: tuple = ()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        evaluation = self.instance
        if evaluation.pk is None:
            return
        invite = self.fields["invite"]
        invite.queryset = selectors.eligible_raters(evaluation)
        invite.label_from_instance = lambda m: (
            f"{m.user.get_full_name() or m.user.get_username()} ({m.get_rater_function_display()})"
        )
        if not evaluation.decision:
            # The form's fields carry the instance's (empty) values; suggest the decision's.
            self.initial["grade"] = selectors.evaluation_aggregate(evaluation).suggested_grade or ""
            self.initial["granted_budget"] = evaluation.project.planned_budget

    def validate_unique(self):
        # A decision's rules (a greenlight has a grade, ...) are checked by the service, which
        # names the field; the model's constraint would only say it was violated.
        pass

    def feedback_items(self) -> list[dict]:
        data = self.cleaned_data
        items = []
        for severity, name in (
            (FeedbackItem.Severity.MUST_FIX, "must_fix"),
            (FeedbackItem.Severity.SUGGESTION, "suggestions"),
        ):
            for line in data.get(name, "").splitlines():
                if line.strip():
                    items.append(
                        {"text": line.strip(), "category": data["category"], "severity": severity}
                    )
        return items


DECISION_FIELDS = (
    "decision",
    "grade",
    "granted_budget",
    "traffic_support",
    "reason",
    "must_fix",
    "suggestions",
    "category",
)


@admin.register(Evaluation)
class EvaluationAdmin(ShowsProposalMixin, EvaluationScopedAdmin):
    form = EvaluationForm
    list_display = (
        "project",
        "round",
        "status",
        "progress_display",
        "overall_display",
        "decision",
        "grade",
        "created_at",
    )
    list_filter = ("status", "decision")
    search_fields = ("project__title",)
    info_fields = ("project", "round", "status", "rubric", "your_scorecard", "decision_display")
    panel_fields = ("progress_panel", "aggregate_panel", "scorecards_panel")
    explanation_fields = ("explanation_panel",)

    def get_queryset(self, request):
        return selectors.evaluation_list_for(request.user)

    def _manages(self, request, obj) -> bool:
        return obj is not None and selectors.viewer_role(obj, request.user) == selectors.MANAGER

    def has_change_permission(self, request, obj=None):
        if obj is None:
            return False
        return self._manages(request, obj) and obj.status == Evaluation.Status.OPEN

    def get_fieldsets(self, request, obj=None):
        fieldsets = [
            (None, {"fields": self.info_fields}),
            (_("Progress and aggregate"), {"fields": self.panel_fields}),
        ]
        if obj is not None and explanations.explains_to(obj, request.user):
            fieldsets.append((_("How it was decided"), {"fields": self.explanation_fields}))
        if self.has_change_permission(request, obj):
            fieldsets += [
                (_("Invite raters"), {"fields": ("invite",)}),
                (_("Decide"), {"fields": DECISION_FIELDS}),
            ]
        return fieldsets

    def get_readonly_fields(self, request, obj=None):
        return (*self.info_fields, *self.panel_fields, *self.explanation_fields)

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        try:
            with transaction.atomic():
                for membership in data.get("invite") or []:
                    scorecards.scorecard_invite(
                        evaluation=obj, rater=membership.user, actor=request.user
                    )
                if data.get("decision"):
                    outcome = services.evaluation_decide(
                        evaluation=obj,
                        actor=request.user,
                        decision=data["decision"],
                        grade=data.get("grade") or None,
                        granted_budget=data.get("granted_budget"),
                        traffic_support=data.get("traffic_support"),
                        reason=data.get("reason", ""),
                        feedback_items=form.feedback_items() or None,
                    )
                    self._report(request, outcome)
        except (DomainError, ValidationError) as exc:
            raise SaveRefused(error_text(exc)) from exc

    def _report(self, request, outcome) -> None:
        if outcome.transition is None:
            self.message_user(
                request,
                format_lazy(
                    _("Greenlight decided. The project stays submitted until: {waiting}"),
                    waiting=" ".join(outcome.waiting_for),
                ),
                messages.WARNING,
            )
        else:
            self.message_user(
                request,
                format_lazy(
                    _("Decided. The project is now {state}."),
                    state=outcome.project.get_state_display(),
                ),
                messages.SUCCESS,
            )

    def response_change(self, request, obj):
        url = reverse("admin:reviews_evaluation_change", args=[obj.pk])
        return HttpResponseRedirect(url)

    # Columns and panels, by the blind rule.

    @admin.display(description=_("scorecards submitted"))
    def progress_display(self, obj):
        if not selectors.sees_submitted_scorecards(obj, obj._viewer):
            return EMPTY
        progress = selectors.evaluation_progress(obj)
        return format_lazy(_("{k} of {n}"), k=progress.submitted, n=progress.invited)

    @admin.display(description=_("overall score"))
    def overall_display(self, obj):
        if not selectors.sees_submitted_scorecards(obj, obj._viewer):
            return EMPTY
        aggregate = selectors.evaluation_aggregate(obj)
        if aggregate.overall is None:
            return EMPTY
        return format_lazy(
            _("{overall} (suggested {grade})"),
            overall=aggregate.overall,
            grade=aggregate.suggested_grade,
        )

    @admin.display(description=_("your scorecard"))
    def your_scorecard(self, obj):
        card = selectors.own_scorecard(obj, obj._viewer)
        if card is None:
            return EMPTY
        return format_html(
            '<a href="{}">{}</a>',
            reverse("admin:reviews_scorecard_change", args=[card.pk]),
            card.get_status_display(),
        )

    @admin.display(description=_("decision"))
    def decision_display(self, obj):
        if obj.status != Evaluation.Status.DECIDED:
            return obj.get_status_display()
        parts = [obj.get_decision_display()]
        if obj.decision == Evaluation.Decision.GREENLIGHT:
            parts.append(
                str(
                    format_lazy(
                        _("grade {grade}, budget {budget} CNY, traffic support {traffic} CNY"),
                        grade=obj.grade,
                        budget=obj.granted_budget,
                        traffic=obj.traffic_support,
                    )
                )
            )
        if obj.reason:
            parts.append(obj.reason)
        return " · ".join(str(p) for p in parts)

    @admin.display(description=_("progress"))
    def progress_panel(self, obj):
        if not selectors.sees_submitted_scorecards(obj, obj._viewer):
            return _("Shown to the content manager, and to raters once they submit.")
        progress = selectors.evaluation_progress(obj)
        rows = [
            (Membership.RaterFunction(f).label, counts["submitted"], counts["invited"])
            for f, counts in progress.by_function.items()
        ]
        rows.append((_("All"), progress.submitted, progress.invited))
        return html_table([_("function"), _("submitted"), _("invited")], rows)

    @admin.display(description=_("aggregate"))
    def aggregate_panel(self, obj):
        if not selectors.sees_submitted_scorecards(obj, obj._viewer):
            return _("Shown to the content manager, and to raters once they submit.")
        aggregate = selectors.evaluation_aggregate(obj)
        if not aggregate.scorecards:
            return _("No scorecard submitted yet.")
        rows = [
            (seeded_text(c.name), c.weight, display_value(c.mean), display_value(c.stdev))
            for c in aggregate.criteria
        ]
        rows.append((_("Overall (weighted)"), "", aggregate.overall, aggregate.stdev))
        summary = format_lazy(
            _("Suggested grade: {grade}. {disagree}"),
            grade=aggregate.suggested_grade,
            disagree=_("The raters disagree.") if aggregate.disagreement else "",
        )
        return format_html(
            '{}<p id="evaluation-aggregate-summary">{}</p>',
            html_table([_("criterion"), _("weight"), _("mean"), _("std. dev.")], rows),
            summary,
        )

    @admin.display(description=_("explanation"))
    def explanation_panel(self, obj):
        explained = explanations.evaluation_explanation(obj)
        bands = [
            (grade, _("from {minimum}").format(minimum=minimum) if minimum else _("below B"))
            for grade, minimum in explained.cutoffs
        ]
        parts = [
            format_html(
                "<p>{}</p>",
                format_lazy(
                    _("Rubric “{name}”, version {version}; {raters} submitted scorecards."),
                    name=explained.rubric,
                    version=explained.version,
                    raters=explained.raters,
                ),
            )
        ]
        if explained.criteria_shown:
            rows = [
                (c.name, c.weight, display_value(c.mean), display_value(c.spread), c.description)
                for c in explained.criteria
            ]
            headers = [_("criterion"), _("weight"), _("mean"), _("std. dev."), _("description")]
            parts.append(html_table(headers, rows))
        else:
            parts.append(
                format_html(
                    "<p>{}</p>",
                    _(
                        "With fewer than {n} raters, the figures per criterion would give away "
                        "each rater's scores: only the weighted score and the grades are shown."
                    ).format(n=explanations.min_raters()),
                )
            )
        parts.append(html_table([_("grade"), _("weighted score")], bands))
        summary = format_lazy(
            _("Weighted score {score}: suggested grade {suggested}; grade given {grade}."),
            score=display_value(explained.weighted_score),
            suggested=explained.suggested_grade or EMPTY,
            grade=explained.grade or EMPTY,
        )
        parts.append(format_html('<p id="evaluation-explanation-summary">{}</p>', summary))
        if explained.grade_differs:
            parts.append(
                format_html("<p>{}</p>", _("The grade given differs from the suggested one."))
            )
        if explained.reason:
            parts.append(
                format_html(
                    "<p>{}</p>",
                    format_lazy(
                        _("The content manager's reason: {reason}"), reason=explained.reason
                    ),
                )
            )
        return format_html_join("", "{}", ((part,) for part in parts))

    @admin.display(description=_("scorecards"))
    def scorecards_panel(self, obj):
        cards = selectors.visible_scorecards(obj, obj._viewer)
        if not cards:
            return EMPTY
        criteria = list(obj.rubric.criteria.all())
        rows = []
        for card in cards:
            values = {s.criterion_id: s.value for s in card.scores.all()}
            overall = selectors.weighted_overall(card, criteria)
            rows.append(
                (
                    card.rater.get_full_name() or card.rater.get_username(),
                    card.get_function_display(),
                    card.get_status_display(),
                    *(display_value(values.get(c.pk)) for c in criteria),
                    EMPTY if overall is None else selectors.rounded(overall),
                    card.comment or EMPTY,
                )
            )
        headers = [
            _("rater"),
            _("function"),
            _("status"),
            *(seeded_text(c.name) for c in criteria),
            _("overall"),
            _("comment"),
        ]
        return html_table(headers, rows)


# Scorecards -------------------------------------------------------------------------------------
