"""Budgets (with their lines and the cost-allocation report) and tier policies.

Scoped like the workflow's admin: members see what their organisations may see, objects outside
are 404, and permissions come from memberships, not Django model permissions. Lines are edited in
the budget page's inline, and every change is made by ``budgets.services`` (``save_formset``
calls ``budget_lines_edit``): the admin's own transaction makes the page's changes
all-or-nothing, and a refusal is shown as a message. Submit, approve and reopen are buttons on
the budget page.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from budgets import selectors, services
from budgets.models import Budget, BudgetLine, TierPolicy
from common.errors import DomainError
from common.money import cny
from workflow.admin import (
    DeletesThroughServices,
    SaveRefused,
    SavesThroughServices,
    ScopedModelAdmin,
    error_text,
    is_member,
)
from workflow.admin.common import SectionTable, project_records, project_section
from workflow.models import Project
from workflow.selectors import producer_organisations_of, project_list_for

ACTION_PARAM = "_budget_action"
FLAGGED_STYLE = ' style="color:#b91c1c;font-weight:600"'
BUDGET_ACTIONS = {
    "submit": (services.budget_submit, _("Submit to the platform")),
    "approve": (services.budget_approve, _("Approve")),
    "reopen": (services.budget_reopen, _("Reopen as draft")),
}


_money = cny  # the one exact form (common.money)


def _percent(value) -> str:
    return "—" if value is None else f"{value * 100:.1f} %"


class BudgetLineInline(admin.TabularInline):
    model = BudgetLine
    fields = ("category", "description", "planned", "actual")
    extra = 0

    def _budget_editable(self, request, obj) -> bool:
        return obj is not None and services.budget_lines_editable(obj, request.user)

    def has_view_permission(self, request, obj=None):
        return is_member(request.user)

    def has_add_permission(self, request, obj=None):
        return self._budget_editable(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._budget_editable(request, obj) or (
            obj is not None and services.budget_actuals_editable(obj, request.user)
        )

    def has_delete_permission(self, request, obj=None):
        return self._budget_editable(request, obj)

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and not services.budget_lines_editable(obj, request.user):
            if services.budget_actuals_editable(obj, request.user):
                return ("category", "description", "planned")
            return self.fields
        return ()

    def get_extra(self, request, obj=None, **kwargs):
        return 1 if self._budget_editable(request, obj) and not obj.lines.exists() else 0


class BudgetAddForm(forms.ModelForm):
    class Meta:
        model = Budget
        fields = ("project",)


@admin.register(Budget)
class BudgetAdmin(SavesThroughServices, ScopedModelAdmin):
    list_display = (
        "project",
        "status",
        "planned_total_display",
        "actual_total_display",
        "line_count_display",
        "cast_share_display",
        "updated_at",
    )
    list_filter = ("status",)
    search_fields = ("project__title",)
    list_select_related = ("project",)
    show_full_result_count = False
    inlines = (BudgetLineInline,)
    change_fields = (
        "project",
        "project_tier",
        "status",
        "submitted_at",
        "approved_at",
        "approved_by",
        "planned_total_display",
        "actual_total_display",
        "report_display",
    )

    def get_queryset(self, request):
        visible = project_list_for(request.user).values("pk")
        return selectors.with_totals(Budget.objects.filter(project__in=visible)).select_related(
            "project", "project__producer", "project__platform", "approved_by"
        )

    # Permissions: memberships.

    def has_module_permission(self, request):
        return is_member(request.user)

    def has_view_permission(self, request, obj=None):
        return is_member(request.user)

    def has_add_permission(self, request):
        return bool(producer_organisations_of(request.user))

    def has_change_permission(self, request, obj=None):
        if obj is None:
            return bool(producer_organisations_of(request.user))
        return services.budget_lines_editable(
            obj, request.user
        ) or services.budget_actuals_editable(obj, request.user)

    def has_delete_permission(self, request, obj=None):
        return False

    # Forms.

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = BudgetAddForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request, obj=None):
        return ("project",) if obj is None else self.change_fields

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else self.change_fields

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else ()

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "project":
            companies = [c.pk for c in producer_organisations_of(request.user)]
            kwargs["queryset"] = Project.objects.filter(
                producer_id__in=companies,
                state__in=services.PLANNING_STATES,
                budget__isnull=True,
            )
        formfield = super().formfield_for_foreignkey(db_field, request, **kwargs)
        return formfield

    # Displays.

    @admin.display(description=_("planned total (CNY)"), ordering="planned_total")
    def planned_total_display(self, obj):
        return _money(obj.planned_total)

    @admin.display(description=_("actual total (CNY)"), ordering="actual_total")
    def actual_total_display(self, obj):
        return _money(obj.actual_total)

    @admin.display(description=_("lines"), ordering="line_count")
    def line_count_display(self, obj):
        return obj.line_count

    @admin.display(description=_("cast-fee share"))
    def cast_share_display(self, obj):
        share = selectors.share(obj.cast_planned, obj.planned_total)
        limit = selectors.cast_fee_share_limit()
        if selectors.cast_share_exceeds(obj.cast_planned, obj.planned_total, limit):
            return format_html(
                '<strong style="color:#b91c1c">{} ⚠ &gt; {}</strong>',
                _percent(share),
                _percent(limit),
            )
        return _percent(share)

    @admin.display(description=_("review tier"))
    def project_tier(self, obj):
        project = obj.project
        if not project.review_tier:
            return _("Not yet fixed (the proposal is not submitted).")
        changed = ""
        if project.tier_changed_at:
            changed = _(" (changed after submission)")
        return format_html(
            "{}: {}{}", project.get_review_tier_display(), project.tier_reason, changed
        )

    @admin.display(description=_("cost-allocation report"))
    def report_display(self, obj):
        report = selectors.budget_report(obj)
        if not report.categories:
            return _("No lines yet.")
        rows = format_html_join(
            "",
            '<tr{}><td>{}</td><td style="text-align:right">{}</td>'
            '<td style="text-align:right">{}</td><td style="text-align:right">{}</td></tr>',
            (
                (
                    mark_safe(FLAGGED_STYLE) if row.flagged else "",  # noqa: S308 - a constant  # nosec B308, B703
                    row.label,
                    _money(row.planned),
                    _money(row.actual),
                    _percent(row.share),
                )
                for row in report.categories
            ),
        )
        warning = ""
        if report.cast_fee_share_exceeded:
            warning = format_html(
                '<p style="color:#b91c1c;font-weight:600">{}</p>',
                _("Cast fees are %(share)s of the planned total, above the %(limit)s limit.")
                % {
                    "share": _percent(report.cast_fee_share),
                    "limit": _percent(report.cast_fee_share_limit),
                },
            )
        return format_html(
            '<table class="mdprod-report"><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th>'
            "</tr></thead><tbody>{}</tbody><tfoot><tr><th>{}</th>"
            '<th style="text-align:right">{}</th><th style="text-align:right">{}</th>'
            '<th style="text-align:right">100.0 %</th></tr></tfoot></table>{}',
            _("category"),
            _("planned (CNY)"),
            _("actual (CNY)"),
            _("share of planned"),
            rows,
            _("total"),
            _money(report.planned_total),
            _money(report.actual_total),
            warning,
        )

    # Saving: through the services.

    def save_model(self, request, obj, form, change):
        if change:
            return  # every budget field is read-only; lines are saved by save_formset
        try:
            saved = services.budget_create(project=form.cleaned_data["project"], actor=request.user)
        except (DomainError, ValidationError) as exc:
            raise SaveRefused(error_text(exc)) from exc
        obj.pk = saved.pk
        obj.created_at, obj.updated_at = saved.created_at, saved.updated_at
        obj._state.adding = False
        obj._state.db = saved._state.db

    def save_formset(self, request, form, formset, change):
        """The inline's additions, changes and deletions as one service call (one re-route)."""
        add, update, remove = [], [], []
        for line_form in formset.deleted_forms:
            if line_form.instance.pk:
                remove.append(line_form.instance)
        for line_form in formset.forms:
            if line_form in formset.deleted_forms or not line_form.has_changed():
                continue
            data = {
                name: line_form.cleaned_data[name]
                for name in services.LINE_FIELDS
                if name in line_form.cleaned_data
            }
            if line_form.instance.pk is None:
                add.append(data)
            else:
                changed = {n: v for n, v in data.items() if n in line_form.changed_data}
                update.append((line_form.instance, changed))
        try:
            saved = services.budget_lines_edit(
                budget=form.instance, actor=request.user, add=add, update=update, remove=remove
            )
        except (DomainError, ValidationError) as exc:
            raise SaveRefused(error_text(exc)) from exc
        # What formset.save() would record, for the admin's change message.
        formset.changed_objects = [
            (line, list(data)) for line, (_old, data) in zip(saved, update, strict=False)
        ]
        formset.new_objects = saved[len(update) :]
        formset.deleted_objects = remove

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if change and obj is not None:
            context["budget_action_param"] = ACTION_PARAM
            context["budget_actions"] = [
                {"name": name, "label": BUDGET_ACTIONS[name][1]}
                for name in services.budget_actions_for(obj, request.user)
            ]
        return super().render_change_form(request, context, add, change, form_url, obj)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        name = request.POST.get(ACTION_PARAM) if request.method == "POST" else None
        if name is None:
            return super().change_view(request, object_id, form_url, extra_context)
        obj = self.get_object(request, unquote(object_id))
        if obj is None or name not in BUDGET_ACTIONS:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        service, label = BUDGET_ACTIONS[name]
        try:
            budget = service(budget=obj, actor=request.user)
        except (DomainError, ValidationError) as exc:
            self.message_user(request, error_text(exc), messages.ERROR)
        else:
            self.message_user(
                request,
                _("%(action)s: done. The budget is now %(status)s.")
                % {"action": label, "status": budget.get_status_display().lower()},
                messages.SUCCESS,
            )
        return HttpResponseRedirect(request.get_full_path())


