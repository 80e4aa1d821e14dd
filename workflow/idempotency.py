"""``Idempotency-Key`` on POSTs under ``/api/v1/``: a retry gets the first answer, not a new effect.

A caller (a person, or an API key's service user) that sends ``Idempotency-Key: <key>`` with a
POST has, for 24 hours, one answer for that key:

- the first request runs; a successful (2xx) answer is kept (status, body, ``Location``,
  ``ETag``, ``Content-Type``) and repeated to every retry with the same method, path and body,
  with ``Idempotent-Replayed: true``;
- an error is not kept: the key is free again, so the client can fix the request and retry;
- an answer that carries a secret (marked ``Cache-Control: no-store``: a new API key, a webhook
  subscription or its rotated secret, a token) is never kept: a retry answers 409
  ``idempotency_key_used`` naming the object the first request created (its id and URL);
- while the first request runs, a retry answers 409 ``idempotency_in_progress``;
- the same key with another method, path or body answers 422 ``idempotency_key_reused``;
- a key longer than 255 characters or outside printable ASCII answers 400.

Requests without credentials (signing in) are not keyed: there is no caller to key them by.
The claim is a row inserted before the view runs, its own transaction, so that two processes
racing with one key meet on the unique constraint; the view's own transactions are untouched.
"""

import hashlib
import json
import logging
import tempfile
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from django.db import DatabaseError, IntegrityError, InterfaceError, OperationalError, transaction
from django.http import HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.request import Request
from rest_framework.settings import api_settings

from common.api import RETRY_AFTER_SECONDS
from workflow.models import IdempotencyRecord

logger = logging.getLogger(__name__)

HEADER = "Idempotency-Key"
META_KEY = "HTTP_IDEMPOTENCY_KEY"
REPLAYED_HEADER = "Idempotent-Replayed"
MAX_KEY_LENGTH = 255
KEPT_FOR = timedelta(hours=24)
# A request still running this long after its claim is taken as lost (its process died), and a
# retry may run; longer than any request is allowed to run.
CLAIM_HELD_FOR = timedelta(minutes=10)
STORED_HEADERS = ("Location", "ETag", "Content-Type")
API_PREFIX = "/api/v1/"
_CHUNK = 64 * 1024


def valid_key(key: str) -> bool:
    return 0 < len(key) <= MAX_KEY_LENGTH and all(" " <= char <= "~" for char in key)


def _error(status: int, code: str, detail: str, **extra) -> JsonResponse:
    return JsonResponse({"code": code, "detail": detail, **extra}, status=status)


def _hash_without(chunks, boundary: bytes) -> str:
    """SHA-256 of the chunks joined, with every ``boundary`` taken out (none when empty)."""
    digest, tail, keep = hashlib.sha256(), b"", max(len(boundary) - 1, 0)
    for chunk in chunks:
        data = tail + chunk
        if boundary:
            data = data.replace(boundary, b"")
        # The last bytes may start a boundary that the next chunk ends.
        split = len(data) - keep
        data, tail = data[:split], data[split:]
        digest.update(data)
    digest.update(tail)
    return digest.hexdigest()


def _body_sha256(request) -> str:
    """A hash of the body as sent; for multipart, without its boundary (a client picks a new one
    for each attempt). A body past the in-memory limit (an upload) is hashed while it is copied to
    a temporary file, which the view then reads instead."""
    boundary = b""
    content_type = request.META.get("CONTENT_TYPE", "")
    if content_type.startswith("multipart/") and "boundary=" in content_type:
        value = content_type.split("boundary=", 1)[1].split(";")[0].strip().strip('"')
        boundary = value.encode("latin-1", "replace")
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0  # Django reads such a body as empty too
    if length <= settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
        return _hash_without([request.body], boundary)
    spool = tempfile.SpooledTemporaryFile(max_size=settings.FILE_UPLOAD_MAX_MEMORY_SIZE)

    def copied():
        while chunk := request.read(_CHUNK):
            spool.write(chunk)
            yield chunk

    digest = _hash_without(copied(), boundary)
    spool.seek(0)
    request._stream, request._read_started = spool, False  # the view reads the copy
    return digest


def _caller(request):
    """The authenticated user (a key's service user for an API key), or None."""
    authenticators = [cls() for cls in api_settings.DEFAULT_AUTHENTICATION_CLASSES]
    # DRF writes what it finds onto the Django request; the view must authenticate afresh
    # (a key's user left there would pass for a session user, and fail the CSRF check).
    saved = {name: request.__dict__[name] for name in ("user", "auth") if name in request.__dict__}
    try:
        user = Request(request, authenticators=authenticators).user
    except exceptions.APIException:
        return None  # the view refuses it the same way
    finally:
        for name in ("user", "auth"):
            request.__dict__.pop(name, None)
        request.__dict__.update(saved)
    return user if user.is_authenticated else None


