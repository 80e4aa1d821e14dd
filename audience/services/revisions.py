"""Recording a revision: the writing team's decision to change episodes, with the audience
evidence it cites.

The log is append-only: a revision is never edited or deleted once recorded (a correction is a new
revision that says what it corrects). What the evidence weighed at the time is computed here, from
the database, and frozen on each ``RevisionEvidence`` row; a client never sends counts:

- a term: ``mentions`` (the project's unflagged signals containing it, each signal once) and
  ``distinct_authors`` (their distinct hashed authors);
- a signal: its ``likes``.

Only the producer side (the project company's producers and org admins: the writing team) records
revisions; the platform reads them.
"""

from collections.abc import Iterable
from datetime import datetime

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audience.models import AudienceSignal, Episode, Revision, RevisionEvidence, SignalTerm
from audience.selectors import is_writing_team
from common.errors import DomainError, PermissionDenied
from workflow.models import Project, ProjectState
from workflow.services import project_lock

MAX_EPISODES = 500
MAX_SIGNALS = 50
MAX_TERMS = 20
TERM_MAX_LENGTH = RevisionEvidence._meta.get_field("term").max_length
CLOSED_STATES = frozenset({ProjectState.COMPLETED, ProjectState.REJECTED, ProjectState.WITHDRAWN})


class RevisionsClosed(DomainError):
    status_code = 409
    code = "revisions_closed"
    default_detail = _(
        "Revisions are no longer recorded: the project is completed, rejected or withdrawn."
    )


def term_counts(
    project_id: int, terms: Iterable[str], *, until: datetime | None = None
) -> dict[str, tuple[int, int]]:
    """``{term: (mentions, distinct authors)}`` over the project's unflagged signals (posted by
    ``until``, if given), one query; terms no signal contains are left out."""
    terms = list(terms)
    if not terms:
        return {}
    rows = SignalTerm.objects.filter(
        project_id=project_id,
        term__in=terms,
        signal__is_duplicate=False,
        signal__is_automated=False,
    )
    if until is not None:
        rows = rows.filter(signal__posted_at__lte=until)
    rows = (
        rows.order_by()
        .values("term")
        .annotate(
            mentions=Count("signal_id", distinct=True),
            authors=Count("signal__author_hash", distinct=True),
        )
    )
    return {row["term"]: (row["mentions"], row["authors"]) for row in rows}


def _unique(values: Iterable) -> list:
    seen: list = []
    for value in values:
        if value not in seen:
            seen.append(value)
    return seen


def normalise_term(term: str) -> str:
    """As ``audience.text.terms`` stores them: trimmed, English lowercased."""
    return str(term).strip().lower()


def _check_episodes(project: Project, numbers: list[int], errors: dict) -> list[Episode]:
    numbers = _unique(numbers)
    if not numbers:
        errors["episodes"] = [_("Name at least one affected episode.")]
        return []
    if len(numbers) > MAX_EPISODES:
        errors["episodes"] = [_("Name at most %(max)d episodes.") % {"max": MAX_EPISODES}]
        return []
    found = {
        episode.number: episode
        for episode in Episode.objects.filter(project=project, number__in=numbers)
    }
    missing = sorted(n for n in numbers if n not in found)
    if missing:
        errors["episodes"] = [
            _("This project has no episode %(numbers)s.")
            % {"numbers": ", ".join(str(n) for n in missing)}
        ]
        return []
    return [found[n] for n in sorted(numbers)]


def _check_signals(
    project: Project, ids: list[int], errors: dict, *, until: datetime
) -> list[AudienceSignal]:
    ids = _unique(ids)
    if len(ids) > MAX_SIGNALS:
        errors["signals"] = [_("Cite at most %(max)d signals.") % {"max": MAX_SIGNALS}]
        return []
    found = {s.pk: s for s in AudienceSignal.objects.filter(project=project, pk__in=ids)}
    messages = []
    missing = [i for i in ids if i not in found]
    if missing:
        messages.append(
            _("Not a signal of this project: %(ids)s.")
            % {"ids": ", ".join(str(i) for i in missing)}
        )
    flagged = [i for i in ids if i in found and (found[i].is_duplicate or found[i].is_automated)]
    if flagged:
        messages.append(
            _(
                "Flagged as a duplicate or as automated, so not counted as the audience's "
                "voice: %(ids)s."
            )
            % {"ids": ", ".join(str(i) for i in flagged)}
        )
    later = [i for i in ids if i in found and found[i].posted_at > until]
    if later:
        messages.append(
            _("Posted after the decision: %(ids)s.") % {"ids": ", ".join(str(i) for i in later)}
        )
    if messages:
        errors["signals"] = messages
        return []
    return [found[i] for i in ids]


