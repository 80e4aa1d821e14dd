"""The project pages: the proposal form, transitions through the service, why-not, history."""

import csv

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.admin.widgets import RelatedFieldWidgetWrapper
from django.core.exceptions import ValidationError
from django.db.models import OuterRef, Subquery
from django.http import HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django_fsm.admin import FSMAdminMixin, FSMTransitionContext

from common.errors import DomainError
from common.money import cny
from common.spreadsheets import safe_cell
from workflow import services, tiers
from workflow.exceptions import UnknownTransition
from workflow.models import (
    Deadline,
    Organisation,
    Project,
    ProjectState,
)
from workflow.permissions import PRODUCER
from workflow.selectors import (
    IRREVERSIBLE_TARGETS,
    decided_by,
    platform_list,
    producer_organisations_of,
    project_list_for,
    transition_names,
    transition_options,
)
from workflow.statechart import statechart_svg

from .common import (
    SaveRefused,
    SavesThroughServices,
    ScopedModelAdmin,
    add_refusal_errors,
    error_text,
    is_member,
    local_datetime,
    project_page_sections,
    project_record_links,
    state_badge,
    transition_labels,
)
from .forms import ProjectForm, TransitionCommentForm

S = ProjectState

# The steps confirmed on their own page, never taken in one click from the project's page.
IRREVERSIBLE_STEPS = frozenset(
    t.name
    for t in Project._meta.get_field("state").get_all_transitions(Project)
    if t.target in IRREVERSIBLE_TARGETS
)

# What the producer's step is called where it also saves the proposal's form.
SAVE_AND = {"submit": _("Save and submit"), "resubmit": _("Save and resubmit")}

CONSEQUENCES = {
    "withdraw": _(
        "The project is withdrawn: it leaves the process for good, its open deadlines and "
        "reviews close, and no one can take another step on it. This cannot be undone."
    ),
    "take_down": _(
        "The title goes offline now and the other side is told why: the comment is the reason "
        "and is required. Only the reviewing authority can reinstate it."
    ),
    "complete": _(
        "The project is completed: its record is closed for good and no further step can be "
        "taken on it. This cannot be undone."
    ),
    "reject": _("The project is rejected: it ends here. This cannot be undone."),
}


def step_consequence(name: str, target: str):
    """What taking step ``name`` does, in words, for its confirmation page."""
    if name in CONSEQUENCES:
        return CONSEQUENCES[name]
    return format_lazy(_("The project moves to {state}."), state=S(target).label)


# Project --------------------------------------------------------------------------------------


WORKFLOW_FIELDS = (
    "state_badge",
    "review_tier",
    "tier_reason_display",
    "tier_changed_at",
    "review_round",
    "submitted_at",
    "created_by",
    "created_at",
    "updated_at",
)


