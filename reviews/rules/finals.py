"""The finished-cut review in the state machine.

Its steps open when the platform approves the cut (and again, for what is not approved yet, on
``resubmit_final``) and close when the cut leaves the authorities. ``approve_cut`` needs the
compliance checklist of every authority confirmed; ``clear`` needs every step approved;
``resubmit_final`` needs the must-fix findings addressed and the checklist still complete. The
send-back and the rejection from final review happen only through a recorded decision
(``reviews.services.finals.final_review_decide``), so that the generic transition endpoint cannot
bypass the review.
"""

from django.utils.translation import gettext as _

from common.errors import DomainError
from reviews.models import FeedbackItem, RegulatoryReview
from reviews.rules.feedback import must_fix_reasons
from reviews.services import finals
from workflow.effects import after
from workflow.guards import guard
from workflow.models import ProjectState

Review = RegulatoryReview


@after("approve_cut", "resubmit_final", order=250)
def open_final_reviews(project, **context) -> None:
    finals.final_reviews_open(project)


@after("request_final_changes", "reject", "withdraw", order=250)
def close_final_reviews(project, **context) -> None:
    finals.final_reviews_close(project)


STATUS_REASONS = {
    None: lambda step: _("%(step)s has not been opened.") % {"step": step},
    Review.Status.PENDING: lambda step: _("%(step)s is still pending.") % {"step": step},
    Review.Status.CHANGES_REQUESTED: lambda step: (
        _("%(step)s: changes were requested.") % {"step": step}
    ),
    Review.Status.REJECTED: lambda step: _("%(step)s was rejected.") % {"step": step},
}


@guard("clear", order=250)
def every_final_step_approved(project) -> list[str]:
    try:
        unapproved = finals.unapproved_steps(project)
    except DomainError as exc:
        return [exc.detail]
    return [
        STATUS_REASONS[status](finals.step_name(step.sequence, step.authority.name))
        for step, status in unapproved
    ]


def _label(item) -> str:
    label = finals.item_label(item)
    return label[:1].lower() + label[1:]


def checklist_reasons(project) -> list[str]:
    """Which items of which authority's compliance checklist the producer has not confirmed."""
    try:
        missing = finals.missing_items(project)
    except DomainError as exc:
        return [exc.detail]
    return [
        _("The compliance checklist of %(authorities)s is missing: %(items)s.")
        % {
            "authorities": ", ".join(a.name for a in entry.authorities),
            "items": ", ".join(_label(item) for item in items),
        }
        for entry, items in missing
    ]


@guard("approve_cut", order=250)
def compliance_checklist_confirmed(project) -> list[str]:
    return checklist_reasons(project)


@guard("resubmit_final", order=250)
def final_findings_addressed_and_checklist_complete(project) -> list[str]:
    return [
        *must_fix_reasons(project, stages=(FeedbackItem.Stage.FINAL_REVIEW,)),
        *checklist_reasons(project),
    ]


def _decided(project, status: str) -> bool:
    return Review.objects.filter(
        project_id=project.pk,
        kind=Review.Kind.FINAL_REVIEW,
        round=project.review_round,
        status=status,
    ).exists()


@guard("request_final_changes", order=250)
def final_changes_are_decided(project) -> list[str]:
    if _decided(project, Review.Status.CHANGES_REQUESTED):
        return []
    return [
        _(
            "The finished cut is sent back through the authority's decision with its findings "
            "(the finished-cut review's decide action)."
        )
    ]


@guard("reject", order=250)
def final_rejection_is_decided(project) -> list[str]:
    if project.state != ProjectState.FINAL_REVIEW or _decided(project, Review.Status.REJECTED):
        return []
    return [
        _(
            "A finished cut is rejected through the authority's decision with its reason (the "
            "finished-cut review's decide action)."
        )
    ]
