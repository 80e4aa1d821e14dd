"""Residual statements in the admin: read by the two parties, issued by the platform's content managers."""

from django import forms
from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from common.errors import DomainError
from contracts.admin.payments import (
    MoneyReaderAdmin,
    is_content_manager,
    money_text,
)
from contracts.models import Contract, ResidualStatement, StatementLine
from contracts.selectors import payments as selectors
from contracts.services import statements
from workflow.admin import SaveRefused, SavesThroughServices, error_text
from workflow.admin.common import ReadOnlyInline


class StatementLineInline(ReadOnlyInline):
    model = StatementLine
    fields = ("basis", "quantity", "rate", "amount", "explanation")


class StatementIssueForm(forms.ModelForm):
    class Meta:
        model = ResidualStatement
        fields = ("contract", "period_start", "period_end", "corrects")

    def _post_clean(self):
        # The issuing service checks the statement as a whole; the model's own checks would
        # stumble on the fields it fills in (project, basis, total...).
        pass


@admin.register(ResidualStatement)
class ResidualStatementAdmin(SavesThroughServices, MoneyReaderAdmin):
    list_display = (
        "__str__",
        "project",
        "contract_version",
        "period_start",
        "period_end",
        "status",
        "total_display",
        "issued_by",
        "issued_at",
    )
    list_filter = ("status", ("project", admin.RelatedOnlyFieldListFilter))
    search_fields = ("project__title",)
    show_full_result_count = False
    inlines = (StatementLineInline,)
    view_fields = (
        "project",
        "contract",
        "period_start",
        "period_end",
        "status",
        "corrects",
        "corrected_by_display",
        "basis",
        "rate",
        "total_display",
        "issued_by",
        "issued_at",
        "csv_link",
    )

    def get_queryset(self, request):
        return selectors.residual_statement_list_for(request.user)

    def has_add_permission(self, request):
        return is_content_manager(request.user)

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = StatementIssueForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request, obj=None):
        return StatementIssueForm.Meta.fields if obj is None else self.view_fields

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else self.view_fields

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else ()

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "contract":
            kwargs["queryset"] = (
                selectors.financial_contract_list_for(request.user)
                .filter(status__in=statements.STATEMENT_STATUSES)
                .exclude(residual_basis=Contract.ResidualBasis.NONE)
            )
        elif db_field.name == "corrects":
            kwargs["queryset"] = self.get_queryset(request).filter(
                status=ResidualStatement.Status.ISSUED
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.display(description=_("contract version"), ordering="contract__version")
    def contract_version(self, obj):
        return obj.contract.version

    @admin.display(description=_("total (CNY)"), ordering="total")
    def total_display(self, obj):
        return money_text(obj.total)

    @admin.display(description=_("corrected by"))
    def corrected_by_display(self, obj):
        correction = getattr(obj, "corrected_by", None)
        return correction if correction is not None else "—"

    @admin.display(description=_("CSV"))
    def csv_link(self, obj):
        return format_html(
            '<a href="{}">{}</a>',
            reverse("admin:contracts_residualstatement_csv", args=[obj.pk]),
            _("Download as CSV"),
        )

    def get_urls(self):
        return [
            path(
                "<path:object_id>/csv/",
                self.admin_site.admin_view(self.csv_view),
                name="contracts_residualstatement_csv",
            ),
            *super().get_urls(),
        ]

    def csv_view(self, request, object_id):
        if not self.has_view_permission(request):
            raise DjangoPermissionDenied
        statement = self.get_queryset(request).filter(pk=unquote(object_id)).first()
        if statement is None:
            raise Http404(_("Not found."))
        response = HttpResponse(
            selectors.statement_csv(statement), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = (
            f'attachment; filename="residual-statement-{statement.pk}.csv"'
        )
        return response

    def save_model(self, request, obj, form, change):
        if change:
            return  # issued statements never change
        try:
            saved = statements.residual_statement_issue(
                contract=form.cleaned_data["contract"],
                actor=request.user,
                period_start=form.cleaned_data["period_start"],
                period_end=form.cleaned_data["period_end"],
                corrects=form.cleaned_data.get("corrects"),
            )
        except (DomainError, ValidationError) as exc:
            raise SaveRefused(error_text(exc)) from exc
        obj.__dict__.update({k: v for k, v in saved.__dict__.items() if k != "_state"})
        obj._state.adding = False
        obj._state.db = saved._state.db

    def save_related(self, request, form, formsets, change):
        pass  # the lines are written by the issuing service