@admin.register(Project)
class ProjectAdmin(SavesThroughServices, FSMAdminMixin, ScopedModelAdmin):
    """Projects: the proposal form, the transition buttons, the "why not" list and the history.

    A transition button posts ``_fsm_transition_to`` (and a comment) with the change form. A user
    who may edit the proposal gets the form saved first, then the transition; anyone else (a
    platform, a regulator, a producer past the proposal) only takes the transition. Both run
    ``services.project_transition``, never the model method directly.
    """

    form = ProjectForm
    fsm_fields = ["state"]
    fsm_comment_param = "_fsm_comment"
    change_form_template = "admin/workflow/project/change_form.html"
    fsm_transition_form_template = "admin/workflow/project/transition_form.html"

    list_display = (
        "title",
        "state_badge",
        "review_tier",
        "next_deadline",
        "producer",
        "platform",
        "updated_at",
    )
    list_filter = (
        "state",
        "review_tier",
        ("producer", admin.RelatedOnlyFieldListFilter),
        ("platform", admin.RelatedOnlyFieldListFilter),
    )
    search_fields = ("title",)
    list_select_related = ("producer", "platform")
    show_full_result_count = False
    actions = ("export_csv",)

    proposal_fieldsets = (
        (
            _("Proposal"),
            {
                "fields": (
                    "title",
                    "logline",
                    "synopsis",
                    "genre_tags",
                    "source",
                    "rights_holder",
                    "episode_count",
                    "episode_length_seconds",
                    "orientation",
                    "producer",
                    "platform",
                )
            },
        ),
        (_("Monetisation"), {"fields": ("monetisation", "free_episodes", "paywall_positions")}),
        (
            _("Budget and review tier"),
            {
                "fields": (
                    "planned_budget",
                    "special_subject",
                    "lead_ad_sales_title",
                    "homepage_promotion",
                    "key_opt_in",
                )
            },
        ),
    )
    workflow_fieldset = (_("Workflow"), {"fields": WORKFLOW_FIELDS})

    # Scope and permissions: memberships, not Django model permissions.

    def get_queryset(self, request):
        # The earliest running deadline's due time, in the same query as the page's projects (a
        # paused clock waits on someone else and its due time is not final).
        next_due = (
            Deadline.objects.filter(
                project=OuterRef("pk"), status=Deadline.Status.OPEN, paused_at__isnull=True
            )
            .order_by("due_at")
            .values("due_at")[:1]
        )
        return project_list_for(request.user).annotate(next_deadline_at=Subquery(next_due))

    def has_module_permission(self, request):
        return is_member(request.user)

    def has_view_permission(self, request, obj=None):
        return is_member(request.user)

    def has_add_permission(self, request):
        return bool(producer_organisations_of(request.user))

    def has_change_permission(self, request, obj=None):
        if obj is None:
            return bool(producer_organisations_of(request.user))
        return obj.is_editable and PRODUCER(obj, request.user)

    def has_delete_permission(self, request, obj=None):
        return False

    # The form.

    # Read-only stand-ins for fields whose default display misleads: Django links a foreign key to
    # the organisation's admin page (which most users may not open) and prints lists as JSON.
    readonly_displays = {
        "planned_budget": "planned_budget_display",
        "producer": "producer_display",
        "platform": "platform_display",
        "genre_tags": "genre_tags_display",
        "paywall_positions": "paywall_positions_display",
    }

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return self.proposal_fieldsets
        if self.has_change_permission(request, obj):
            shown = {"producer": "producer_display"}
        else:
            shown = self.readonly_displays
        return tuple(
            (name, {**options, "fields": tuple(shown.get(f, f) for f in options["fields"])})
            for name, options in (*self.proposal_fieldsets, self.workflow_fieldset)
        )

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if obj is not None:
            readonly += [*self.readonly_displays.values(), *WORKFLOW_FIELDS]
            if not self.has_change_permission(request, obj):
                # Django leaves a form's declared fields in even on a view-only page.
                readonly += [*self.form.declared_fields, *services.PROPOSAL_FIELDS]
        return tuple(dict.fromkeys(readonly))

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "platform":
            kwargs["queryset"] = platform_list()
        elif db_field.name == "producer":
            companies = producer_organisations_of(request.user)
            kwargs["queryset"] = Organisation.objects.filter(pk__in=[c.pk for c in companies])
            if len(companies) == 1:
                kwargs["initial"] = companies[0].pk
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)
        # No "add/change organisation" links next to producer and platform.
        if formfield is not None and isinstance(formfield.widget, RelatedFieldWidgetWrapper):
            formfield.widget = formfield.widget.widget
        return formfield

    @admin.display(description=_("tier reason"))
    def tier_reason_display(self, obj):
        return tiers.reason_display(obj.tier_reason) or "—"

    @admin.display(description=_("state"), ordering="state")
    def state_badge(self, obj):
        return state_badge(obj.state)

    @admin.display(description=_("next deadline"), ordering="next_deadline_at")
    def next_deadline(self, obj):
        due = getattr(obj, "next_deadline_at", None)
        if due is None:
            return self.get_empty_value_display()
        text = local_datetime(due)
        if due < timezone.now():
            return format_html(
                '<strong class="mdprod-overdue" style="color:#b91c1c">{} ({})</strong>',
                text,
                _("overdue"),
            )
        return text

    @admin.display(description=_("planned budget"))
    def planned_budget_display(self, obj):
        return cny(obj.planned_budget)

    @admin.display(description=_("producer company"))
    def producer_display(self, obj):
        return obj.producer.name

    @admin.display(description=_("commissioning platform"))
    def platform_display(self, obj):
        return obj.platform.name

    @admin.display(description=_("genre tags"))
    def genre_tags_display(self, obj):
        return ", ".join(obj.genre_tags) or self.get_empty_value_display()

    @admin.display(description=_("paywall positions"))
    def paywall_positions_display(self, obj):
        return ", ".join(str(p) for p in obj.paywall_positions) or self.get_empty_value_display()

    # Saving: through the services.

    def save_model(self, request, obj, form, change):
        data = {
            name: form.cleaned_data[name]
            for name in services.PROPOSAL_FIELDS
            if name in form.cleaned_data and (not change or name in form.changed_data)
        }
        step = request.POST.get(self.fsm_post_param) if change else None
        try:
            if not change:
                saved = services.project_create(
                    actor=request.user, producer=form.cleaned_data["producer"], data=data
                )
            elif step:
                # "Save and submit": both or neither (a refused step leaves the saved
                # proposal as it was, and the form shows what was typed with the reasons).
                saved = services.project_save_and_transition(
                    project=obj,
                    actor=request.user,
                    data=data,
                    name=step,
                    comment=request.POST.get(self.fsm_comment_param, ""),
                )
                request._mdprod_step_taken = (step, saved)
            elif data:
                saved = services.project_update(project=obj, actor=request.user, data=data)
            else:
                return
        except (DomainError, ValidationError) as exc:
            raise SaveRefused(error_text(exc)) from exc
        # Let the admin's own steps (history entry, redirect) see what the service saved.
        for field in Project._meta.concrete_fields:
            if field.attname != "state":
                setattr(obj, field.attname, getattr(saved, field.attname))
        obj._state.adding = False
        obj._state.db = saved._state.db

    def log_change(self, request, obj, message):
        # A transition posted with an unchanged form is recorded in the project's own history.
        if message:
            return super().log_change(request, obj, message)
        return None

    # Transitions: through the service.

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        step = request.POST.get(self.fsm_post_param) if request.method == "POST" else None
        if step and step not in transition_names():
            self.message_user(request, UnknownTransition().detail, messages.ERROR)
            return self._redirect_to_change_page(request, obj)
        if step in IRREVERSIBLE_STEPS:
            # Never in one click: the confirmation page says what it does; nothing is saved.
            return HttpResponseRedirect(self._transition_url(obj, step))
        if step and not self.has_change_permission(request, obj):
            form = TransitionCommentForm({"comment": request.POST.get(self.fsm_comment_param, "")})
            form.is_valid()
            refused = self._apply_fsm_transition(
                obj=obj, transition_name=step, request=request, kwargs=form.cleaned_data
            )
            if refused is None:
                return self._redirect_to_change_page(request, obj)
            # Refused: the step's page, with the comment as typed and the reasons.
            add_refusal_errors(form, refused)
            return self._transition_page(request, obj, step, form)
        # Not the FSM mixin's change_view: the page's steps come from ``transition_options``.
        return ScopedModelAdmin.change_view(self, request, object_id, form_url, extra_context)

    def response_change(self, request, obj):
        taken = getattr(request, "_mdprod_step_taken", None)
        if taken is None:
            return super(FSMAdminMixin, self).response_change(request, obj)
        self._report_step(request, *taken)
        return self._redirect_to_change_page(request, obj)

    def _transition_url(self, obj, name) -> str:
        return reverse(
            f"admin:{self.opts.app_label}_{self.opts.model_name}_transition",
            args=[obj.pk, name],
            current_app=self.admin_site.name,
        )

    def _redirect_to_change_page(self, request, obj):
        url = reverse(
            f"admin:{self.opts.app_label}_{self.opts.model_name}_change",
            args=[obj.pk],
            current_app=self.admin_site.name,
        )
        preserved = self.get_preserved_filters(request)
        return HttpResponseRedirect(f"{url}?{preserved}" if preserved else url)

    def _apply_fsm_transition(self, *, obj, transition_name, request, kwargs=None):
        """Fire the step through the service; its refusal is returned (None when done)."""
        comment = (kwargs or {}).get("comment")
        if comment is None:
            comment = request.POST.get(self.fsm_comment_param, "")
        try:
            project = services.project_transition(
                project=obj, name=transition_name, actor=request.user, comment=comment
            )
        except (DomainError, ValidationError) as exc:
            return exc
        self._report_step(request, transition_name, project)
        return None

    def _report_step(self, request, name, project) -> None:
        self.message_user(
            request,
            format_lazy(
                _("{transition}: done. The project is now {state}."),
                transition=transition_labels().get(name, name),
                state=project.get_state_display(),
            ),
            messages.SUCCESS,
        )

    def fsm_transition_view(self, request, object_id, transition_name, **kwargs):
        """The page of one step (the mixin's URL ``<id>/transition/<name>/``): what it does, a
        comment, and the button. An irreversible step is taken only from here, confirmed."""
        obj = self.get_object(request, unquote(object_id))
        if obj is None or transition_name not in transition_names():
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        confirmed = (
            transition_name not in IRREVERSIBLE_STEPS or request.POST.get("confirm") == "yes"
        )
        posted = request.method == "POST" and confirmed
        form = TransitionCommentForm(
            request.POST if posted else None, required=transition_name in services.REASON_REQUIRED
        )
        if form.is_valid():
            refused = self._apply_fsm_transition(
                obj=obj, transition_name=transition_name, request=request, kwargs=form.cleaned_data
            )
            if refused is None:
                return self._redirect_to_change_page(request, obj)
            add_refusal_errors(form, refused)
        return self._transition_page(request, obj, transition_name, form)

    def _transition_page(self, request, obj, name, form):
        [option] = [o for o in transition_options(obj, request.user) if o.name == name]
        context = {
            **self.admin_site.each_context(request),
            "title": option.label,
            "subtitle": obj,
            "opts": self.opts,
            "original": obj,
            "transition": FSMTransitionContext(name=name, label=option.label),
            "transition_option": option,
            "transition_form": form,
            "project_state_badge": state_badge(obj.state),
            "target_state_badge": state_badge(option.target),
            "consequence": step_consequence(name, option.target),
            "irreversible": name in IRREVERSIBLE_STEPS,
        }
        return TemplateResponse(request, self.fsm_transition_form_template, context)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if change and obj is not None:
            context.update(self._workflow_context(request, obj))
        return super().render_change_form(request, context, add, change, form_url, obj)

    def _workflow_context(self, request, obj) -> dict:
        # After a refused POST the form has changed ``obj`` in memory; explain the saved project.
        project = obj if request.method == "GET" else self.get_object(request, str(obj.pk)) or obj
        options = transition_options(project, request.user)
        return {
            "project_state_badge": state_badge(project.state),
            "project_statechart": statechart_svg(
                project.state, {option.name for option in options if option.allowed}
            ),
            "project_sections": project_page_sections(project, request.user),
            "transition_options": [
                {
                    "name": option.name,
                    "label": option.label,
                    "target": S(option.target).label,
                    "allowed": option.allowed,
                    "reasons": option.reasons,
                }
                for option in options
            ],
            "next_step": self._next_step(request, project, options),
            "project_records": project_record_links(project),
            "transition_comment_param": self.fsm_comment_param,
            "transition_comment_max_length": services.COMMENT_MAX_LENGTH,
        }

    def _next_step(self, request, project, options) -> dict:
        """The top of the page: the user's steps from here (the ones they may take first, then
        the ones that wait, disabled, with their reasons), the irreversible ones apart and
        behind a confirmation, and what the project waits for from others."""
        edits = self.has_change_permission(request, project)
        primary, irreversible, others, decided = [], [], [], []
        for option in options:
            if not option.from_here:
                continue
            if decided_by(option.name):
                decided.append(option)
                continue
            if not option.yours:
                others.append(option)
                continue
            if option.irreversible:
                irreversible.append(
                    {"option": option, "url": self._transition_url(project, option.name)}
                )
                continue
            # Reasons the form can fix (a missing logline) do not disable "save and submit".
            fixable = edits and all(getattr(r, "field", None) for r in option.reasons)
            primary.append(
                {
                    "option": option,
                    "button": SAVE_AND.get(option.name, option.label) if edits else option.label,
                    "enabled": option.allowed or fixable,
                }
            )
        primary.sort(key=lambda step: not step["enabled"])
        return {
            "primary": primary,
            "irreversible": irreversible,
            "others": others,
            "decided": decided,
            "edits": edits,
            "comment": any(step["enabled"] for step in primary),
        }

    # Export.

    @admin.action(description=_("Export the selected projects as CSV"), permissions=["view"])
    def export_csv(self, request, queryset):
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="projects.csv"'
        response.write("\ufeff")  # so that spreadsheet programs read the Chinese titles as UTF-8
        writer = csv.writer(response)
        writer.writerow(
            [
                str(label)
                for label in (
                    _("id"),
                    _("title"),
                    _("state"),
                    _("review tier"),
                    _("producer company"),
                    _("commissioning platform"),
                    _("planned budget (CNY)"),
                    _("episode count"),
                    _("first submitted at"),
                    _("updated at"),
                    _("next deadline"),
                )
            ]
        )
        for project in queryset.select_related("producer", "platform"):
            writer.writerow(
                [
                    safe_cell(cell)
                    for cell in (
                        project.pk,
                        project.title,
                        project.get_state_display(),
                        project.get_review_tier_display(),
                        project.producer.name,
                        project.platform.name,
                        project.planned_budget,
                        project.episode_count,
                        _local_iso(project.submitted_at),
                        _local_iso(project.updated_at),
                        _local_iso(getattr(project, "next_deadline_at", None)),
                    )
                ]
            )
        return response


def _local_iso(moment) -> str:
    return timezone.localtime(moment).isoformat(timespec="seconds") if moment else ""
