"""Installments in the admin, for the two parties only (residual statements: ``statements``).

The producer company's members and the platform's members (not its raters) see them; regulators
and raters do not get the pages at all. Every change is a ``contracts.services.payments`` call:

- the installment list, filtered by status (due = owed now) and project, is where a content
  manager records a payment ("Record payment" on a due row);
- "Set payment schedule" replaces a draft contract's installments as a whole;
- a residual statement is issued from the "add" page and never changes after; its page offers
  the CSV.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.template import engines
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from common.clock import business_date
from common.errors import DomainError
from common.money import cny
from common.values import MONEY
from contracts.models import Installment
from contracts.selectors import payments as selectors
from contracts.services import payments as services
from workflow.admin import ScopedModelAdmin, add_refusal_errors, error_text, is_member
from workflow.admin.common import CSVExportMixin
from workflow.models import Membership, Organisation
from workflow.permissions import CONTENT_MANAGER
from workflow.visibility import memberships_of

FORM_PAGE = engines["django"].from_string(
    """{% extends "admin/base_site.html" %}
{% load i18n admin_urls static %}
{% block extrastyle %}{{ block.super }}<link rel="stylesheet" href="{% static "admin/css/forms.css" %}">{% endblock %}
{% block bodyclass %}{{ block.super }} app-{{ opts.app_label }} model-{{ opts.model_name }} change-form{% endblock %}
{% block breadcrumbs %}<div class="breadcrumbs">
<a href="{% url 'admin:index' %}">{% translate 'Home' %}</a>
&rsaquo; <a href="{% url opts|admin_urlname:'changelist' %}">{{ opts.verbose_name_plural|capfirst }}</a>
&rsaquo; {{ title }}</div>{% endblock %}
{% block content %}<div id="content-main">
{% if intro %}<p>{{ intro }}</p>{% endif %}
<form method="post" novalidate>{% csrf_token %}
{% if form %}{% if form.non_field_errors %}<p class="errornote">{% for e in form.non_field_errors %}{{ e }} {% endfor %}</p>{% endif %}
<fieldset class="module aligned">
{% for field in form %}<div class="form-row{% if field.errors %} errors{% endif %}">{{ field.errors }}
<div class="flex-container">{{ field.label_tag }} {{ field }}</div>
{% if field.help_text %}<div class="help">{{ field.help_text }}</div>{% endif %}</div>{% endfor %}
</fieldset>{% endif %}
{% if formset %}{{ formset.management_form }}
{% if formset.non_form_errors %}<p class="errornote">{{ formset.non_form_errors|join:" " }}</p>{% endif %}
<table class="mdprod-schedule"><thead><tr>{% for field in formset.empty_form.visible_fields %}<th>{{ field.label }}</th>{% endfor %}</tr></thead>
<tbody>{% for row in formset %}<tr>{% for field in row.visible_fields %}<td>{{ field.errors }}{{ field }}</td>{% endfor %}</tr>{% endfor %}</tbody></table>
{% endif %}
<div class="submit-row"><input type="submit" class="default" value="{{ submit_label }}"></div>
</form></div>{% endblock %}"""
)


def reads_money(user) -> bool:
    """A member of a producer company, or of a platform in a role other than rater."""
    if not user.is_active:
        return False
    if user.is_superuser:
        return True
    return any(
        m.organisation.kind == Organisation.Kind.PRODUCER
        or (m.organisation.kind == Organisation.Kind.PLATFORM and m.role != Membership.Role.RATER)
        for m in memberships_of(user)
    )


def is_content_manager(user) -> bool:
    return user.is_active and any(
        m.organisation.kind == Organisation.Kind.PLATFORM
        and m.role == Membership.Role.CONTENT_MANAGER
        for m in memberships_of(user)
    )


money_text = cny  # the one exact form (common.money)


def _render(admin_obj, request, title, *, submit_label, form=None, formset=None, intro=""):
    context = {
        **admin_obj.admin_site.each_context(request),
        "opts": admin_obj.opts,
        "title": title,
        "form": form,
        "formset": formset,
        "intro": intro,
        "submit_label": submit_label,
    }
    return HttpResponse(FORM_PAGE.render(context, request))


class MoneyReaderAdmin(ScopedModelAdmin):
    def has_module_permission(self, request):
        return is_member(request.user) and reads_money(request.user)

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# Installments ----------------------------------------------------------------------------------


class CurrentStatusFilter(admin.SimpleListFilter):
    title = _("status")
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return Installment.Status.choices

    def queryset(self, request, queryset):
        if self.value() in Installment.Status.values:
            return queryset.filter(current_status=self.value())
        return queryset


class PaymentForm(forms.Form):
    paid_on = forms.DateField(label=_("paid on"), help_text=_("YYYY-MM-DD; not in the future."))
    reference = forms.CharField(
        label=_("payment reference"),
        max_length=100,
        help_text=_("The bank transfer's number, or another reference of the payment."),
    )


class ScheduleRowForm(forms.Form):
    label = forms.CharField(label=_("label"), max_length=200, required=False)
    amount = forms.DecimalField(label=_("amount (CNY)"), **MONEY, required=False)
    percent = forms.DecimalField(
        label=_("or percentage of the fee"), max_digits=7, decimal_places=4, required=False
    )
    trigger = forms.ChoiceField(
        label=_("falls due"),
        choices=[("", "---------"), *Installment.Trigger.choices],
        required=False,
    )
    due_on_date = forms.DateField(label=_("due date (if on a date)"), required=False)


ScheduleFormSet = forms.formset_factory(ScheduleRowForm, extra=3, max_num=services.MAX_INSTALLMENTS)


@admin.register(Installment)
class InstallmentAdmin(CSVExportMixin, MoneyReaderAdmin):
    list_display = (
        "project",
        "contract_version",
        "position",
        "label",
        "trigger",
        "amount_display",
        "status_display",
        "due_on_display",
        "paid_on",
        "payment_reference",
        "pay_link",
    )
    list_filter = (CurrentStatusFilter, "trigger", ("project", admin.RelatedOnlyFieldListFilter))
    search_fields = ("project__title", "label", "payment_reference")
    show_full_result_count = False
    fields = (
        "project",
        "contract",
        "position",
        "label",
        "percent",
        "amount",
        "trigger",
        "due_on_date",
        "status_display",
        "due_on_display",
        "paid_on",
        "payment_reference",
        "paid_recorded_by",
        "paid_recorded_at",
    )
    readonly_fields = fields

    def get_queryset(self, request):
        # The row's checkbox (for the CSV export) is labelled with the installment's name, which
        # names the contract's project.
        return selectors.installment_list_for(request.user).select_related("contract__project")

    def has_add_permission(self, request):
        return False

    @admin.display(description=_("contract version"), ordering="contract__version")
    def contract_version(self, obj):
        return obj.contract.version

    @admin.display(description=_("amount (CNY)"), ordering="amount")
    def amount_display(self, obj):
        if obj.percent is not None:
            return f"{money_text(obj.amount)} ({obj.percent.normalize():f} %)"
        return money_text(obj.amount)

    @admin.display(description=_("status"), ordering="current_status")
    def status_display(self, obj):
        status = getattr(obj, "current_status", obj.status)
        return Installment.Status(status).label

    @admin.display(description=_("became due on"), ordering="current_due_on")
    def due_on_display(self, obj):
        return getattr(obj, "current_due_on", obj.due_on) or "—"

    @admin.display(description=_("payment"))
    def pay_link(self, obj):
        if getattr(obj, "current_status", None) != Installment.Status.DUE:
            return ""
        return format_html(
            '<a href="{}">{}</a>',
            reverse("admin:contracts_installment_pay", args=[obj.pk]),
            _("Record payment"),
        )

    def get_list_display(self, request):
        if is_content_manager(request.user):
            return self.list_display
        return tuple(name for name in self.list_display if name != "pay_link")

    def get_urls(self):
        return [
            path(
                "<path:object_id>/pay/",
                self.admin_site.admin_view(self.pay_view),
                name="contracts_installment_pay",
            ),
            path(
                "schedule/<int:contract_id>/",
                self.admin_site.admin_view(self.schedule_view),
                name="contracts_installment_schedule",
            ),
            *super().get_urls(),
        ]

    def pay_view(self, request, object_id):
        installment = self.get_queryset(request).filter(pk=unquote(object_id)).first()
        if installment is None:
            raise Http404(_("Not found."))
        if not CONTENT_MANAGER(installment.project, request.user):
            raise DjangoPermissionDenied
        form = PaymentForm(request.POST or None, initial={"paid_on": business_date()})
        if request.method == "POST" and form.is_valid():
            try:
                services.installment_mark_paid(
                    installment=installment,
                    actor=request.user,
                    paid_on=form.cleaned_data["paid_on"],
                    reference=form.cleaned_data["reference"],
                )
            except (DomainError, ValidationError) as exc:
                add_refusal_errors(form, exc)
            else:
                self.message_user(
                    request,
                    _("The payment of %(installment)s is recorded.") % {"installment": installment},
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(reverse("admin:contracts_installment_changelist"))
        return _render(
            self,
            request,
            _("Record the payment of %(installment)s: %(amount)s")
            % {"installment": installment, "amount": money_text(installment.amount)},
            form=form,
            submit_label=_("Record payment"),
        )

    def schedule_view(self, request, contract_id):
        contract = (
            selectors.financial_contract_list_for(request.user).filter(pk=contract_id).first()
        )
        if contract is None:
            raise Http404(_("Not found."))
        if not CONTENT_MANAGER(contract.project, request.user):
            raise DjangoPermissionDenied
        current = [
            {
                "label": i.label,
                "amount": None if i.percent is not None else i.amount,
                "percent": i.percent,
                "trigger": i.trigger,
                "due_on_date": i.due_on_date,
            }
            for i in contract.installments.order_by("position")
        ]
        if request.method == "POST":
            formset = ScheduleFormSet(request.POST)
        else:
            formset = ScheduleFormSet(initial=current)
        if request.method == "POST" and formset.is_valid():
            rows = [
                {
                    "label": row["label"],
                    "amount": row["amount"],
                    "percent": row["percent"],
                    "trigger": row["trigger"],
                    "due_on_date": row["due_on_date"],
                }
                for row in formset.cleaned_data
                if row and any(row.get(name) not in (None, "") for name in row)
            ]
            try:
                services.payment_schedule_replace(
                    contract=contract, actor=request.user, installments=rows
                )
            except (DomainError, ValidationError) as exc:
                self.message_user(request, error_text(exc), messages.ERROR)
            else:
                self.message_user(request, _("The payment schedule is saved."), messages.SUCCESS)
                url = reverse("admin:contracts_installment_changelist")
                return HttpResponseRedirect(f"{url}?contract__id__exact={contract.pk}")
        return _render(
            self,
            request,
            _("Payment schedule of %(contract)s") % {"contract": contract},
            formset=formset,
            intro=_(
                "The fee is %(fee)s. Give each installment an amount or a percentage of the "
                "fee (the last percentage takes the rounding remainder); it falls due at a "
                "milestone or on a date. The schedule must add up to the fee, and is frozen "
                "once the contract is sent."
            )
            % {"fee": money_text(contract.production_fee)},
            submit_label=_("Save the schedule"),
        )

    def lookup_allowed(self, lookup, value, request=None):
        # The schedule page links to its contract's installments.
        return lookup == "contract__id__exact" or super().lookup_allowed(lookup, value, request)


# Residual statements ---------------------------------------------------------------------------
