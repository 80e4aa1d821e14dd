"""Uploading documents: a contract's signed copy, a clearance's scan, a script or a synopsis.

A file's type is what its bytes are, not what the client calls it: PDF (``%PDF-``), PNG, JPEG,
DOCX (a ZIP holding ``word/document.xml``) or plain text (valid UTF-8 without NUL bytes). Each kind
accepts some of these, and the file's name must end in an extension of the type it really is (a
PDF called ``scan.png`` is refused, so that the name it is downloaded under does not lie). Empty
files and files above ``MDPROD_DOCUMENT_MAX_MB`` (default 20) are refused on ``file``.

Who may upload:

- a signed contract: either party of the contract (a producer of the project's company, a
  content manager of the platform), once the producer has signed it;
- a clearance scan: a member of the organisation that issued the clearance, or a producer;
- a script or a synopsis: a producer, while the project is not closed. Under a work-for-hire
  contract the platform holds the script: its content managers upload it, the producer may not.

Documents are append-only (see ``contracts.models.documents``).
"""

import codecs
import hashlib
import zipfile
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from common.errors import DomainError, PermissionDenied
from contracts.models import Contract
from contracts.models.documents import Document
from reviews.models import Clearance
from workflow.models import Project, ProjectState
from workflow.permissions import CONTENT_MANAGER, PRODUCER
from workflow.services import project_lock
from workflow.visibility import memberships_of

DEFAULT_MAX_MB = 20
CHUNK = 64 * 1024

PDF = "application/pdf"
PNG = "image/png"
JPEG = "image/jpeg"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
TXT = "text/plain"

TYPE_LABELS = {PDF: "PDF", PNG: "PNG", JPEG: "JPEG", DOCX: "DOCX", TXT: _("plain text (UTF-8)")}
# The extensions a file's name may end in, by type (it is stored under the model's own).
EXTENSIONS = {PDF: ("pdf",), PNG: ("png",), JPEG: ("jpg", "jpeg"), DOCX: ("docx",), TXT: ("txt",)}
ALLOWED_TYPES = {
    Document.Kind.SIGNED_CONTRACT: (PDF,),
    Document.Kind.CLEARANCE_SCAN: (PDF, JPEG, PNG),
    Document.Kind.SCRIPT: (PDF, DOCX, TXT),
    Document.Kind.SYNOPSIS: (PDF, DOCX, TXT),
}

# A signed copy exists once the producer has signed.
SIGNED_STATUSES = frozenset(
    {
        Contract.Status.SIGNED,
        Contract.Status.ACTIVE,
        Contract.Status.COMPLETED,
        Contract.Status.TERMINATED,
    }
)
CLOSED_STATES = frozenset({ProjectState.COMPLETED, ProjectState.REJECTED, ProjectState.WITHDRAWN})
# A work-for-hire contract in these statuses gives the script to the platform.
WORK_FOR_HIRE_BINDING = frozenset(
    {Contract.Status.SENT, Contract.Status.SIGNED, Contract.Status.ACTIVE}
)


class DocumentsClosed(DomainError):
    """Scripts and synopses are not uploaded to a closed project."""

    status_code = 409
    code = "documents_closed"
    default_detail = _(
        "Scripts and synopses can no longer be uploaded: the project is completed, rejected "
        "or withdrawn."
    )


def max_upload_bytes() -> int:
    """``MDPROD_DOCUMENT_MAX_MB`` in bytes (read at call time; a fraction of a MB is allowed)."""
    raw = getattr(settings, "MDPROD_DOCUMENT_MAX_MB", DEFAULT_MAX_MB)
    try:
        megabytes = Decimal(str(raw))
    except InvalidOperation:
        megabytes = Decimal(DEFAULT_MAX_MB)
    return int(megabytes * 1024 * 1024)


