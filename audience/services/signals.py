"""Importing audience signals: one validation for the CSV command, the admin upload and the API.

Rows come in as ``(row number, mapping)`` pairs (CSV: the line in the file, the header being 1;
API: the index in ``rows``). All or nothing: a single bad row writes nothing, and every bad field
is reported as ``row N: field: message`` (the first ``MAX_ERRORS``, with the total).

Each good row is stored as it will be read: the author id as ``hash_author`` (the raw id is
never stored), the text with personal data redacted, its terms extracted, and two flags that
the views use to leave it out by default:

- **exact duplicate**: the same fingerprint (platform, kind, episode or clip, author, time,
  normalised text) as a signal imported before or an earlier row of the file;
- **suspected automated**: the same normalised text (weighing at least
  ``AUDIENCE_AUTOMATION_MIN_LENGTH`` by ``text_weight``: "好看" and "more please" are what
  people say) from at least
  ``AUDIENCE_AUTOMATION_MIN_AUTHORS`` distinct authors within ``AUDIENCE_AUTOMATION_WINDOW_MINUTES``
  anywhere in the project (looked up by ``text_key``, an indexed hash of the normalised text).
  Signals imported earlier are flagged too once new rows complete such
  a burst, and their imports' counts follow.

Rows are written in batches, with the same handful of queries per batch whatever its size. The
project row is locked for the import (``project_lock``): two imports of one project run one
after the other (the second gets ``concurrent_update``), so that both flags see every row.
"""

import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audience.models import AudienceSignal, Episode, SignalImport, SignalTerm, TestClip
from audience.selectors import on_writing_or_platform_side
from audience.services.signal_rows import RowTargets, fingerprint, signal_row_parse
from audience.text import hash_author, normalise, redact, terms, text_key
from common.errors import PermissionDenied
from common.spreadsheets import RowError
from workflow.models import Project
from workflow.services import project_lock

BATCH_SIZE = 1000
MAX_ERRORS = 1000
BULK_MAX_ROWS = 5000
# Beyond this many separate time windows in one batch, one range from the first to the last is
# read instead (a few more rows, far fewer OR terms in the query).
MAX_WINDOWS = 50


def automation_rule() -> tuple[int, timedelta, int]:
    """(distinct authors, window, minimum normalised length) from the settings."""
    return (
        max(2, int(getattr(settings, "AUDIENCE_AUTOMATION_MIN_AUTHORS", 5))),
        timedelta(minutes=int(getattr(settings, "AUDIENCE_AUTOMATION_WINDOW_MINUTES", 10))),
        int(getattr(settings, "AUDIENCE_AUTOMATION_MIN_LENGTH", 8)),
    )


def text_weight(key: str) -> float:
    """How much a normalised text says, for the automation rule: a Chinese character (any wide
    character) counts 1, a Latin letter or a digit half, about what an English word of two
    letters carries. "好看好看" weighs 4, "more please" 5, "666666" 3: common human reactions."""
    return sum(1 if unicodedata.east_asian_width(char) in "WF" else 0.5 for char in key)


class SignalRowsInvalid(ValidationError):
    """Bad rows: nothing was imported. ``row_errors`` holds the first ``MAX_ERRORS`` of
    ``error_count`` errors; the messages (under ``rows``) read ``row N: field: message``."""

    def __init__(self, row_errors: list[RowError], error_count: int) -> None:
        self.row_errors = row_errors
        self.error_count = error_count
        messages = [str(error) for error in row_errors]
        if error_count > len(row_errors):
            messages.append(
                str(_("… and %(n)d more errors.")) % {"n": error_count - len(row_errors)}
            )
        super().__init__({"rows": messages})


# Who may import ---------------------------------------------------------------------------------


def may_import_signals(user, project: Project) -> bool:
    """The producer side (producers, org admins) and, once the project is submitted, the
    commissioning platform's content managers and org admins; a superuser."""
    return on_writing_or_platform_side(user, project)


# The import -------------------------------------------------------------------------------------


@dataclass
class _Pending:
    signal: AudienceSignal
    key: str  # the normalised text (its hash is ``signal.text_key``)
    terms: set[str]


