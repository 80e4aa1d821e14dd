"""Quiet mode rules and the audience feedback page in the admin.

The writing team adds and ends rules; each writer reveals one for themselves with "Show me".
The feedback page of a project (linked from the project page's records) shows the top terms by
distinct authors with raw mentions beside, the rising terms against the previous batch, a filter
form, and which episodes quiet mode still hides from the viewer. Every change goes through
``audience.services.quiet``; every read through ``audience.selectors``.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext_lazy as _

from audience.models import AudienceSignal, QuietRule
from audience.selectors import (
    audience_projects_for,
    is_writing_team,
    writing_team_organisation_ids,
)
from audience.selectors import feedback as feedback_selectors
from audience.selectors.quiet import quiet_locks_for, quiet_rule_list_for
from audience.services import quiet as services
from common.errors import DomainError
from workflow.admin import SaveRefused, SavesThroughServices
from workflow.admin.common import error_text, project_records
from workflow.models import Project

from .common import AudienceAdmin, cite_url

WINDOWS = (
    ("", _("any time")),
    ("24", _("first 24 hours after release")),
    ("72", _("first 72 hours")),
    ("168", _("first 7 days")),
)
TERMS_SHOWN = 30


def _range(rule) -> str:
    if rule.first_episode is None and rule.last_episode is None:
        return str(_("all episodes and test clips"))
    return str(
        _("episodes %(first)s–%(last)s")
        % {"first": rule.first_episode or 1, "last": rule.last_episode or _("the last")}
    )


class QuietRuleForm(forms.ModelForm):
    class Meta:
        model = QuietRule
        fields = ["project", "first_episode", "last_episode", "note"]


class FeedbackFilterForm(forms.Form):
    platform = forms.CharField(label=_("platform"), max_length=40, required=False)
    kind = forms.ChoiceField(
        label=_("kind"),
        choices=[("", _("all kinds")), *AudienceSignal.Kind.choices],
        required=False,
    )
    window = forms.ChoiceField(label=_("time after release"), choices=WINDOWS, required=False)
    early = forms.BooleanField(
        label=_("early commenters only"),
        required=False,
        help_text=_(
            "Authors who commented within %(hours)d hours of a release (all their comments count)."
        )
        % {"hours": feedback_selectors.EARLY_HOURS},
    )
    include_flagged = forms.BooleanField(
        label=_("include flagged signals"),
        required=False,
        help_text=_(
            "Exact duplicates and suspected automated comments are left out unless ticked."
        ),
    )
    batch = forms.IntegerField(
        label=_("batch"),
        min_value=2,
        max_value=32767,
        required=False,
        help_text=_("Rising terms: this batch against the one before (the latest by default)."),
    )


@admin.register(QuietRule)
class QuietRuleAdmin(SavesThroughServices, AudienceAdmin):
    form = QuietRuleForm
    list_display = ("project", "range_display", "active", "note", "created_by", "created_at")
    list_filter = ("active", ("project", admin.RelatedOnlyFieldListFilter))
    list_select_related = ("project", "created_by")
    search_fields = ("project__title", "note")
    actions = ["end_rules"]

    def get_queryset(self, request):
        return quiet_rule_list_for(request.user)

    # Permissions: the audience scope; the services decide each change.

    def has_add_permission(self, request):
        return bool(writing_team_organisation_ids(request.user))

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "project":
            kwargs["queryset"] = Project.objects.filter(
                producer_id__in=writing_team_organisation_ids(request.user)
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    # Columns.

    @admin.display(description=_("locked"))
    def range_display(self, obj):
        return _range(obj)

    def get_list_display(self, request):
        user = request.user

        @admin.display(description=_("for you"))
        def for_you(rule):
            if not rule.active or not is_writing_team(user, rule.project):
                return "—"
            if rule.revealed_by_you:
                return _("You revealed it.")
            # Inside the changelist's form (which carries the CSRF token): post it elsewhere.
            return format_html(
                '<button type="submit" class="button" formaction="{}" formmethod="post">{}</button>',
                reverse("admin:audience_quietrule_reveal", args=[rule.pk]),
                _("Show me"),
            )

        return (*self.list_display, for_you)

    # Saving and actions: through the services.

    def save_model(self, request, obj, form, change):
        try:
            saved = services.quiet_rule_create(
                project=form.cleaned_data["project"],
                actor=request.user,
                first_episode=form.cleaned_data.get("first_episode"),
                last_episode=form.cleaned_data.get("last_episode"),
                note=form.cleaned_data.get("note") or "",
            )
        except (DomainError, ValidationError) as exc:
            raise SaveRefused(error_text(exc)) from exc
        obj.pk, obj.created_by = saved.pk, saved.created_by
        obj.created_at, obj.updated_at = saved.created_at, saved.updated_at
        obj._state.adding = False
        obj._state.db = saved._state.db

    @admin.action(description=_("End the selected rules (the whole team sees the episodes)"))
    def end_rules(self, request, queryset):
        ended = 0
        for rule in queryset.filter(active=True):
            try:
                services.quiet_rule_end(rule=rule, actor=request.user)
            except DomainError as exc:
                self.message_user(request, f"{rule}: {error_text(exc)}", messages.ERROR)
            else:
                ended += 1
        if ended:
            self.message_user(
                request, _("Ended %(n)d quiet mode rules.") % {"n": ended}, messages.SUCCESS
            )

    # Pages.

    def get_urls(self):
        return [
            path(
                "feedback/",
                self.admin_site.admin_view(self.feedback_view),
                name="audience_feedback",
            ),
            path(
                "<path:object_id>/reveal/",
                self.admin_site.admin_view(self.reveal_view),
                name="audience_quietrule_reveal",
            ),
            *super().get_urls(),
        ]

    def reveal_view(self, request, object_id):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        rule = (
            self.get_queryset(request).filter(pk=object_id).first()
            if object_id.isascii() and object_id.isdigit()
            else None
        )
        if rule is None:
            raise Http404(_("Not found."))
        try:
            services.quiet_rule_reveal(rule=rule, actor=request.user)
        except DomainError as exc:
            self.message_user(request, error_text(exc), messages.ERROR)
        else:
            self.message_user(
                request,
                _(
                    "Quiet mode no longer hides %(range)s from you; the rest of the team still "
                    "does not see them."
                )
                % {"range": _range(rule)},
                messages.SUCCESS,
            )
        target = request.POST.get("next", "")
        if not url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            target = reverse("admin:audience_quietrule_changelist")
        return HttpResponseRedirect(target)

    def feedback_view(self, request):
        if not self.has_module_permission(request):
            raise Http404(_("Not found."))
        raw = request.GET.get("project__id__exact") or request.GET.get("project") or ""
        projects = audience_projects_for(request.user)
        project = projects.filter(pk=raw).first() if raw.isascii() and raw.isdigit() else None
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Audience feedback"),
        }
        if project is None:
            if raw:
                raise Http404(_("Not found."))
            context["projects"] = projects.order_by("title")[:200]
            return TemplateResponse(request, "admin/audience/feedback.html", context)
        form = FeedbackFilterForm(request.GET or None)
        params = form.cleaned_data if form.is_valid() else {}
        quiet = quiet_locks_for(request.user, project_ids=[project.pk])
        f = feedback_selectors.FeedbackFilter(
            project=project,
            platform=params.get("platform") or None,
            kind=params.get("kind") or None,
            window_hours=int(params["window"]) if params.get("window") else None,
            early=bool(params.get("early")),
            include_flagged=bool(params.get("include_flagged")),
            quiet=quiet,
        )
        batch = params.get("batch") or feedback_selectors.latest_batch_with_signals(project)
        rising = None
        if batch and batch >= 2:
            rising = feedback_selectors.rising_terms(f, batch=batch, limit=TERMS_SHOWN)
        here = request.get_full_path()
        context.update(
            project=project,
            title=_("Audience feedback: %(project)s") % {"project": project.title},
            form=form,
            top=feedback_selectors.top_terms(f, limit=TERMS_SHOWN),
            rising=rising,
            batch=batch,
            min_authors=feedback_selectors.RISING_MIN_AUTHORS,
            locks=[
                {
                    "range": _range(lock),
                    "reveal_url": reverse("admin:audience_quietrule_reveal", args=[lock.rule_id]),
                }
                for lock in quiet.for_project(project.pk)
            ],
            here=here,
            project_url=reverse("admin:workflow_project_change", args=[project.pk]),
            signals_url=reverse("admin:audience_audiencesignal_changelist")
            + "?"
            + urlencode({"project__id__exact": project.pk, "flagged": "no"}),
            cite_url=(cite_url(project.pk) if is_writing_team(request.user, project) else None),
        )
        return TemplateResponse(request, "admin/audience/feedback.html", context)


project_records(_("Audience feedback"), "admin:audience_feedback", order=145)
project_records(_("Quiet mode"), "admin:audience_quietrule_changelist", order=146)
