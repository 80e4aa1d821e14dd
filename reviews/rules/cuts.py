"""The platform cut review in the state machine: a cut is submitted with its delivery, sent back
only with a must-fix finding, resubmitted only with every must-fix finding addressed, and
approved only with none open."""

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from reviews.models import CutEpisode, CutSubmission, FeedbackItem
from reviews.rules.feedback import must_fix_reasons
from reviews.services import cuts
from workflow.effects import after
from workflow.guards import guard
from workflow.models import ProjectState

CUT_STAGE = (FeedbackItem.Stage.CUT_REVIEW,)


def _delivered(project, round_: int) -> list[str]:
    if CutSubmission.objects.filter(project_id=project.pk, round=round_).exists():
        return []
    return [
        _(
            "Deliver the cut first: a reference (URL or storage key) and a duration for each of "
            "the %(n)d episodes."
        )
        % {"n": project.episode_count}
    ]


@guard("submit_cut", order=240)
def cut_delivered(project) -> list[str]:
    return _delivered(project, 1)


@guard("resubmit_cut", order=240)
def changed_cut_delivered(project) -> list[str]:
    reasons = must_fix_reasons(project, stages=CUT_STAGE)
    if project.state == ProjectState.CUT_CHANGES:
        reasons += _delivered(project, project.review_round + 1)
    return reasons


def _round_findings(project):
    return FeedbackItem.objects.filter(
        project_id=project.pk,
        stage=FeedbackItem.Stage.CUT_REVIEW,
        round=project.review_round,
        severity=FeedbackItem.Severity.MUST_FIX,
    )


@guard("request_cut_changes", order=240)
def cut_has_must_fix_finding(project) -> list[str]:
    if project.state != ProjectState.CUT_REVIEW or _round_findings(project).exists():
        return []
    return [_("Raise at least one must-fix finding on this round's cut to request changes.")]


@guard("approve_cut", order=240)
def cut_has_nothing_open(project) -> list[str]:
    if project.state != ProjectState.CUT_REVIEW:
        return []
    reasons = []
    open_findings = _round_findings(project).filter(status=FeedbackItem.Status.OPEN).count()
    if open_findings:
        reasons.append(
            ngettext(
                "%(n)d must-fix finding on this cut is open: request changes instead.",
                "%(n)d must-fix findings on this cut are open: request changes instead.",
                open_findings,
            )
            % {"n": open_findings}
        )
    needs_changes = list(
        CutEpisode.objects.filter(
            submission__project_id=project.pk,
            submission__round=project.review_round,
            outcome=CutEpisode.Outcome.NEEDS_CHANGES,
        )
        .order_by("number")
        .values_list("number", flat=True)
    )
    if needs_changes:
        reasons.append(
            ngettext(
                "Episode %(list)s needs changes.",
                "Episodes %(list)s need changes.",
                len(needs_changes),
            )
            % {"list": ", ".join(map(str, needs_changes))}
        )
    return reasons


@after("resubmit_cut", order=240)
def link_fixed_findings(project, **context) -> None:
    cuts.link_fixed_findings(project)


@after("approve_cut", order=240)
def approve_remaining_episodes(project, **context) -> None:
    cuts.approve_remaining_episodes(project)
