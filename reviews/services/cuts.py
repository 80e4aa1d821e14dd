"""The platform cut review: the producer delivers a cut, the platform reviews it episode by
episode, with findings, until it approves the cut for the finished-cut review.

- ``cut_submit`` records a numbered delivery (one reference and duration per episode) and fires
  ``submit_cut`` (from production, round 1) or ``resubmit_cut`` (after changes, the next round).
  An episode approved in the previous round and delivered again unchanged (same reference) keeps
  its approval; every other episode waits for review.
- ``cut_findings_add``: the content manager's findings, feedback items tied to an episode and a
  timecode; a must-fix finding marks its episode "needs changes".
- ``cut_episodes_mark``: the content manager sets episodes approved or needing changes.
- ``request_cut_changes`` needs a must-fix finding on the round's cut, ``approve_cut`` none open
  and no episode needing changes (reviews.rules.cuts); both are plain transitions.
"""

import re
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from common.errors import DomainError, PermissionDenied
from reviews.models import CutEpisode, CutSubmission, FeedbackItem
from reviews.services.feedback import feedback_items_add
from workflow.keys import require_transition_scope
from workflow.models import Project, ProjectState
from workflow.permissions import CONTENT_MANAGER, PRODUCER
from workflow.services import COMMENT_MAX_LENGTH, project_lock, transition_fire

S = ProjectState
Outcome = CutEpisode.Outcome
CUT_REVIEW = FeedbackItem.Stage.CUT_REVIEW

# An http(s) URL, an object-storage URI (Amazon S3, Alibaba OSS, Tencent COS, Huawei OBS, Google
# Cloud Storage), or a bare storage key such as "studio-a/dragon/ep01-v2.mp4".
REFERENCE = re.compile(r"^((https?|s3|oss|cos|obs|gs)://[^\s]+|[A-Za-z0-9][A-Za-z0-9._\-/]*)$")
REFERENCE_MAX_LENGTH = CutEpisode._meta.get_field("reference").max_length
MAX_EPISODE_SECONDS = 3600
EPISODE_FIELDS = ("number", "reference", "duration_seconds")


class CutNotExpected(DomainError):
    status_code = 409
    code = "cut_not_expected"
    default_detail = _("A cut is delivered while in production, or after changes were requested.")


class CutRoundClosed(DomainError):
    status_code = 409
    code = "cut_round_closed"
    default_detail = _("This cut is not under review any more.")


def delivery_transition(project: Project) -> tuple[str, int]:
    """The transition a delivery fires now, and the round the delivered cut will be."""
    if project.state == S.IN_PRODUCTION:
        return "submit_cut", 1
    if project.state == S.CUT_CHANGES:
        return "resubmit_cut", project.review_round + 1
    raise CutNotExpected(
        _("A cut can be delivered while in production or after cut changes; the project is %(s)s.")
        % {"s": str(S(project.state).label).lower()}
    )


def _integer(value, field: str, errors: dict, *, low: int, high: int) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int | str):
        errors[field] = [_("Enter a whole number.")]
        return None
    try:
        number = int(value)
    except ValueError:
        errors[field] = [_("Enter a whole number.")]
        return None
    if not low <= number <= high:
        errors[field] = [_("Enter a number from %(low)d to %(high)d.") % {"low": low, "high": high}]
        return None
    return number


