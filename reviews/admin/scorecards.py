"""Scorecards in the admin: raters score blind; content managers see them as the evaluation allows."""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.html import format_html
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from common.errors import DomainError
from reviews.admin.evaluations import (
    EMPTY,
    EvaluationScopedAdmin,
    display_value,
    html_table,
)
from reviews.models import Evaluation, Scorecard
from reviews.selectors import evaluations as selectors
from reviews.services import evaluations as services
from reviews.services import scorecards
from workflow.admin import SaveRefused, error_text
from workflow.admin.proposal import ShowsProposalMixin


class ScorecardForm(forms.ModelForm):
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=services.COMMENT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    submit_now = forms.BooleanField(
        label=_("Submit the scorecard"),
        required=False,
        help_text=_(
            "Every criterion must be scored. After submitting you can no longer change it, and "
            "you see the other raters' submitted scorecards."
        ),
    )

    class Meta:
        model = Scorecard
        fields: tuple = ()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["comment"].initial = self.instance.comment

    def place_refusal(self, name, texts):
        """The service's "scores" refusal above the form, and a word next to each criterion
        left blank when the rater asked to submit."""
        placed = [(None, texts)]
        if name == "scores" and self.cleaned_data.get("submit_now"):
            placed += [
                (field, [_("Score this criterion to submit the scorecard.")])
                for field in self.fields
                if field.startswith("criterion_") and self.cleaned_data.get(field) is None
            ]
        return placed


def _criterion_field(criterion) -> str:
    return f"criterion_{criterion.pk}"


@admin.register(Scorecard)
class ScorecardAdmin(ShowsProposalMixin, EvaluationScopedAdmin):
    form = ScorecardForm
    list_display = (
        "project_display",
        "round_display",
        "rater",
        "function",
        "status",
        "overall_display",
        "submitted_at",
    )
    list_filter = ("status", "function")
    search_fields = ("evaluation__project__title",)
    info_fields = ("project_display", "round_display", "rater", "function", "status")

    def get_queryset(self, request):
        return selectors.scorecard_list_for(request.user)

    def proposal_of(self, obj):
        return obj.evaluation.project

    def has_change_permission(self, request, obj=None):
        if obj is None:
            return False
        return (
            obj.rater_id == request.user.pk
            and obj.status == Scorecard.Status.INVITED
            and obj.evaluation.status == Evaluation.Status.OPEN
        )

    def get_fieldsets(self, request, obj=None):
        if obj is not None and self.has_change_permission(request, obj):
            criteria = list(obj.evaluation.rubric.criteria.all())
            return [
                (None, {"fields": self.info_fields}),
                (
                    _("Scores (1 to 10)"),
                    {"fields": (*(_criterion_field(c) for c in criteria), "comment", "submit_now")},
                ),
            ]
        return [(None, {"fields": (*self.info_fields, "scores_panel", "comment_display")})]

    def get_readonly_fields(self, request, obj=None):
        return (*self.info_fields, "scores_panel", "comment_display")

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is not None and self.has_change_permission(request, obj):
            values = {s.criterion_id: s.value for s in obj.scores.all()}
            fields = {}
            for criterion in obj.evaluation.rubric.criteria.all():
                fields[_criterion_field(criterion)] = forms.IntegerField(
                    label=criterion.display_name,
                    min_value=1,
                    max_value=10,
                    required=False,
                    initial=values.get(criterion.pk),
                    help_text=format_lazy(
                        _("{description} (weight {weight})"),
                        description=criterion.display_description,
                        weight=criterion.weight,
                    ),
                )
            kwargs["form"] = type("ScorecardScoringForm", (ScorecardForm,), dict(fields))
            kwargs["fields"] = [*fields, "comment", "submit_now"]
        return super().get_form(request, obj, change, **kwargs)

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        criteria = obj.evaluation.rubric.criteria.all()
        scores = {c.pk: data.get(_criterion_field(c)) for c in criteria}
        service = (
            scorecards.scorecard_submit if data.get("submit_now") else scorecards.scorecard_save
        )
        try:
            service(
                scorecard=obj, actor=request.user, scores=scores, comment=data.get("comment", "")
            )
        except (DomainError, ValidationError) as exc:
            raise SaveRefused(error_text(exc)) from exc

    # Columns and panels.

    @admin.display(description=_("project"), ordering="evaluation__project__title")
    def project_display(self, obj):
        return obj.evaluation.project.title

    @admin.display(description=_("round"))
    def round_display(self, obj):
        return format_html(
            '<a href="{}">{}</a>',
            reverse("admin:reviews_evaluation_change", args=[obj.evaluation_id]),
            obj.evaluation.round,
        )

    @admin.display(description=_("overall score"))
    def overall_display(self, obj):
        if not selectors.scores_visible(obj, obj._viewer):
            return EMPTY
        value = selectors.weighted_overall(obj, list(obj.evaluation.rubric.criteria.all()))
        return EMPTY if value is None else selectors.rounded(value)

    @admin.display(description=_("scores"))
    def scores_panel(self, obj):
        if not selectors.scores_visible(obj, obj._viewer):
            return _("Hidden until the rater submits.")
        values = {s.criterion_id: s.value for s in obj.scores.all()}
        criteria = list(obj.evaluation.rubric.criteria.all())
        rows = [(c.display_name, c.weight, display_value(values.get(c.pk))) for c in criteria]
        overall = selectors.weighted_overall(obj, criteria)
        rows.append(
            (_("Overall (weighted)"), "", EMPTY if overall is None else selectors.rounded(overall))
        )
        return html_table([_("criterion"), _("weight"), _("score")], rows)

    @admin.display(description=_("comment"))
    def comment_display(self, obj):
        if not selectors.scores_visible(obj, obj._viewer):
            return EMPTY
        return obj.comment or EMPTY