def size_limit_label() -> str:
    raw = getattr(settings, "MDPROD_DOCUMENT_MAX_MB", DEFAULT_MAX_MB)
    try:
        return f"{Decimal(str(raw)).normalize():f} MB"
    except InvalidOperation:
        return f"{DEFAULT_MAX_MB} MB"


def allowed_types_label(kind: str) -> str:
    return ", ".join(str(TYPE_LABELS[t]) for t in ALLOWED_TYPES[kind])


def _read_all(file, *, limit: int) -> tuple[int, str, bool]:
    """Size, SHA-256 and whether the bytes are UTF-8 text without NUL, in one streamed pass
    (stopped once past ``limit``: the size is then only known to be too large)."""
    digest = hashlib.sha256()
    decoder = codecs.getincrementaldecoder("utf-8")()
    size = 0
    text = True
    file.seek(0)
    for chunk in file.chunks(CHUNK):
        size += len(chunk)
        if size > limit:
            break
        digest.update(chunk)
        if text:
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError:
                text = False
            else:
                text = b"\x00" not in chunk
    if text:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            text = False
    file.seek(0)
    return size, digest.hexdigest(), text


def _is_docx(file) -> bool:
    file.seek(0)
    try:
        with zipfile.ZipFile(file) as archive:
            return "word/document.xml" in archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return False
    finally:
        file.seek(0)


def sniff(file, *, is_text: bool) -> str | None:
    """The content type the file's bytes show, or None for none of the recognised ones."""
    file.seek(0)
    head = file.read(8)
    file.seek(0)
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"PK\x03\x04"):
        return DOCX if _is_docx(file) else None
    return TXT if is_text else None


def _extension(name: str) -> str:
    stem, dot, extension = name.rpartition(".")
    return extension.lower() if dot and stem else ""


def _clean_name(name: str) -> str:
    # Only the last path component, without control characters; never used for storage.
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    return "".join(c for c in name if c.isprintable()).strip()[:255]


def _checked_file(kind: str, file: UploadedFile) -> tuple[str, str, int, str]:
    """(original name, content type, size, sha256) of an acceptable file; ValidationError on
    ``file`` naming the allowed types or the limit otherwise."""
    if file is None:
        raise ValidationError({"file": _("Attach a file.")})
    limit = max_upload_bytes()
    if file.size is not None and file.size > limit:
        raise ValidationError(
            {
                "file": _("The file is larger than the limit of %(limit)s.")
                % {"limit": size_limit_label()}
            }
        )
    size, sha256, is_text = _read_all(file, limit=limit)
    if size == 0:
        raise ValidationError({"file": _("The file is empty.")})
    if size > limit:
        raise ValidationError(
            {
                "file": _("The file is larger than the limit of %(limit)s.")
                % {"limit": size_limit_label()}
            }
        )
    allowed = ALLOWED_TYPES[kind]
    detected = sniff(file, is_text=is_text)
    label = Document.Kind(kind).label
    if detected not in allowed:
        raise ValidationError(
            {
                "file": _("A %(kind)s must be one of: %(allowed)s. This file's content is not.")
                % {"kind": str(label).lower(), "allowed": allowed_types_label(kind)}
            }
        )
    name = _clean_name(file.name or "")
    if _extension(name) not in EXTENSIONS[detected]:
        raise ValidationError(
            {
                "file": _("The file's content is %(type)s, so its name must end in %(extensions)s.")
                % {
                    "type": TYPE_LABELS[detected],
                    "extensions": _(" or ").join(f".{e}" for e in EXTENSIONS[detected]),
                }
            }
        )
    return name, detected, size, sha256


def _work_for_hire(project: Project) -> bool:
    return Contract.objects.filter(
        project=project,
        commissioning_model=Contract.Model.WORK_FOR_HIRE,
        status__in=WORK_FOR_HIRE_BINDING,
    ).exists()


