"""Documents in the admin: the scoped list, an upload form, download links.

The list shows what ``contracts.selectors.documents.document_list_for`` lets the user see; the
upload goes through ``contracts.services.documents.document_upload`` (a refusal is shown as a
message); every download link points at the one checked download view (``contracts.views``),
never at a storage URL. Documents are append-only: no change, no delete.
"""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from common.errors import DomainError
from contracts.models import Contract, Document
from contracts.selectors.agreements import contract_list_for
from contracts.selectors.documents import document_list_for
from contracts.services.documents import (
    allowed_types_label,
    document_upload,
    size_limit_label,
)
from reviews.models import Clearance
from reviews.selectors.clearances import clearance_list_for
from workflow.admin import (
    SaveRefused,
    SavesThroughServices,
    ScopedModelAdmin,
    error_text,
    is_member,
)
from workflow.admin.proposal import proposal_documents
from workflow.models import Membership, Project
from workflow.selectors import project_list_for
from workflow.visibility import memberships_of

UPLOADER_ROLES = frozenset(
    {
        Membership.Role.PRODUCER,
        Membership.Role.CONTENT_MANAGER,
        Membership.Role.REGULATOR_REVIEWER,
    }
)


def may_upload_documents(user) -> bool:
    """Someone who could upload some kind of document (the service decides for each one)."""
    return user.is_active and any(m.role in UPLOADER_ROLES for m in memberships_of(user))


@proposal_documents
def _proposal_documents(project, user) -> list[tuple[str, str]]:
    """The project's current documents the user may open, for the proposal panel."""
    documents = document_list_for(user).filter(project=project, superseded=False)
    return [
        (
            f"{document.get_kind_display()} · {document.original_name}",
            reverse("v1:document-download", args=[document.pk]),
        )
        for document in documents
    ]


def download_link(document: Document):
    return format_html(
        '<a href="{}">{}</a>',
        reverse("v1:document-download", args=[document.pk]),
        _("Download"),
    )


class DocumentUploadForm(forms.ModelForm):
    project = forms.ModelChoiceField(queryset=Project.objects.none(), label=_("project"))
    contract = forms.ModelChoiceField(
        queryset=Contract.objects.none(),
        required=False,
        label=_("contract"),
        help_text=_("For a signed contract: the version it is a copy of."),
    )
    clearance = forms.ModelChoiceField(
        queryset=Clearance.objects.none(),
        required=False,
        label=_("clearance"),
        help_text=_("For a clearance scan: the clearance it is a scan of."),
    )
    file = forms.FileField(
        label=_("file"),
        allow_empty_file=True,  # the service refuses it, with the same message as the API
    )

    class Meta:
        model = Document
        fields = ("project", "kind", "contract", "clearance", "file")

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _(
            "Signed contract: %(contract)s. Clearance scan: %(scan)s. Script or synopsis: "
            "%(script)s. At most %(limit)s."
        ) % {
            "contract": allowed_types_label(Document.Kind.SIGNED_CONTRACT),
            "scan": allowed_types_label(Document.Kind.CLEARANCE_SCAN),
            "script": allowed_types_label(Document.Kind.SCRIPT),
            "limit": size_limit_label(),
        }
        if user is not None:
            self.fields["project"].queryset = project_list_for(user)
            self.fields["contract"].queryset = contract_list_for(user)
            self.fields["clearance"].queryset = clearance_list_for(user)

    def _post_clean(self):
        """The model's rules run in the service, with the checked file; not here."""


@admin.register(Document)
class DocumentAdmin(SavesThroughServices, ScopedModelAdmin):
    list_display = (
        "original_name",
        "kind",
        "project",
        "attached_to",
        "size_display",
        "uploaded_by",
        "uploaded_at",
        "latest",
        "download",
    )
    list_filter = ("kind",)
    search_fields = ("original_name", "project__title")
    show_full_result_count = False
    fields = (
        "project",
        "kind",
        "contract",
        "clearance",
        "original_name",
        "content_type",
        "size_display",
        "sha256",
        "uploaded_by",
        "uploaded_at",
        "download",
    )
    readonly_fields = fields

    def get_queryset(self, request):
        return document_list_for(request.user)

    @admin.display(description=_("belongs to"))
    def attached_to(self, obj):
        return obj.contract or obj.clearance or "-"

    @admin.display(description=_("size"), ordering="size")
    def size_display(self, obj):
        return filesizeformat(obj.size)

    @admin.display(description=_("latest"), boolean=True)
    def latest(self, obj):
        return not getattr(obj, "superseded", False)

    @admin.display(description=_("file"))
    def download(self, obj):
        return download_link(obj)

    def has_module_permission(self, request):
        return is_member(request.user)

    def has_view_permission(self, request, obj=None):
        return is_member(request.user)

    def has_add_permission(self, request):
        return may_upload_documents(request.user)

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    # Uploading: through the service.

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:

            class BoundUploadForm(DocumentUploadForm):
                def __init__(self, *args, **inner):
                    super().__init__(*args, user=request.user, **inner)

            kwargs["form"] = BoundUploadForm
            kwargs["fields"] = DocumentUploadForm.Meta.fields
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request, obj=None):
        return DocumentUploadForm.Meta.fields if obj is None else self.fields

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else self.readonly_fields

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        try:
            saved = document_upload(
                project=data["project"],
                kind=data["kind"],
                file=data["file"],
                actor=request.user,
                contract=data.get("contract"),
                clearance=data.get("clearance"),
            )
        except (DomainError, ValidationError) as exc:
            raise SaveRefused(error_text(exc)) from exc
        for field in Document._meta.concrete_fields:
            setattr(obj, field.attname, getattr(saved, field.attname))
        obj._state.adding = False
        obj._state.db = saved._state.db
