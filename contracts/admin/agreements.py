"""Contracts in the admin: the offer, the draft's terms, the lifecycle buttons, the versions.

Scoped like the API (``contracts.selectors.agreements``): the parties see every term, a routed
regulator sees the contract without its money, raters and others get 404. The platform's content
manager offers a contract (the add page) and edits a draft's terms; every change and every
lifecycle step goes through ``contracts.services.agreements``, and a refusal is a message.
"""

import copy

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect, QueryDict
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from common.errors import DomainError
from common.money import cny
from contracts.models import Contract
from contracts.selectors.agreements import (
    contract_actions_for,
    contract_editable,
    contract_financials_visible,
    contract_list_for,
)
from contracts.services import agreements as services
from workflow.admin import (
    SaveRefused,
    SavesThroughServices,
    ScopedModelAdmin,
    error_text,
    is_member,
)
from workflow.admin.common import refusal_messages
from workflow.models import Membership, Project
from workflow.selectors import organisations_of
from workflow.visibility import project_scope_q

from ..api.agreements import script_note

ACTION_PARAM = "_contract_action"
REASON_PARAM = "_contract_reason"
ACTION_LABELS = {
    "send": _("Send to the producer"),
    "sign": _("Sign"),
    "countersign": _("Countersign"),
    "complete": _("Complete"),
    "terminate": _("Terminate"),
    "decline": _("Decline the offer"),
    "revise": _("Revise (new version)"),
}
NEEDS_REASON = frozenset({"terminate", "decline"})

SUMMARY_FIELDS = (
    "project",
    "version",
    "status",
    "commissioning_model",
    "copyright_display",
    "rights_scope",
    "term_ends_on",
    "exclusivity_ends_on",
    "sent_at",
    "signed_at",
    "countersigned_at",
    "ended_at",
    "versions_display",
)
AMOUNTS = ("production_fee", "producer_investment", "granted_budget", "traffic_support")
MONEY_FIELDS = (
    "production_fee",
    "producer_investment",
    "residual_basis",
    "residual_rate",
    "grade",
    "granted_budget",
    "traffic_support",
    "warnings_display",
    "end_reason",
)


class ContractOfferForm(forms.ModelForm):
    class Meta:
        model = Contract
        fields = (
            "project",
            "commissioning_model",
            "production_fee",
            "producer_investment",
            "residual_basis",
            "residual_rate",
            "rights_scope",
            "term_ends_on",
            "exclusivity_ends_on",
        )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["production_fee"].required = False
        self.fields["production_fee"].help_text = _(
            "Leave blank for the budget granted at the greenlight."
        )

    def validate_constraints(self, exclude=None):
        pass  # the service checks the one-open-contract rule and says which one is open

    def _post_clean(self):
        # The service validates the terms (contract_terms_clean); the form only reads them.
        pass


class ContractTermsForm(forms.ModelForm):
    class Meta:
        model = Contract
        fields = services.TERM_FIELDS

    def _post_clean(self):
        pass