@dataclass
class _Importer:
    target: RowTargets
    signal_import: SignalImport
    now: datetime
    min_authors: int
    window: timedelta
    min_length: int
    errors: list[RowError] = field(default_factory=list)
    error_count: int = 0
    bad_rows: int = 0
    pending: list[_Pending] = field(default_factory=list)
    rows: int = 0
    duplicates: int = 0
    redactions: int = 0
    reflagged_imports: set[int] = field(default_factory=set)

    def _error(self, row: int, name: str, message: str) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_ERRORS:
            self.errors.append(RowError(row, name, str(message)))

    def add(self, number: int, raw: Any) -> None:
        self.rows += 1
        if not isinstance(raw, Mapping):
            self.bad_rows += 1
            self._error(number, "row", str(_("Each row is an object.")))
            return
        values, errors = signal_row_parse(raw, target=self.target, now=self.now)
        if errors:
            self.bad_rows += 1
            for name, message in errors.items():
                self._error(number, name, message)
            return
        if self.bad_rows:
            return  # nothing will be written: only look for further errors
        text, redactions = redact(values["text"])
        author = hash_author(values["platform"], values["author_id"])
        signal = AudienceSignal(
            project_id=self.target.project.pk,
            episode_id=values["episode_id"],
            clip_id=values["clip_id"],
            source_import=self.signal_import,
            platform=values["platform"],
            kind=values["kind"],
            posted_at=values["posted_at"],
            offset_seconds=values["offset_seconds"],
            text=text,
            author_hash=author,
            likes=values["likes"],
            redactions=redactions,
            fingerprint=fingerprint(
                platform=values["platform"],
                kind=values["kind"],
                target=values["target"],
                author=author,
                posted_at=values["posted_at"],
                text=text,
            ),
        )
        key = normalise(text)
        signal.text_key = text_key(text)
        self.redactions += redactions
        self.pending.append(_Pending(signal, key, terms(text)))
        if len(self.pending) >= BATCH_SIZE:
            self.flush()

    # One batch: a query for duplicates, one for the automation windows, the inserts, and an
    # update of earlier signals that a burst now includes.

    def _flag_duplicates(self) -> None:
        prints = {p.signal.fingerprint for p in self.pending}
        seen = set(
            AudienceSignal.objects.filter(
                project_id=self.target.project.pk, fingerprint__in=prints
            ).values_list("fingerprint", flat=True)
        )
        for item in self.pending:
            if item.signal.fingerprint in seen:
                item.signal.is_duplicate = True
                self.duplicates += 1
            seen.add(item.signal.fingerprint)

    def _windows(self, moments: list[datetime]) -> list[tuple[datetime, datetime]]:
        merged: list[list[datetime]] = []
        for moment in sorted(moments):
            low, high = moment - self.window, moment + self.window
            if merged and low <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], high)
            else:
                merged.append([low, high])
        if len(merged) > MAX_WINDOWS:
            merged = [[merged[0][0], merged[-1][1]]]
        return [(low, high) for low, high in merged]

    def _flag_automation(self) -> list[int]:
        """Flag this batch's rows in a burst; return the ids of stored signals a burst now
        includes that were not flagged yet."""
        candidates = [p for p in self.pending if text_weight(p.key) >= self.min_length]
        if not candidates:
            return []
        in_windows = Q()
        for low, high in self._windows([p.signal.posted_at for p in candidates]):
            in_windows |= Q(posted_at__range=(low, high))
        stored = AudienceSignal.objects.filter(
            in_windows,
            project_id=self.target.project.pk,
            text_key__in={p.signal.text_key for p in candidates},
        ).values_list("pk", "text_key", "author_hash", "posted_at", "is_automated")
        # Per text: (time, author, stored id or None, pending item or None, already flagged)
        groups: dict[str, list[tuple]] = defaultdict(list)
        for pk, key, author, posted_at, flagged in stored:
            groups[key].append((posted_at, author, pk, None, flagged))
        for item in candidates:
            groups[item.signal.text_key].append(
                (item.signal.posted_at, item.signal.author_hash, None, item, False)
            )
        newly_flagged: list[int] = []
        for members in groups.values():
            members.sort(key=lambda member: member[0])
            for index in self._bursts(members):
                _posted_at, _author, pk, item, flagged = members[index]
                if item is not None:
                    item.signal.is_automated = True
                elif not flagged:
                    newly_flagged.append(pk)
        return newly_flagged

    def _bursts(self, members: list[tuple]) -> set[int]:
        """Indexes of the members (sorted by time) within some window of ``self.window`` that
        holds ``min_authors`` distinct authors."""
        flagged: set[int] = set()
        authors: Counter[str] = Counter()
        end = 0
        for start in range(len(members)):
            while end < len(members) and members[end][0] - members[start][0] <= self.window:
                authors[members[end][1]] += 1
                end += 1
            if len(authors) >= self.min_authors:
                flagged.update(range(start, end))
            authors[members[start][1]] -= 1
            if not authors[members[start][1]]:
                del authors[members[start][1]]
        return flagged

    def flush(self) -> None:
        if not self.pending:
            return
        self._flag_duplicates()
        reflag = self._flag_automation()
        signals = AudienceSignal.objects.bulk_create([p.signal for p in self.pending])
        SignalTerm.objects.bulk_create(
            SignalTerm(signal_id=signal.pk, project_id=signal.project_id, term=term)
            for signal, item in zip(signals, self.pending, strict=True)
            for term in sorted(item.terms)
        )
        if reflag:
            self.reflagged_imports.update(
                AudienceSignal.objects.filter(pk__in=reflag)
                .order_by()
                .values_list("source_import_id", flat=True)
                .distinct()
            )
            AudienceSignal.objects.filter(pk__in=reflag).update(is_automated=True)
        self.pending.clear()

    def finish(self) -> SignalImport:
        if self.bad_rows:
            raise SignalRowsInvalid(self.errors, self.error_count)
        self.flush()
        signal_import = self.signal_import
        signal_import.rows = self.rows
        signal_import.duplicates = self.duplicates
        signal_import.redactions = self.redactions
        import_ids = {signal_import.pk} | self.reflagged_imports
        automated = dict(
            AudienceSignal.objects.filter(source_import_id__in=import_ids)
            .order_by()
            .values("source_import_id")
            .annotate(n=Count("pk", filter=Q(is_automated=True)))
            .values_list("source_import_id", "n")
        )
        signal_import.automated = automated.get(signal_import.pk, 0)
        signal_import.full_clean()
        signal_import.save(
            update_fields=["rows", "duplicates", "automated", "redactions", "updated_at"]
        )
        earlier = list(
            SignalImport.objects.filter(pk__in=self.reflagged_imports - {signal_import.pk})
        )
        for other in earlier:
            other.automated = automated.get(other.pk, 0)
        if earlier:
            SignalImport.objects.bulk_update(earlier, ["automated"])
        return signal_import


