"""Organisations and memberships: superusers, and organisation admins for their own.

Memberships are created, changed and deleted by ``workflow.memberships`` (which keeps each
organisation's last admin); a refusal is an error message on the page.
"""

from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from common.errors import DomainError
from workflow import memberships
from workflow.models import (
    Membership,
    Organisation,
)

from .common import (
    DeletesThroughServices,
    SaveRefused,
    SavesThroughServices,
    ScopedModelAdmin,
    administered_organisation_ids,
    error_text,
)


@admin.register(Organisation)
class OrganisationAdmin(ScopedModelAdmin):
    list_display = ("name", "kind", "level", "province")
    list_filter = ("kind", "level")
    search_fields = ("name",)

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(pk__in=administered_organisation_ids(request.user))

    def has_module_permission(self, request):
        return request.user.is_superuser or bool(administered_organisation_ids(request.user))

    def has_view_permission(self, request, obj=None):
        if request.user.is_superuser:
            return True
        administered = administered_organisation_ids(request.user)
        return obj.pk in administered if obj is not None else bool(administered)

    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser


class MembershipForm(forms.ModelForm):
    user = forms.ModelChoiceField(
        label=_("User"),
        # A key's service user has exactly the one membership its key was issued with.
        queryset=get_user_model().objects.filter(is_active=True, api_key__isnull=True),
        to_field_name=get_user_model().USERNAME_FIELD,
        widget=forms.TextInput,
        help_text=_("The person's exact username."),
        # The same words whether or not the name exists: no probing for other people's accounts.
        error_messages={
            "invalid_choice": _("Enter the username of an active user you were given.")
        },
    )

    class Meta:
        model = Membership
        fields = ("user", "organisation", "role", "rater_function")


@admin.register(Membership)
class MembershipAdmin(SavesThroughServices, DeletesThroughServices, ScopedModelAdmin):
    # A username box rather than a list of every user: an organisation admin must not browse the
    # people of other organisations.
    form = MembershipForm
    list_display = ("user", "organisation", "role", "rater_function", "created_at")
    list_filter = ("role", ("organisation", admin.RelatedOnlyFieldListFilter))
    search_fields = ("user__username", "organisation__name")
    list_select_related = ("user", "organisation")
    show_full_result_count = False

    def get_queryset(self, request):
        # API keys' memberships are managed with their keys (revoke, issue a new one).
        queryset = super().get_queryset(request).filter(user__api_key__isnull=True)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(organisation_id__in=administered_organisation_ids(request.user))

    def _manages(self, request, obj=None) -> bool:
        if request.user.is_superuser:
            return True
        administered = administered_organisation_ids(request.user)
        return obj.organisation_id in administered if obj is not None else bool(administered)

    def has_module_permission(self, request):
        return self._manages(request)

    def has_view_permission(self, request, obj=None):
        return self._manages(request, obj)

    def has_add_permission(self, request):
        return self._manages(request)

    def has_change_permission(self, request, obj=None):
        return self._manages(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._manages(request, obj)

    def get_readonly_fields(self, request, obj=None):
        return ("user",) if obj is not None else ()

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "organisation" and not request.user.is_superuser:
            kwargs["queryset"] = Organisation.objects.filter(
                pk__in=administered_organisation_ids(request.user)
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        try:
            if change:
                saved = memberships.membership_update(
                    membership=obj,
                    actor=request.user,
                    organisation=data["organisation"],
                    role=data["role"],
                    rater_function=data.get("rater_function", ""),
                )
            else:
                saved = memberships.membership_create(
                    actor=request.user,
                    user=data["user"],
                    organisation=data["organisation"],
                    role=data["role"],
                    rater_function=data.get("rater_function", ""),
                )
        except (DomainError, ValidationError) as exc:
            raise SaveRefused(error_text(exc)) from exc
        obj.pk = saved.pk
        obj._state.adding = False

    def delete_model(self, request, obj):
        self.delete_queryset(request, [obj])

    def delete_queryset(self, request, queryset):
        try:
            memberships.membership_delete(
                membership_ids=[membership.pk for membership in queryset], actor=request.user
            )
        except (DomainError, ValidationError) as exc:
            raise SaveRefused(error_text(exc)) from exc
