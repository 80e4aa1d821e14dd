"""Guards that keep a proposal's revision request and rejection tied to a recorded decision.

While a proposal is under review (submitted), the platform sends it back or rejects it through
its evaluation decision (with quorum, feedback items, a reason), and a regulator through its
planning-filing decision. Both services record the decision and then fire the transition; firing
``request_revision`` or ``reject`` directly, with no decision behind it, is refused here. The
finished-cut rejection (from final review) is not concerned.
"""

from django.utils.translation import gettext as _

from reviews.models import Evaluation, RegulatoryReview
from workflow.guards import guard
from workflow.models import ProjectState

DECISION_FOR = {
    "request_revision": (Evaluation.Decision.REVISE, RegulatoryReview.Status.CHANGES_REQUESTED),
    "reject": (Evaluation.Decision.REJECT, RegulatoryReview.Status.REJECTED),
}


def _decided(project, transition_name: str) -> list[str]:
    if project.state != ProjectState.SUBMITTED:
        return []
    evaluation_decision, filing_status = DECISION_FOR[transition_name]
    round_ = project.review_round
    if (
        Evaluation.objects.filter(
            project=project, round=round_, decision=evaluation_decision
        ).exists()
        or RegulatoryReview.objects.filter(
            project=project, round=round_, status=filing_status
        ).exists()
    ):
        return []
    if transition_name == "reject":
        return [
            _(
                "A proposal under review is rejected through a decision: the platform's "
                "evaluation decision or the regulator's planning-filing decision, with its reason."
            )
        ]
    return [
        _(
            "A proposal under review is sent back through a decision with feedback items: the "
            "platform's evaluation decision or the regulator's planning-filing decision."
        )
    ]


@guard("request_revision", order=200)
def revision_is_decided(project) -> list[str]:
    return _decided(project, "request_revision")


@guard("reject", order=200)
def rejection_is_decided(project) -> list[str]:
    return _decided(project, "reject")