def signals_import(
    *,
    project: Project,
    rows: Iterable[tuple[int, Any]],
    source: str,
    filename: str = "",
    user,
) -> SignalImport:
    """Import a stream of numbered rows into ``project`` as ``user``: all rows or none.

    Raises ``PermissionDenied`` (403) for a user who may not import the project's signals,
    ``ConcurrentUpdate`` (409) while another import of the project runs, ``SignalRowsInvalid``
    (a ``ValidationError``) for bad rows, and ``ValidationError`` on ``rows`` for an empty one.
    """
    if source not in SignalImport.Source.values:
        raise ValidationError({"source": _("Choose csv or api.")})
    min_authors, window, min_length = automation_rule()
    with transaction.atomic():
        locked = project_lock(project.pk)
        if not may_import_signals(user, locked):
            raise PermissionDenied(
                _(
                    "Only the producer company's producers and the commissioning platform's "
                    "content managers import a project's audience signals."
                )
            )
        target = RowTargets(
            project=locked,
            episodes={
                number: (pk, duration)
                for pk, number, duration in Episode.objects.filter(project=locked).values_list(
                    "pk", "number", "duration_seconds"
                )
            },
            clips=dict(TestClip.objects.filter(project=locked).values_list("code", "pk")),
        )
        signal_import = SignalImport(
            project=locked, source=source, filename=filename[:255], imported_by=user
        )
        signal_import.full_clean()
        signal_import.save()
        importer = _Importer(
            target=target,
            signal_import=signal_import,
            now=timezone.now(),
            min_authors=min_authors,
            window=window,
            min_length=min_length,
        )
        for number, raw in rows:
            importer.add(number, raw)
        if not importer.rows:
            raise ValidationError({"rows": _("There are no rows to import.")})
        return importer.finish()
