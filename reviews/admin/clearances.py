"""The clearance register in the admin: scoped, filterable by expiry; authorities add numbers.

Whoever sees a project sees its clearances. The finished-cut authority of a cleared or
taken-down project records a new release clearance here through
``reviews.services.clearances.clearance_issue``; a refusal is shown as a message.
"""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from common.errors import DomainError
from reviews.models import CLEARANCE_KIND_FOR_TIER, Clearance
from reviews.selectors import clearances as selectors
from reviews.services import clearances as services
from workflow.admin import (
    SaveRefused,
    SavesThroughServices,
    ScopedModelAdmin,
    error_text,
    is_member,
)
from workflow.admin.common import CSVExportMixin
from workflow.admin.proposal import ShowsProposalMixin
from workflow.models import Membership, Organisation, Project
from workflow.selectors import project_list_for
from workflow.visibility import memberships_of


class ExpiryFilter(admin.SimpleListFilter):
    title = _("expires")
    parameter_name = "expires"

    def lookups(self, request, model_admin):
        return [
            ("30", _("within 30 days")),
            ("90", _("within 90 days")),
            ("expired", _("expired")),
        ]

    def queryset(self, request, queryset):
        value = self.value()
        if value in {"30", "90"}:
            return selectors.clearances_expiring(queryset, within_days=int(value))
        if value == "expired":
            return selectors.clearances_expired(queryset)
        return queryset


def may_issue_release_clearances(user) -> bool:
    """A regulator reviewer or a platform content manager: who can be a finished-cut authority."""
    return any(
        (m.organisation.kind, m.role)
        in {
            (Organisation.Kind.REGULATOR, Membership.Role.REGULATOR_REVIEWER),
            (Organisation.Kind.PLATFORM, Membership.Role.CONTENT_MANAGER),
        }
        for m in memberships_of(user)
    )


def issuable_projects(user) -> list[Project]:
    """Projects waiting for a release clearance that the user is the authority of."""
    candidates = project_list_for(user).filter(state__in=services.CLEARANCE_OPEN_STATES)
    return [p for p in candidates if services.clearance_issuer_for(p, user) is not None]


class ClearanceAddForm(forms.ModelForm):
    project = forms.ModelChoiceField(queryset=Project.objects.none(), label=_("project"))

    class Meta:
        model = Clearance
        fields = ("project", "kind", "number", "expires_on")
        help_texts = {
            "number": _(
                "As issued, e.g. （沪）网剧审字（2025）第012号 for a licence or "
                "（沪）网剧备字（2025）第015号 for an online registration."
            ),
        }

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        ids = [p.pk for p in issuable_projects(user)] if user is not None else []
        self.fields["project"].queryset = Project.objects.filter(pk__in=ids)
        self.fields["kind"].choices = [
            (kind.value, kind.label) for kind in dict.fromkeys(CLEARANCE_KIND_FOR_TIER.values())
        ]

    def validate_unique(self):
        """The service checks the register (race-safe); the form does not guess first."""

    def _post_clean(self):
        """The model's rules run in the service, with the issuer it derives; not here."""


@admin.register(Clearance)
class ClearanceAdmin(ShowsProposalMixin, SavesThroughServices, CSVExportMixin, ScopedModelAdmin):
    list_display = ("number", "kind", "project", "issued_by", "issued_at", "expires_on")
    list_filter = ("kind", ExpiryFilter)
    search_fields = ("number", "project__title")
    list_select_related = ("project", "issued_by")
    show_full_result_count = False
    fields = (
        "project",
        "kind",
        "number",
        "issued_by",
        "issued_at",
        "expires_on",
        "recorded_by_display",
    )
    readonly_fields = fields

    def get_queryset(self, request):
        return selectors.clearance_list_for(request.user)

    @admin.display(description=_("recorded by"))
    def recorded_by_display(self, obj):
        return obj.recorded_by.get_username()

    def has_module_permission(self, request):
        return is_member(request.user)

    def has_view_permission(self, request, obj=None):
        return is_member(request.user)

    def has_add_permission(self, request):
        return may_issue_release_clearances(request.user)

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    # Adding: through the service.

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            form = ClearanceAddForm

            class BoundAddForm(form):
                def __init__(self, *args, **inner):
                    super().__init__(*args, user=request.user, **inner)

            kwargs["form"] = BoundAddForm
            kwargs["fields"] = ClearanceAddForm.Meta.fields
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request, obj=None):
        return ClearanceAddForm.Meta.fields if obj is None else self.fields

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else self.readonly_fields

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        try:
            saved = services.clearance_issue(
                project=data["project"],
                actor=request.user,
                kind=data["kind"],
                number=data["number"],
                expires_on=data.get("expires_on"),
            )
        except (DomainError, ValidationError) as exc:
            raise SaveRefused(error_text(exc)) from exc
        for field in Clearance._meta.concrete_fields:
            setattr(obj, field.attname, getattr(saved, field.attname))
        obj._state.adding = False
        obj._state.db = saved._state.db
