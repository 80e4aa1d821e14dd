"""The document download: the one checked way a stored document's bytes leave mdprod.

Documents are never served from ``MEDIA_URL``. This view (``/api/v1/documents/<id>/download/``)
finds the document in the caller's scope (404 otherwise, whether it exists or not), checks again
that the caller may see the object it belongs to, and streams the file from the storage backend as
an attachment under its original name. It is a DRF view, so it accepts every API credential
(token, API key with the ``read`` scope, session); the admin links to it too.
"""

import logging

from django.http import FileResponse, Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.views import APIView

from common.schema import NOT_IN_SCOPE
from contracts.models import Document
from contracts.models.documents import EXTENSION_FOR_TYPE
from contracts.selectors.documents import document_list_for, document_visible

logger = logging.getLogger(__name__)


def document_response(document: Document) -> FileResponse:
    """The file as a download: attachment with its original name, never sniffed or framed."""
    try:
        handle = document.file.open("rb")
    except OSError as exc:
        logger.error("Document %s: stored file %s is missing", document.pk, document.file.name)
        raise Http404(_("The document's file is missing from storage.")) from exc
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=document.original_name,
        content_type=document.content_type,
    )
    response["Content-Length"] = str(document.size)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response


class DocumentDownloadView(APIView):
    """Stream a document's file to a caller who may see what it belongs to."""

    def perform_content_negotiation(self, request, force=False):
        # The answer is the file itself, whatever the client says it accepts.
        return super().perform_content_negotiation(request, force=True)

    @extend_schema(
        operation_id="v1_documents_download",
        summary="Download a document's file",
        description=(
            "The stored bytes, as an attachment named as uploaded (`Content-Disposition`), with "
            "the content type mdprod detected on upload. Signed contracts only for the two "
            "parties of the contract; clearance scans for whoever sees the clearance; scripts "
            "and synopses for whoever sees the project. Anything else is 404."
        ),
        responses={
            **{
                (200, content_type): OpenApiResponse(
                    OpenApiTypes.BINARY, description="The file, in the type detected on upload."
                )
                for content_type in EXTENSION_FOR_TYPE
            },
            404: NOT_IN_SCOPE,
        },
    )
    def get(self, request, pk: int):
        document = document_list_for(request.user).filter(pk=pk).first()
        if document is None or not document_visible(request.user, document):
            raise Http404
        return document_response(document)