def _check_target(
    *,
    project: Project,
    kind: str,
    actor,
    contract: Contract | None,
    clearance: Clearance | None,
) -> None:
    """The object the document belongs to is the right one, and the actor may attach to it."""
    errors = {}
    if kind == Document.Kind.SIGNED_CONTRACT:
        if contract is None:
            errors["contract"] = _("A signed contract needs the contract it is a copy of.")
        elif contract.project_id != project.pk:
            errors["contract"] = _("This contract belongs to another project.")
    elif contract is not None:
        errors["contract"] = _("Only a signed contract belongs to a contract.")
    if kind == Document.Kind.CLEARANCE_SCAN:
        if clearance is None:
            errors["clearance"] = _("A clearance scan needs the clearance it is a scan of.")
        elif clearance.project_id != project.pk:
            errors["clearance"] = _("This clearance belongs to another project.")
    elif clearance is not None:
        errors["clearance"] = _("Only a clearance scan belongs to a clearance.")
    if errors:
        raise ValidationError(errors)

    if kind == Document.Kind.SIGNED_CONTRACT:
        if not (PRODUCER(project, actor) or CONTENT_MANAGER(project, actor)):
            raise PermissionDenied(
                _(
                    "Only a party of the contract (a producer of the project's company or a "
                    "content manager of the platform) can attach its signed copy."
                )
            )
        if contract.status not in SIGNED_STATUSES:
            raise ValidationError(
                {
                    "contract": _(
                        "A signed copy can be attached once the producer has signed the "
                        "contract; this version is %(status)s."
                    )
                    % {"status": str(contract.get_status_display()).lower()}
                }
            )
    elif kind == Document.Kind.CLEARANCE_SCAN:
        issuer = any(m.organisation_id == clearance.issued_by_id for m in memberships_of(actor))
        if not (issuer or PRODUCER(project, actor)):
            raise PermissionDenied(
                _(
                    "Only a member of the issuing organisation or a producer of the project "
                    "can attach a clearance's scan."
                )
            )
    else:
        if project.state in CLOSED_STATES:
            raise DocumentsClosed()
        if kind == Document.Kind.SCRIPT and _work_for_hire(project):
            if not CONTENT_MANAGER(project, actor):
                raise PermissionDenied(
                    _(
                        "Under a work-for-hire contract the platform holds the script: the "
                        "producer may not revise it. A content manager of the platform uploads "
                        "it."
                    )
                )
        elif not PRODUCER(project, actor):
            raise PermissionDenied(
                _("Only a producer of the project's company can upload its %(kind)s.")
                % {"kind": str(Document.Kind(kind).label).lower()}
            )


@transaction.atomic
def document_upload(
    *,
    project: Project,
    kind: str,
    file: UploadedFile,
    actor,
    contract: Contract | None = None,
    clearance: Clearance | None = None,
) -> Document:
    """Attach a document to the project (and to its contract or clearance, by kind).

    Checks run before anything is stored; if the row cannot be written, the stored file is
    removed again.
    """
    if kind not in Document.Kind.values:
        raise ValidationError({"kind": _("Unknown kind of document.")})
    locked = project_lock(project.pk)
    _check_target(project=locked, kind=kind, actor=actor, contract=contract, clearance=clearance)
    name, content_type, size, sha256 = _checked_file(kind, file)
    document = Document(
        project=locked,
        kind=kind,
        contract=contract,
        clearance=clearance,
        original_name=name,
        content_type=content_type,
        size=size,
        sha256=sha256,
        uploaded_by=actor,
    )
    document.full_clean(exclude=["file"])
    # The file's name is the client's: upload_to replaces it with a uuid under the project.
    document.file.save(name or "upload", file, save=False)
    try:
        with transaction.atomic():
            document.save()
    except Exception:
        document.file.delete(save=False)
        raise
    # Django has no rollback hook: if a caller's surrounding transaction is rolled back later,
    # the stored file stays behind without a row (harmless: nothing links to it).
    return document
