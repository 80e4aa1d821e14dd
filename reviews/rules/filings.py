"""Planning filings in the state machine: opened and closed with the proposal, and required for
greenlight (and, after a tier change, for starting production)."""

from django.utils.translation import gettext as _

from common.errors import DomainError
from reviews.models import RegulatoryReview
from reviews.services import filings
from workflow.effects import after
from workflow.guards import guard

Review = RegulatoryReview


@after("submit", "resubmit", order=220)
def open_planning_filings(project, *, entry=None, **context) -> None:
    filings.planning_filings_open(project, first=entry is not None and entry.name == "submit")


@after("request_revision", "reject", "withdraw", order=220)
def close_planning_filings(project, **context) -> None:
    filings.planning_filings_close(project)


@after("tier_changed", order=220)
def reroute_planning_filings(project, *, previous: str = "", **context) -> None:
    filings.planning_filings_retier(project, previous=previous)


def _step_name(sequence: int, authority: str) -> str:
    if sequence > 1:
        return _("The planning filing re-check at %(authority)s") % {"authority": authority}
    return _("The planning filing at %(authority)s") % {"authority": authority}


STATUS_REASONS = {
    Review.Status.PENDING: lambda step: _("%(step)s is still pending.") % {"step": step},
    Review.Status.CHANGES_REQUESTED: lambda step: (
        _("%(step)s: changes were requested.") % {"step": step}
    ),
    Review.Status.REJECTED: lambda step: _("%(step)s was rejected.") % {"step": step},
}


def planning_filing_reasons(project) -> list[str]:
    """Why the filings the project's current tier needs are not all approved (one query)."""
    if project.review_tier not in ("KEY", "ORDINARY"):
        return []
    latest: dict[int, tuple[str, str]] = {}
    rows = (
        Review.objects.filter(
            project_id=project.pk, kind=Review.Kind.PLANNING_FILING, tier=project.review_tier
        )
        .exclude(status=Review.Status.SUPERSEDED)
        .order_by("round", "pk")
        .values_list("sequence", "status", "authority__name")
    )
    for sequence, status, authority in rows:
        latest[sequence] = (status, authority)
    wanted = (1, 2) if project.review_tier == "KEY" else (1,)
    reasons = []
    for sequence in wanted:
        if sequence not in latest:
            try:
                steps = {s.sequence: s.authority.name for s in filings.needed_steps(project)}
            except DomainError as exc:
                reasons.append(exc.detail)
                break
            reasons.append(
                _("%(step)s has not been opened.") % {"step": _step_name(sequence, steps[sequence])}
            )
            continue
        status, authority = latest[sequence]
        if status != Review.Status.APPROVED:
            reasons.append(STATUS_REASONS[status](_step_name(sequence, authority)))
    if reasons and project.tier_changed_at is not None:
        reasons.insert(
            0,
            _("The review tier changed to %(tier)s; its planning filings must be approved.")
            % {"tier": project.get_review_tier_display()},
        )
    return reasons


@guard("greenlight", order=230)
def planning_filing_approved(project) -> list[str]:
    return planning_filing_reasons(project)


@guard("start_production", order=230)
def planning_filing_approved_after_tier_change(project) -> list[str]:
    if project.tier_changed_at is None:
        return []
    return planning_filing_reasons(project)
