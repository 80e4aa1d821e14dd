"""API keys in the admin: an organisation admin lists, issues and revokes the organisation's keys.

Issuing shows the token once, on the page that answers the form; it is never stored in a
message (messages travel in a cookie) and never shown again.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import AdminSplitDateTime
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from common.errors import DomainError
from workflow import keys
from workflow.models import ApiKey, ApiKeyScope, Organisation

from .common import ScopedModelAdmin, add_refusal_errors, error_text


class ApiKeyIssueForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=keys.NAME_MAX_LENGTH,
        help_text=_("The tool that uses the key."),
    )
    organisation = forms.ModelChoiceField(label=_("Organisation"), queryset=Organisation.objects)
    role = forms.ChoiceField(
        label=_("Role"),
        required=False,
        choices=[("", _("The organisation's acting role")), *keys.KEY_ROLE_CHOICES],
    )
    scopes = forms.MultipleChoiceField(
        label=_("Scopes"),
        choices=ApiKeyScope.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Read: GET. Write: other changes. Transition: moving projects on."),
    )
    expires_at = forms.SplitDateTimeField(
        label=_("Expires at"),
        widget=AdminSplitDateTime,
        help_text=_("At most one year ahead."),
    )

    def __init__(self, *args, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations
        if organisations.count() == 1:
            self.fields["organisation"].initial = organisations.first()
        self.fields["expires_at"].initial = timezone.localtime() + keys.DEFAULT_LIFETIME


class StatusFilter(admin.SimpleListFilter):
    title = _("status")
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return [("active", _("Active")), ("revoked", _("Revoked")), ("expired", _("Expired"))]

    def queryset(self, request, queryset):
        now = timezone.now()
        if self.value() == "active":
            return queryset.filter(revoked_at__isnull=True, expires_at__gt=now)
        if self.value() == "revoked":
            return queryset.filter(revoked_at__isnull=False)
        if self.value() == "expired":
            return queryset.filter(revoked_at__isnull=True, expires_at__lte=now)
        return queryset


@admin.register(ApiKey)
class ApiKeyAdmin(ScopedModelAdmin):
    list_display = (
        "name",
        "prefix",
        "organisation",
        "role",
        "scopes_display",
        "status_display",
        "expires_at",
        "last_used_at",
        "created_by",
    )
    list_filter = (StatusFilter, "role", ("organisation", admin.RelatedOnlyFieldListFilter))
    search_fields = ("name", "prefix")
    list_select_related = ("organisation", "created_by")
    show_full_result_count = False
    fields = (
        "name",
        "organisation",
        "role",
        "scopes_display",
        "status_display",
        "prefix",
        "user",
        "expires_at",
        "last_used_at",
        "revoked_at",
        "revoked_by",
        "created_by",
        "created_at",
    )
    readonly_fields = fields
    actions = ["revoke"]
    issue_template = "admin/workflow/apikey/issue.html"

    def get_queryset(self, request):
        return keys.api_key_list_for(request.user)

    def _administered(self, request):
        if request.user.is_superuser:
            return Organisation.objects.all()
        return Organisation.objects.filter(
            pk__in=[o.pk for o in keys.administered_organisations(request.user)]
        )

    def has_module_permission(self, request):
        return keys.can_manage_keys(request.user)

    def has_view_permission(self, request, obj=None):
        return keys.can_manage_keys(request.user, obj.organisation if obj else None)

    def has_add_permission(self, request):
        return keys.can_manage_keys(request.user)

    def has_change_permission(self, request, obj=None):
        return False  # a key is issued and revoked, never edited

    def has_delete_permission(self, request, obj=None):
        return False  # revoked keys stay listed: the audit trail names their users

    @admin.display(description=_("scopes"))
    def scopes_display(self, obj):
        return ", ".join(str(ApiKeyScope(s).label) for s in obj.scopes)

    @admin.display(description=_("status"))
    def status_display(self, obj):
        if obj.is_revoked:
            return _("Revoked")
        return _("Expired") if obj.is_expired else _("Active")

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise DjangoPermissionDenied
        organisations = self._administered(request)
        form = ApiKeyIssueForm(request.POST or None, organisations=organisations)
        issued = None
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                issued = keys.api_key_create(
                    actor=request.user,
                    organisation=data["organisation"],
                    name=data["name"],
                    role=data["role"] or None,
                    scopes=data["scopes"],
                    expires_at=data["expires_at"],
                )
            except ValidationError as exc:
                if hasattr(exc, "error_dict") and set(exc.error_dict) <= set(form.fields):
                    form.add_error(None, exc)
                else:
                    add_refusal_errors(form, exc)
            except DomainError as exc:
                add_refusal_errors(form, exc)
            else:
                self.log_addition(request, issued, [{"added": {}}])
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("API key issued") if issued else _("Issue an API key"),
            "form": form,
            "issued": issued,
            **(extra_context or {}),
        }
        return TemplateResponse(request, self.issue_template, context)

    @admin.action(description=_("Revoke selected API keys"))
    def revoke(self, request, queryset):
        count = 0
        for key in queryset.filter(revoked_at__isnull=True):
            try:
                keys.api_key_revoke(key=key, actor=request.user)
            except DomainError as exc:
                self.message_user(request, f"{key}: {error_text(exc)}", messages.ERROR)
            else:
                count += 1
        self.message_user(
            request,
            ngettext("%(n)d API key revoked.", "%(n)d API keys revoked.", count) % {"n": count},
            messages.SUCCESS,
        )