def _clean_episodes(project: Project, episodes: list[dict[str, Any]]) -> list[CutEpisode]:
    """Validate a delivery: every episode of the series once, each with a reference and a
    duration. Errors are keyed ``episodes.N.field`` (N the position in the list)."""
    expected = project.episode_count
    if not isinstance(episodes, list) or not episodes:
        raise ValidationError({"episodes": _("Deliver the episodes: a reference for each.")})
    errors: dict[str, list[str]] = {}
    cleaned, seen = [], {}
    for index, data in enumerate(episodes):
        row: dict[str, list[str]] = {}
        if not isinstance(data, dict):
            errors[f"episodes.{index}"] = [_("Each episode is an object.")]
            continue
        for key in set(data) - set(EPISODE_FIELDS):
            row[key] = [_("Unknown field.")]
        number = _integer(data.get("number"), "number", row, low=1, high=expected)
        seconds = _integer(
            data.get("duration_seconds"), "duration_seconds", row, low=1, high=MAX_EPISODE_SECONDS
        )
        reference = str(data.get("reference") or "").strip()
        if not reference:
            row["reference"] = [_("Give the episode's URL or storage key.")]
        elif len(reference) > REFERENCE_MAX_LENGTH or not REFERENCE.match(reference):
            row["reference"] = [
                _(
                    "Give an http(s):// URL, an s3://, oss://, cos://, obs:// or gs:// URI, or a "
                    "storage key of letters, digits and . _ - / (at most %(n)d characters)."
                )
                % {"n": REFERENCE_MAX_LENGTH}
            ]
        if number is not None and number in seen:
            row["number"] = [
                _("Episode %(n)d is already in position %(p)d.") % {"n": number, "p": seen[number]}
            ]
        elif number is not None:
            seen[number] = index
        for field, messages in row.items():
            errors[f"episodes.{index}.{field}"] = messages
        if not row:
            cleaned.append(CutEpisode(number=number, reference=reference, duration_seconds=seconds))
    missing = sorted(set(range(1, expected + 1)) - set(seen))
    if missing and not errors:
        shown = ", ".join(str(n) for n in missing[:10]) + (" …" if len(missing) > 10 else "")
        errors["episodes"] = [
            _("The series has %(n)d episodes; deliver all of them. Missing: %(missing)s.")
            % {"n": expected, "missing": shown}
        ]
    if errors:
        raise ValidationError(errors)
    return sorted(cleaned, key=lambda episode: episode.number)


def _references(project: Project, round_: int) -> dict[int, str]:
    return dict(
        CutEpisode.objects.filter(
            submission__project=project, submission__round=round_
        ).values_list("number", "reference")
    )


def _check_flagged_episodes_changed(project, delivered, previous: dict[int, str]) -> None:
    """An episode with a must-fix finding comes back re-edited: under a new reference."""
    flagged = set(
        FeedbackItem.objects.filter(
            project=project,
            stage=CUT_REVIEW,
            round=project.review_round,
            severity=FeedbackItem.Severity.MUST_FIX,
            episode__isnull=False,
        ).values_list("episode", flat=True)
    )
    unchanged = sorted(
        e.number for e in delivered if e.number in flagged and previous.get(e.number) == e.reference
    )
    if unchanged:
        raise ValidationError(
            {
                "episodes": _(
                    "Episodes %(list)s had must-fix findings: deliver them re-edited, under a new "
                    "reference."
                )
                % {"list": ", ".join(map(str, unchanged))}
            }
        )


@transaction.atomic
def cut_submit(
    *, project: Project, actor, episodes: list[dict[str, Any]], note: str = ""
) -> CutSubmission:
    """Deliver the cut: record the round and submit it to the platform's review."""
    note = (note or "").strip()
    if len(note) > COMMENT_MAX_LENGTH:
        raise ValidationError(
            {"note": _("Keep the note under %(n)d characters.") % {"n": COMMENT_MAX_LENGTH}}
        )
    require_transition_scope(actor)
    project = project_lock(project.pk)
    if not PRODUCER(project, actor):
        raise PermissionDenied(_("Only a producer of the project's company may deliver its cut."))
    name, round_ = delivery_transition(project)
    delivered = _clean_episodes(project, episodes)
    previous = _references(project, round_ - 1)
    if round_ > 1:
        _check_flagged_episodes_changed(project, delivered, previous)
    approved = set(
        CutEpisode.objects.filter(
            submission__project=project, submission__round=round_ - 1, outcome=Outcome.APPROVED
        ).values_list("number", flat=True)
    )
    submission = CutSubmission.objects.create(
        project=project,
        round=round_,
        episode_count=len(delivered),
        total_duration_seconds=sum(e.duration_seconds for e in delivered),
        note=note,
        submitted_by=actor,
    )
    for episode in delivered:
        episode.submission = submission
        if episode.number in approved and previous.get(episode.number) == episode.reference:
            episode.outcome = Outcome.APPROVED
    CutEpisode.objects.bulk_create(delivered)
    transition_fire(project=project, name=name, actor=actor, comment=note)
    return submission


