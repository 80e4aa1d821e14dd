"""Documents attached to a project: a contract's signed copy, a clearance's scan, the proposal's
script or synopsis.

The file is stored through Django's storage API (``STORAGES["default"]``: local files by default,
any configured backend in production) under ``documents/<project id>/<uuid>.<ext>``: the stored
name never carries the client's file name, which is kept in ``original_name`` and given back only
in the download's Content-Disposition. Files are never served from ``MEDIA_URL``; the download
view streams them after checking that the caller may see the object they belong to.

Documents are append-only: a newer upload of the same kind (for the same contract or clearance)
supersedes the older one, which stays listed and downloadable; there is no delete.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from workflow.models import Project

# The stored extension of each content type the upload checks recognise (by their bytes).
EXTENSION_FOR_TYPE = {
    "application/pdf": "pdf",
    "image/png": "png",
    "image/jpeg": "jpg",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    "text/plain": "txt",
}


def document_upload_to(instance: "Document", filename: str) -> str:
    """``documents/<project id>/<uuid>.<ext>``, the extension from the checked content type."""
    extension = EXTENSION_FOR_TYPE.get(instance.content_type, "bin")
    return f"documents/{instance.project_id}/{uuid.uuid4().hex}.{extension}"


class Document(models.Model):
    class Kind(models.TextChoices):
        SIGNED_CONTRACT = "signed_contract", _("Signed contract")
        CLEARANCE_SCAN = "clearance_scan", _("Clearance scan")
        SCRIPT = "script", _("Script")
        SYNOPSIS = "synopsis", _("Synopsis")

    project = models.ForeignKey(
        Project, on_delete=models.PROTECT, related_name="documents", verbose_name=_("project")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    contract = models.ForeignKey(
        "contracts.Contract",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="documents",
        verbose_name=_("contract"),
    )
    clearance = models.ForeignKey(
        "reviews.Clearance",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="documents",
        verbose_name=_("clearance"),
    )
    file = models.FileField(_("file"), upload_to=document_upload_to, max_length=200)
    original_name = models.CharField(_("original file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ["-uploaded_at", "-id"]
        indexes = [models.Index(fields=["project", "kind"], name="document_project_kind")]
        constraints = [
            # A signed contract belongs to a contract, a scan to a clearance, a script or a
            # synopsis to the proposal alone.
            models.CheckConstraint(
                name="document_kind_matches_its_object",
                condition=Q(kind="signed_contract", contract__isnull=False, clearance__isnull=True)
                | Q(kind="clearance_scan", clearance__isnull=False, contract__isnull=True)
                | Q(kind__in=["script", "synopsis"], contract__isnull=True, clearance__isnull=True),
            ),
            models.CheckConstraint(name="document_not_empty", condition=Q(size__gt=0)),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.original_name}"
