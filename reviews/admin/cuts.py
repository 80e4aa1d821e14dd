"""Cut rounds in the admin: the producer delivers a cut (the "add" page), the content manager adds
findings and sets episode outcomes on the round under review. Everything goes through
``reviews.services.cuts``; approving or sending back the cut is a transition on the project page.
"""

import re

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError
from django.db.models import BooleanField, ExpressionWrapper, F, Q
from django.http import Http404, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from common.errors import DomainError
from reviews.admin.forms import add_errors, lines, parse_finding, render_form_page
from reviews.models import CutEpisode, CutSubmission, FeedbackItem
from reviews.models.cuts import cut_summary
from reviews.selectors.cuts import cut_submission_list_for
from reviews.services import cuts as services
from workflow.admin.common import (
    CSVExportMixin,
    ReadOnlyInline,
    ReadOnlyScopedAdmin,
    state_badge,
)
from workflow.models import Membership, ProjectState
from workflow.permissions import CONTENT_MANAGER
from workflow.selectors import organisations_of, project_list_for
from workflow.services import COMMENT_MAX_LENGTH

S = ProjectState
DURATION = re.compile(r"^(?:([0-9]{1,3}):)?([0-9]{1,5})$")
RANGE = re.compile(r"^([0-9]{1,5})(?:\s*-\s*([0-9]{1,5}))?$")


def _seconds(text: str) -> int | str:
    match = DURATION.match(text)
    if not match:
        return text  # the service names the field
    minutes, seconds = match.groups()
    return int(minutes or 0) * 60 + int(seconds)


def parse_episode_lines(text: str) -> list[dict]:
    """One line per episode, in order: ``reference duration`` (seconds or M:SS)."""
    episodes = []
    for number, line in enumerate(lines(text), start=1):
        reference, _sep, duration = line.replace(",", " ").strip().rpartition(" ")
        episodes.append(
            {
                "number": number,
                "reference": reference.strip(),
                "duration_seconds": _seconds(duration.strip()),
            }
        )
    return episodes


def parse_numbers(text: str) -> list[int]:
    """``1-5, 7, 9-12`` -> [1, ..., 5, 7, 9, ..., 12]."""
    numbers = []
    for part in filter(None, (p.strip() for p in (text or "").split(","))):
        match = RANGE.match(part)
        if not match:
            raise forms.ValidationError(_("Write episode numbers like 1-5, 7, 9-12."))
        first, last = int(match[1]), int(match[2] or match[1])
        if last < first or last - first > 2000:
            raise forms.ValidationError(
                _("“%(part)s” is not a range of episodes.") % {"part": part}
            )
        numbers.extend(range(first, last + 1))
    return numbers


class DeliveryForm(forms.Form):
    project = forms.ModelChoiceField(label=_("Project"), queryset=None)
    episodes = forms.CharField(
        label=_("Episodes"),
        widget=forms.Textarea(attrs={"rows": 12, "cols": 80}),
        help_text=_(
            "One line per episode, in order from episode 1: its URL or storage key, then its "
            "duration in seconds or M:SS, e.g. “studio-a/dragon/ep01.mp4 1:35”."
        ),
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=COMMENT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("What changed since the last cut, if anything."),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        producers = [o.pk for o in organisations_of(user, role=Membership.Role.PRODUCER)]
        self.fields["project"].queryset = project_list_for(user).filter(
            producer_id__in=producers, state__in=(S.IN_PRODUCTION, S.CUT_CHANGES)
        )


class FindingsForm(forms.Form):
    findings = forms.CharField(
        label=_("Findings"),
        widget=forms.Textarea(attrs={"rows": 6, "cols": 80}),
        help_text=_(
            "One per line: the episode, optionally a timecode, then the finding, e.g. "
            "“12 01:05 The brand logo on the cup must be blurred.”"
        ),
    )
    category = forms.ChoiceField(label=_("Category"), choices=FeedbackItem.Category.choices)
    severity = forms.ChoiceField(
        label=_("Severity"),
        choices=FeedbackItem.Severity.choices,
        widget=forms.RadioSelect,
        initial=FeedbackItem.Severity.MUST_FIX,
    )

    def items(self) -> list[dict]:
        return [
            {
                **parse_finding(line),
                "category": self.cleaned_data["category"],
                "severity": self.cleaned_data["severity"],
            }
            for line in lines(self.cleaned_data["findings"])
        ]


class OutcomeForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Outcome"),
        choices=[
            (CutEpisode.Outcome.APPROVED, CutEpisode.Outcome.APPROVED.label),
            (CutEpisode.Outcome.NEEDS_CHANGES, CutEpisode.Outcome.NEEDS_CHANGES.label),
        ],
        widget=forms.RadioSelect,
        initial=CutEpisode.Outcome.APPROVED,
    )
    episodes = forms.CharField(
        label=_("Episodes"), help_text=_("For example 1-5, 7, 9-12."), max_length=2000
    )

    def clean_episodes(self):
        return parse_numbers(self.cleaned_data["episodes"])