def _lock_for_review(submission: CutSubmission, actor) -> Project:
    project = project_lock(submission.project_id)
    if not CONTENT_MANAGER(project, actor):
        raise PermissionDenied(
            _("Only a content manager of the commissioning platform reviews the cut.")
        )
    if project.state != S.CUT_REVIEW or submission.round != project.review_round:
        raise CutRoundClosed(
            _("Round %(round)d's cut is not under review (the project is %(state)s, round %(r)d).")
            % {
                "round": submission.round,
                "state": str(S(project.state).label).lower(),
                "r": project.review_round,
            }
        )
    return project


@transaction.atomic
def cut_findings_add(
    *, submission: CutSubmission, actor, items: list[dict[str, Any]]
) -> list[FeedbackItem]:
    """The platform's findings on a cut under review, each tied to an episode."""
    project = _lock_for_review(submission, actor)
    if not items:
        raise ValidationError({"items": _("Add at least one finding.")})
    errors = {
        f"items.{index}.episode": [_("A finding on a cut names its episode.")]
        for index, item in enumerate(items)
        if isinstance(item, dict) and item.get("episode") in (None, "")
    }
    if errors:
        raise ValidationError(errors)
    created = feedback_items_add(
        project=project,
        stage=CUT_REVIEW,
        round=submission.round,
        items=items,
        actor=actor,
        cut_submission=submission,
    )
    must_fix = {i.episode for i in created if i.severity == FeedbackItem.Severity.MUST_FIX}
    submission.episodes.filter(number__in=must_fix).update(outcome=Outcome.NEEDS_CHANGES)
    return created


@transaction.atomic
def cut_episodes_mark(*, submission: CutSubmission, actor, outcome: str, numbers: list[int]) -> int:
    """Set the outcome of episodes of the cut under review; returns how many changed."""
    if outcome not in (Outcome.APPROVED, Outcome.NEEDS_CHANGES):
        raise ValidationError({"outcome": _("Choose approved or needs_changes.")})
    if not numbers:
        raise ValidationError({"episodes": _("Name at least one episode.")})
    _lock_for_review(submission, actor)
    wanted = set(numbers)
    unknown = sorted(wanted - set(submission.episodes.values_list("number", flat=True)))
    if unknown:
        raise ValidationError(
            {
                "episodes": _("This cut has no episode %(list)s.")
                % {"list": ", ".join(map(str, unknown))}
            }
        )
    if outcome == Outcome.APPROVED:
        blocked = sorted(
            set(
                FeedbackItem.objects.filter(
                    cut_submission=submission,
                    episode__in=wanted,
                    severity=FeedbackItem.Severity.MUST_FIX,
                    status=FeedbackItem.Status.OPEN,
                ).values_list("episode", flat=True)
            )
        )
        if blocked:
            raise ValidationError(
                {
                    "episodes": _(
                        "Episodes %(list)s have open must-fix findings on this cut; they need "
                        "changes."
                    )
                    % {"list": ", ".join(map(str, blocked))}
                }
            )
    return (
        submission.episodes.filter(number__in=wanted)
        .exclude(outcome=outcome)
        .update(outcome=outcome)
    )


def link_fixed_findings(project: Project) -> int:
    """After a resubmission: the answered findings of the previous round on the episodes this cut
    re-delivered (a new reference) are fixed by it."""
    submission = CutSubmission.objects.filter(project=project, round=project.review_round).first()
    if submission is None:  # only a test that bypasses the delivery guard gets here
        return 0
    before = _references(project, project.review_round - 1)
    now = _references(project, project.review_round)
    changed = [number for number, reference in now.items() if before.get(number) != reference]
    return FeedbackItem.objects.filter(
        project=project,
        stage=CUT_REVIEW,
        round=project.review_round - 1,
        status=FeedbackItem.Status.ADDRESSED,
        episode__in=changed,
        fixed_in__isnull=True,
    ).update(fixed_in=submission)


def approve_remaining_episodes(project: Project) -> int:
    """Approving the cut approves the episodes not reviewed one by one."""
    latest = CutSubmission.objects.filter(project=project).order_by("-round").first()
    if latest is None:
        return 0
    return latest.episodes.filter(outcome=Outcome.PENDING).update(outcome=Outcome.APPROVED)