@admin.register(Contract)
class ContractAdmin(SavesThroughServices, ScopedModelAdmin):
    list_display = (
        "__str__",
        "version",
        "status",
        "commissioning_model",
        "fee_display",
        "countersigned_at",
    )
    list_filter = ("status", "commissioning_model")
    search_fields = ("project__title",)
    show_full_result_count = False
    ordering = ("project", "-version")

    def get_queryset(self, request):
        return contract_list_for(request.user)

    # Permissions: memberships; the services decide each change.

    def has_module_permission(self, request):
        return is_member(request.user)

    def has_view_permission(self, request, obj=None):
        return is_member(request.user)

    def has_add_permission(self, request):
        return bool(
            organisations_of(request.user, kind="platform", role=Membership.Role.CONTENT_MANAGER)
        )

    def has_change_permission(self, request, obj=None):
        if obj is None:
            return False
        return contract_editable(obj, request.user)

    def has_delete_permission(self, request, obj=None):
        return False

    # Forms and fields.

    def get_form(self, request, obj=None, change=False, **kwargs):
        kwargs["form"] = ContractOfferForm if obj is None else ContractTermsForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ContractOfferForm.Meta.fields
        if not contract_financials_visible(request.user, obj):
            return SUMMARY_FIELDS
        fields = list(SUMMARY_FIELDS)
        fields[4:4] = ["script_display"]
        editable = contract_editable(obj, request.user)
        # Amounts shown, not typed, read in the one exact form (¥500,000.00).
        money = [
            f"{name}_cny"
            if name in AMOUNTS and not (editable and name in services.TERM_FIELDS)
            else name
            for name in MONEY_FIELDS
        ]
        return (*fields, *money)

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        fields = self.get_fields(request, obj)
        if contract_editable(obj, request.user):
            return tuple(f for f in fields if f not in services.TERM_FIELDS)
        return fields

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "project":
            offered_by_me = project_scope_q(
                request.user,
                producer_roles=(),
                platform_roles={Membership.Role.CONTENT_MANAGER},
                regulators=False,
            )
            kwargs["queryset"] = Project.objects.filter(
                offered_by_me, state__in=services.OFFER_STATES
            ).exclude(contracts__status__in=["draft", "sent", "signed", "active"])
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    # Displays.

    @admin.display(description=_("production fee (CNY)"))
    def production_fee_cny(self, obj):
        return cny(obj.production_fee)

    @admin.display(description=_("producer's investment (CNY)"))
    def producer_investment_cny(self, obj):
        return cny(obj.producer_investment)

    @admin.display(description=_("granted budget (CNY)"))
    def granted_budget_cny(self, obj):
        return cny(obj.granted_budget)

    @admin.display(description=_("traffic support (CNY)"))
    def traffic_support_cny(self, obj):
        return cny(obj.traffic_support)

    @admin.display(description=_("production fee (CNY)"))
    def fee_display(self, obj):
        return "—"  # replaced per request by get_list_display

    def get_list_display(self, request):
        user = request.user

        @admin.display(description=_("production fee (CNY)"))
        def fee(obj):
            # Regulators see that a contract exists, not its money.
            if not contract_financials_visible(user, obj):
                return "—"
            return cny(obj.production_fee)

        return tuple(fee if name == "fee_display" else name for name in self.list_display)

    @admin.display(description=_("copyright"))
    def copyright_display(self, obj):
        if obj.copyright_holder == "platform":
            return _("The platform holds the copyright.")
        return _("The producer holds the copyright.")

    @admin.display(description=_("script"))
    def script_display(self, obj):
        note = script_note(obj)
        if not note:
            return _("The producer may revise the script.")
        return format_html('<strong style="color:#b45309">{}</strong>', note)

    @admin.display(description=_("warnings"))
    def warnings_display(self, obj):
        warnings = services.contract_terms_warnings(obj)
        if not warnings:
            return "—"
        return format_html_join(
            "", '<p style="color:#b45309;font-weight:600">⚠ {}</p>', ((w,) for w in warnings)
        )

    @admin.display(description=_("versions"))
    def versions_display(self, obj):
        # Scoping is by project: whoever sees this version sees the others.
        versions = Contract.objects.filter(project_id=obj.project_id).order_by("-version")
        return format_html_join(
            mark_safe("<br>"),  # noqa: S308 - a constant  # nosec B308
            '<a href="{}">v{}</a> — {}{}',
            (
                (
                    reverse("admin:contracts_contract_change", args=[v.pk]),
                    v.version,
                    v.get_status_display(),
                    _(" (this one)") if v.pk == obj.pk else "",
                )
                for v in versions
            ),
        )

    # Saving: through the services.

    def save_model(self, request, obj, form, change):
        data = {name: form.cleaned_data.get(name) for name in form.Meta.fields}
        try:
            if change:
                terms = {n: data[n] for n in form.changed_data if n in services.TERM_FIELDS}
                saved = services.contract_update(contract=obj, actor=request.user, data=terms)
            else:
                project = data.pop("project")
                model = data.pop("commissioning_model")
                if data.get("production_fee") is None:
                    data.pop("production_fee")
                for name in ("producer_investment", "residual_rate"):
                    if data.get(name) is None:
                        data.pop(name)
                saved = services.contract_offer(
                    project=project, actor=request.user, commissioning_model=model, **data
                )
        except (DomainError, ValidationError) as exc:
            raise SaveRefused(error_text(exc)) from exc
        for warning in services.contract_terms_warnings(saved):
            self.message_user(request, warning, messages.WARNING)
        obj.pk, obj.project, obj.version = saved.pk, saved.project, saved.version
        obj.created_at, obj.updated_at = saved.created_at, saved.updated_at
        obj._state.adding = False
        obj._state.db = saved._state.db

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            context["contract_action_param"] = ACTION_PARAM
            context["contract_reason_param"] = REASON_PARAM
            names = contract_actions_for(obj, request.user)
            context["contract_actions"] = [
                {"name": name, "label": ACTION_LABELS[name]} for name in names
            ]
            context["contract_needs_reason"] = any(name in NEEDS_REASON for name in names)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        name = request.POST.get(ACTION_PARAM) if request.method == "POST" else None
        if name is None:
            return super().change_view(request, object_id, form_url, extra_context)
        obj = self.get_object(request, unquote(object_id))
        if obj is None or name not in ACTION_LABELS:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        reason = request.POST.get(REASON_PARAM, "")
        try:
            if name == "revise":
                contract = services.contract_revise(contract=obj, actor=request.user, data={})
            elif name in NEEDS_REASON:
                service = getattr(services, f"contract_{name}")
                contract = service(contract=obj, actor=request.user, reason=reason)
            else:
                service = getattr(services, f"contract_{name}")
                contract = service(contract=obj, actor=request.user)
        except (DomainError, ValidationError) as exc:
            # The page again, as for a GET, with the reason as typed and the refusal beside it.
            page = copy.copy(request)
            page.method = "GET"
            page.POST = QueryDict()
            refusal = refusal_messages(exc)
            context = {
                "contract_reason_value": reason,
                "contract_reason_errors": [t for f, ts in refusal if f == "reason" for t in ts],
                "contract_action_errors": [t for f, ts in refusal if f != "reason" for t in ts],
            }
            return super().change_view(
                page, object_id, form_url, {**(extra_context or {}), **context}
            )
        self.message_user(
            request,
            _("%(action)s: done. Version %(version)d is now %(status)s.")
            % {
                "action": ACTION_LABELS[name],
                "version": contract.version,
                "status": contract.get_status_display().lower(),
            },
            messages.SUCCESS,
        )
        return HttpResponseRedirect(reverse("admin:contracts_contract_change", args=[contract.pk]))