# Tier policies: public rules, edited by superusers --------------------------------------------


class TierPolicyForm(forms.ModelForm):
    class Meta:
        model = TierPolicy
        fields = "__all__"  # noqa: DJ007 - every term of the policy is edited here

    def clean_province(self):
        province = self.cleaned_data["province"]
        was_national = self.instance.pk is not None and self.instance.province == ""
        if (
            province
            and was_national
            and not TierPolicy.objects.filter(province="").exclude(pk=self.instance.pk).exists()
        ):
            raise ValidationError(services.LastNationalPolicy.default_detail)
        return province


@admin.register(TierPolicy)
class TierPolicyAdmin(DeletesThroughServices, ScopedModelAdmin):
    """Superusers edit the policies; deleting goes through ``tier_policy_delete``, which keeps
    one national row."""

    form = TierPolicyForm
    list_display = (
        "__str__",
        "province",
        "effective_from",
        "key_threshold",
        "ordinary_threshold",
        "special_subject_is_key",
        "lead_ad_sales_is_key",
        "homepage_is_key",
        "opt_in_allowed",
    )
    list_filter = ("province",)
    ordering = ("province", "-effective_from")

    def has_module_permission(self, request):
        return is_member(request.user)

    def has_view_permission(self, request, obj=None):
        return is_member(request.user)

    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser

    def delete_model(self, request, obj):
        self.delete_queryset(request, [obj])

    def delete_queryset(self, request, queryset):
        try:
            services.tier_policy_delete(
                policy_ids=[policy.pk for policy in queryset], actor=request.user
            )
        except (DomainError, ValidationError) as exc:
            raise SaveRefused(error_text(exc)) from exc


project_records(_("Budget"), "admin:budgets_budget_changelist", order=10)


def _budget_section(project, user):
    """The budget's lines on the project page, with the totals and a link to edit them."""
    budget = Budget.objects.filter(project=project).first()
    if budget is None:
        return SectionTable(columns=(), rows=(), empty=_("No budget yet."))
    lines = list(budget.lines.all())
    rows = [
        (line.get_category_display(), line.description, cny(line.planned), cny(line.actual))
        for line in lines
    ]
    if lines:
        actuals = [line.actual for line in lines if line.actual is not None]
        rows.append(
            (
                format_html("<strong>{}</strong>", _("total")),
                "",
                format_html("<strong>{}</strong>", cny(sum(line.planned for line in lines))),
                format_html("<strong>{}</strong>", cny(sum(actuals) if actuals else None)),
            )
        )
    return SectionTable(
        columns=(_("category"), _("description"), _("planned"), _("actual")),
        rows=tuple(rows),
        empty=_("The budget has no lines yet."),
        link=(
            f"{_('Open the budget')} ({budget.get_status_display()})",
            reverse("admin:budgets_budget_change", args=[budget.pk]),
        ),
        numeric=(2, 3),
    )


project_section(_("Budget lines"), _budget_section, order=10)
