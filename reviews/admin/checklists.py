"""Compliance checklists in the admin: every version with its items, read by every member, and
the page on which an authority's administrators and reviewers publish a new version (superusers:
any authority's, and the default one). Versions are never edited: projects keep the items they
confirmed."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from common.errors import DomainError
from reviews.models import ChecklistItem, ComplianceChecklist
from reviews.selectors import finals as selectors
from reviews.services import checklists
from workflow.admin import add_refusal_errors
from workflow.admin.common import ReadOnlyInline, ReadOnlyScopedAdmin
from workflow.models import Organisation


class ChecklistItemInline(ReadOnlyInline):
    model = ChecklistItem
    fields = ("position", "code", "label", "help_text")


class PublishChecklistForm(forms.Form):
    authority = forms.ModelChoiceField(
        queryset=Organisation.objects.none(),
        label=_("Authority"),
        required=False,
        empty_label=_("Default (authorities without their own)"),
    )
    items = forms.CharField(
        label=_("Items"),
        widget=forms.Textarea(attrs={"rows": 8, "cols": 80}),
        help_text=_(
            "One item per line: code | label | help text. "
            "E.g. “music-licence | Music licence | The licence of every track used.”"
        ),
    )

    def __init__(self, *args, authorities, may_publish_default: bool, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["authority"]
        field.queryset = Organisation.objects.filter(pk__in=[a.pk for a in authorities])
        if not may_publish_default:
            field.required = True
            field.empty_label = None

    def clean_items(self):
        items = []
        for number, line in enumerate(self.cleaned_data["items"].splitlines(), start=1):
            if not line.strip():
                continue
            parts = [part.strip() for part in line.split("|")]
            if len(parts) < 2:
                raise ValidationError(
                    _("Line %(n)d: write code | label | help text."), params={"n": number}
                )
            items.append({"code": parts[0], "label": parts[1], "help_text": " | ".join(parts[2:])})
        return items


def _starting_from(authority) -> dict:
    """The form's first values: the authority and the items of the version in force for it (its
    own, or the default one), so that a new version is written by editing the current one."""
    current = (
        selectors.checklist_list().filter(authority=authority, is_active=True).first()
        if authority is not None
        else None
    ) or checklists.default_checklist()
    lines = [
        " | ".join(part for part in (item.code, item.label, item.help_text) if part)
        for item in (current.items.order_by("position", "id") if current else [])
    ]
    return {"authority": authority, "items": "\n".join(lines)}


@admin.register(ComplianceChecklist)
class ComplianceChecklistAdmin(ReadOnlyScopedAdmin):
    list_display = ("__str__", "authority", "version", "is_active", "created_at")
    list_filter = ("is_active", ("authority", admin.RelatedOnlyFieldListFilter))
    list_select_related = ("authority",)
    fields = ("authority", "version", "is_active", "created_at")
    readonly_fields = fields
    inlines = (ChecklistItemInline,)

    def get_queryset(self, request):
        return selectors.checklist_list()

    def has_add_permission(self, request):
        return request.user.is_superuser or bool(checklists.checklist_authorities_of(request.user))

    def add_view(self, request, form_url="", extra_context=None):
        """Publishing a new version (the add page), through the service."""
        if not self.has_add_permission(request):
            return super().add_view(request, form_url, extra_context)  # Django's 403
        authorities = checklists.checklist_authorities_of(request.user)
        form = PublishChecklistForm(
            request.POST or None,
            authorities=authorities,
            may_publish_default=request.user.is_superuser,
            initial=_starting_from(authorities[0] if authorities else None),
        )
        if request.method == "POST" and form.is_valid():
            try:
                checklist = checklists.compliance_checklist_publish(
                    authority=form.cleaned_data["authority"],
                    actor=request.user,
                    items=form.cleaned_data["items"],
                )
            except (DomainError, ValidationError) as exc:
                add_refusal_errors(form, exc)
            else:
                self.message_user(
                    request,
                    _(
                        "Version %(v)d published; projects whose cut has not yet gone to the "
                        "finished-cut review confirm its items."
                    )
                    % {"v": checklist.version},
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(
                    reverse("admin:reviews_compliancechecklist_change", args=[checklist.pk])
                )
        context = {
            **self.admin_site.each_context(request),
            "title": _("Publish a new checklist version"),
            "opts": self.opts,
            "form": form,
        }
        return TemplateResponse(request, "admin/reviews/compliancechecklist/publish.html", context)