class CutEpisodeInline(ReadOnlyInline):
    model = CutEpisode
    fields = ("number", "reference", "duration_seconds", "outcome")


@admin.register(CutSubmission)
class CutSubmissionAdmin(CSVExportMixin, ReadOnlyScopedAdmin):
    list_display = (
        "project",
        "round",
        "state",
        "summary",
        "must_fix_open",
        "total_duration",
        "submitted_by",
        "created_at",
    )
    list_select_related = ("project", "submitted_by")
    list_filter = ("project__state",)
    search_fields = ("project__title",)
    show_full_result_count = False
    fields = (
        "project",
        "round",
        "summary",
        "must_fix_open",
        "total_duration",
        "note",
        "submitted_by",
        "created_at",
        "review_actions",
        "findings_link",
    )
    readonly_fields = fields
    inlines = (CutEpisodeInline,)

    def get_queryset(self, request):
        reviewing_for = [
            o.pk for o in organisations_of(request.user, role=Membership.Role.CONTENT_MANAGER)
        ]
        return cut_submission_list_for(request.user).annotate(
            may_review=ExpressionWrapper(
                Q(
                    project__state=S.CUT_REVIEW,
                    round=F("project__review_round"),
                    project__platform_id__in=reviewing_for,
                ),
                output_field=BooleanField(),
            )
        )

    def has_add_permission(self, request):
        return bool(organisations_of(request.user, role=Membership.Role.PRODUCER))

    @admin.display(description=_("project state"))
    def state(self, obj):
        return state_badge(obj.project.state)

    @admin.display(description=_("episodes"))
    def summary(self, obj):
        return cut_summary(obj.episode_count, obj.approved_count, obj.needs_changes_count)

    @admin.display(description=_("open must-fix findings"))
    def must_fix_open(self, obj):
        return obj.must_fix_open

    @admin.display(description=_("total duration"))
    def total_duration(self, obj):
        minutes, seconds = divmod(obj.total_duration_seconds, 60)
        return f"{minutes}:{seconds:02d}"

    @admin.display(description=_("findings"))
    def findings_link(self, obj):
        url = reverse("admin:reviews_feedbackitem_changelist")
        return format_html(
            '<a href="{}?cut_submission__id__exact={}">{}</a>',
            url,
            obj.pk,
            _("Findings on this cut"),
        )

    @admin.display(description=_("review"))
    def review_actions(self, obj):
        project = obj.project
        if not obj.may_review:
            return self.get_empty_value_display()
        links = [
            (reverse("admin:reviews_cutsubmission_findings", args=[obj.pk]), _("Add findings")),
            (
                reverse("admin:reviews_cutsubmission_outcomes", args=[obj.pk]),
                _("Set episode outcomes"),
            ),
            (
                reverse("admin:workflow_project_change", args=[project.pk]),
                _("Approve or send back"),
            ),
        ]
        return format_html_join(" ", '<a class="button" href="{}">{}</a>', links)

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<path:object_id>/findings/", view(self.findings_view), name="reviews_cutsubmission_findings"),
            path("<path:object_id>/outcomes/", view(self.outcomes_view), name="reviews_cutsubmission_outcomes"),
            *super().get_urls(),
        ]  # fmt: skip

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise DjangoPermissionDenied
        form = DeliveryForm(request.POST if request.method == "POST" else None, user=request.user)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                submission = services.cut_submit(
                    project=data["project"],
                    actor=request.user,
                    episodes=parse_episode_lines(data["episodes"]),
                    note=data["note"],
                )
            except (DomainError, ValidationError) as exc:
                add_errors(form, _episode_lines(exc))
            else:
                self.message_user(
                    request,
                    _("Round %(round)d's cut is delivered and with the platform.")
                    % {"round": submission.round},
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(
                    reverse("admin:reviews_cutsubmission_change", args=[submission.pk])
                )
        return render_form_page(
            self,
            request,
            obj=None,
            form=form,
            title=_("Deliver a cut"),
            submit_label=_("Deliver and submit"),
        )

    def _round_under_review(self, request, object_id) -> CutSubmission:
        obj = self.get_object(request, object_id)
        if obj is None:
            raise Http404(_("Not found."))
        if not CONTENT_MANAGER(obj.project, request.user):
            raise DjangoPermissionDenied
        return obj

    def _review_form(self, request, object_id, form_class, *, title, submit_label, act):
        obj = self._round_under_review(request, object_id)
        form = form_class(request.POST if request.method == "POST" else None)
        if request.method == "POST" and form.is_valid():
            try:
                message = act(obj, form)
            except (DomainError, ValidationError) as exc:
                add_errors(form, exc)
            else:
                self.message_user(request, message, messages.SUCCESS)
                return HttpResponseRedirect(
                    reverse("admin:reviews_cutsubmission_change", args=[obj.pk])
                )
        return render_form_page(
            self,
            request,
            obj=obj,
            form=form,
            title=title,
            submit_label=submit_label,
            summary=[
                (_("project"), obj.project.title),
                (_("round"), obj.round),
                (_("episodes"), self.summary(obj)),
            ],
        )

    def findings_view(self, request, object_id):
        def act(obj, form):
            created = services.cut_findings_add(
                submission=obj, actor=request.user, items=form.items()
            )
            return _("%(n)d findings added.") % {"n": len(created)}

        return self._review_form(
            request,
            object_id,
            FindingsForm,
            title=_("Add findings on the cut"),
            submit_label=_("Add the findings"),
            act=act,
        )

    def outcomes_view(self, request, object_id):
        def act(obj, form):
            changed = services.cut_episodes_mark(
                submission=obj,
                actor=request.user,
                outcome=form.cleaned_data["outcome"],
                numbers=form.cleaned_data["episodes"],
            )
            return _("%(n)d episodes updated.") % {"n": changed}

        return self._review_form(
            request,
            object_id,
            OutcomeForm,
            title=_("Set episode outcomes"),
            submit_label=_("Save the outcomes"),
            act=act,
        )


def _episode_lines(exc):
    """Name the line of the form, not the list position, in a delivery's field errors."""
    if not (isinstance(exc, ValidationError) and hasattr(exc, "error_dict")):
        return exc
    fields: dict[str, list] = {}
    for field, errors in exc.message_dict.items():
        parts = field.split(".")
        if len(parts) == 3 and parts[0] == "episodes":
            prefix = _("Line %(n)d") % {"n": int(parts[1]) + 1}
            fields.setdefault("episodes", []).extend(f"{prefix}: {e}" for e in errors)
        else:
            fields.setdefault(parts[0], []).extend(errors)
    return ValidationError(fields)