def _check_terms(
    project: Project, raw: list[str], errors: dict, *, until: datetime
) -> dict[str, tuple[int, int]]:
    terms = _unique(normalise_term(t) for t in raw)
    messages = []
    if len(terms) > MAX_TERMS:
        errors["terms"] = [_("Cite at most %(max)d terms.") % {"max": MAX_TERMS}]
        return {}
    if any(not t for t in terms):
        messages.append(_("A term cannot be empty."))
    too_long = [t for t in terms if len(t) > TERM_MAX_LENGTH]
    if too_long:
        messages.append(_("A term has at most %(max)d characters.") % {"max": TERM_MAX_LENGTH})
    if messages:
        errors["terms"] = messages
        return {}
    counts = term_counts(project.pk, terms, until=until)
    unknown = [t for t in terms if t not in counts]
    if unknown:
        errors["terms"] = [
            _("No unflagged signal of this project contains: %(terms)s.")
            % {"terms": ", ".join(unknown)}
        ]
        return {}
    return {t: counts[t] for t in terms}


@transaction.atomic
def revision_record(
    *,
    project: Project,
    actor,
    kind: str,
    summary: str,
    description: str = "",
    episodes: list[int],
    signals: list[int] | None = None,
    terms: list[str] | None = None,
    decided_at: datetime | None = None,
) -> Revision:
    """Record a decision to change ``episodes`` (numbers of the project's episodes), citing
    ``signals`` (ids of the project's unflagged signals) and/or ``terms`` (found in them).

    Every problem of the body is reported at once, per field; nothing is written unless all is
    well. The counts of the evidence are the database's at this moment, over the signals posted
    by the decision. ``decided_at`` records a decision taken earlier (the demo seed uses it; the
    API and the admin always record the present); it cannot be in the future.
    """
    locked = project_lock(project.pk)
    if not (actor.is_superuser or is_writing_team(actor, locked)):
        raise PermissionDenied(
            _("Only the producer's team (its producers and admins) records revisions.")
        )
    if locked.state in CLOSED_STATES:
        raise RevisionsClosed()
    errors: dict[str, list] = {}
    now = timezone.now()
    if decided_at is None:
        decided_at = now
    elif decided_at > now:
        errors["decided_at"] = [_("The decision cannot be in the future.")]
        decided_at = now
    affected = _check_episodes(locked, list(episodes or []), errors)
    cited_signals = _check_signals(locked, list(signals or []), errors, until=decided_at)
    cited_terms = _check_terms(locked, list(terms or []), errors, until=decided_at)
    if not signals and not terms:
        errors.setdefault(NON_FIELD_ERRORS, []).append(
            _("Cite the evidence: at least one signal or one term.")
        )
    revision = Revision(
        project=locked,
        kind=kind,
        summary=(summary or "").strip(),
        description=(description or "").strip(),
        decided_by=actor,
        decided_at=decided_at,
    )
    try:
        revision.full_clean()
    except ValidationError as exc:
        for name, messages in exc.message_dict.items():
            errors.setdefault(name, []).extend(messages)
    if errors:
        raise ValidationError(errors)
    revision.save()
    revision.episodes.set(affected)
    evidence = [RevisionEvidence(revision=revision, signal=s, likes=s.likes) for s in cited_signals]
    evidence += [
        RevisionEvidence(revision=revision, term=term, mentions=mentions, distinct_authors=authors)
        for term, (mentions, authors) in cited_terms.items()
    ]
    for row in evidence:
        row.full_clean(exclude=["revision"])
    RevisionEvidence.objects.bulk_create(evidence)
    return revision