def _claim(*, user, key: str, method: str, path: str, body_sha256: str):
    """(the new claim, None), or (None, the record another request holds for this key)."""
    for _attempt in range(3):
        now = timezone.now()
        try:
            with transaction.atomic():
                claim = IdempotencyRecord.objects.create(
                    user=user,
                    key=key,
                    method=method,
                    path=path,
                    body_sha256=body_sha256,
                    created_at=now,
                    expires_at=now + CLAIM_HELD_FOR,
                )
            return claim, None
        except IntegrityError:
            pass
        held = IdempotencyRecord.objects.filter(user=user, key=key).first()
        if held is None:  # released in between: claim again
            continue
        if held.expires_at > now:
            return None, held
        IdempotencyRecord.objects.filter(pk=held.pk, expires_at__lte=now).delete()
    return None, None


def _in_progress() -> JsonResponse:
    return _error(
        409,
        "idempotency_in_progress",
        _("A request with this Idempotency-Key is still running; retry when it has answered."),
    )


def _answer_for(held: IdempotencyRecord | None, *, method: str, path: str, body_sha256: str):
    if held is None:  # claimed and released by others three times over: still busy
        return _in_progress()
    if (held.method, held.path, held.body_sha256) != (method, path, body_sha256):
        return _error(
            422,
            "idempotency_key_reused",
            _(
                "This Idempotency-Key was used for another request (%(method)s %(path)s or "
                "another body) within 24 hours; use a new key for a new request."
            )
            % {"method": held.method, "path": held.path},
        )
    if held.status_code is None:
        return _in_progress()
    if held.created_object is not None:
        return _error(
            409,
            "idempotency_key_used",
            _(
                "The first request with this Idempotency-Key created %(object)s; its answer "
                "held a secret, which is shown once and not kept, so it cannot be repeated."
            )
            % {"object": held.created_object.get("url") or _("the object")},
            object=held.created_object,
        )
    response = HttpResponse(bytes(held.response_body or b""), status=held.status_code)
    for header, value in held.response_headers.items():
        response[header] = value
    response[REPLAYED_HEADER] = "true"
    return response


def _created_object(response) -> dict:
    """The id and address of what an answer with a secret created (never the secret)."""
    found = {}
    try:
        body = json.loads(response.content)
    except ValueError:
        body = None
    if isinstance(body, dict) and isinstance(body.get("id"), int | str):
        found["id"] = body["id"]
    url = response.get("Location") or response.get("Content-Location")
    if url:
        found["url"] = url
    return found


def _database_unavailable() -> JsonResponse:
    response = _error(
        503,
        "service_unavailable",
        _("The database is briefly unavailable; nothing was changed. Retry."),
    )
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def _release(claim: IdempotencyRecord) -> None:
    try:
        IdempotencyRecord.objects.filter(pk=claim.pk).delete()
    except DatabaseError:
        logger.exception("could not release Idempotency-Key claim %s", claim.pk)


def _finish(claim: IdempotencyRecord, response) -> None:
    records = IdempotencyRecord.objects.filter(pk=claim.pk)
    if not 200 <= response.status_code < 300 or response.streaming:
        records.delete()  # not kept: the client may fix the request and retry with the key
        return
    kept = {"status_code": response.status_code, "expires_at": claim.created_at + KEPT_FOR}
    if "no-store" in response.get("Cache-Control", ""):
        kept["created_object"] = _created_object(response)
    else:
        kept["response_body"] = response.content
        kept["response_headers"] = {h: response[h] for h in STORED_HEADERS if h in response}
    records.update(**kept)


class IdempotencyMiddleware:
    """Innermost middleware: after the session and the language, around the API's views."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        key = request.META.get(META_KEY)
        if key is None or request.method != "POST" or not request.path.startswith(API_PREFIX):
            return self.get_response(request)
        if not valid_key(key):
            return _error(
                400,
                "invalid",
                _("The request is not valid; see the field messages."),
                fields={
                    HEADER: [
                        _("Give at most %(max)d printable ASCII characters.")
                        % {"max": MAX_KEY_LENGTH}
                    ]
                },
            )
        try:
            body_sha256 = _body_sha256(request)
        except SuspiciousOperation:
            return self.get_response(request)  # the view refuses the body (413, 400)
        user = _caller(request)
        if user is None:
            return self.get_response(request)
        request_line = {"method": request.method, "path": request.get_full_path()}
        try:
            claim, held = _claim(user=user, key=key, body_sha256=body_sha256, **request_line)
        except (OperationalError, InterfaceError):
            return _database_unavailable()
        if claim is None:
            return _answer_for(held, body_sha256=body_sha256, **request_line)
        try:
            response = self.get_response(request)
        except BaseException:
            _release(claim)
            raise
        try:
            _finish(claim, response)
        except DatabaseError:
            # The work is done: answer it. The claim stays until it expires (a retry meanwhile
            # is told the request is in progress), rather than let the work run twice.
            logger.exception("could not record the answer for Idempotency-Key claim %s", claim.pk)
        return response


def idempotency_records_sweep(*, now=None) -> int:
    """Delete the records past their time. Returns how many."""
    deleted, _per_model = IdempotencyRecord.objects.filter(
        expires_at__lte=now or timezone.now()
    ).delete()
    return deleted
