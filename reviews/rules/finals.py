"""The finished-cut review in the state machine.

Its steps open when the platform approves the cut (and again, for what is not approved yet, on
``resubmit_final``) and close when the cut leaves the authorities. ``approve_cut`` needs the
compliance checklist of every authority confirmed; ``resubmit_final`` needs the must-fix findings
addressed and the checklist still complete. ``clear``, the send-back and the rejection from final
review are decision-only transitions (``custom["decided_by"]`` on the model): only the
authority's decision (``reviews.services.finals.final_review_decide``) makes them, and the
generic transition endpoint refuses them.
"""

from django.utils.translation import gettext as _

from common.errors import DomainError
from reviews.models import FeedbackItem, RegulatoryReview
from reviews.rules.feedback import must_fix_reasons
from reviews.services import checklists, finals
from workflow.effects import after
from workflow.guards import guard

Review = RegulatoryReview


@after("approve_cut", "resubmit_final", order=250)
def open_final_reviews(project, **context) -> None:
    finals.final_reviews_open(project)


@after("request_final_changes", "reject", "withdraw", order=250)
def close_final_reviews(project, **context) -> None:
    finals.final_reviews_close(project)


def _label(item) -> str:
    label = checklists.item_label(item)
    return label[:1].lower() + label[1:]


def checklist_reasons(project) -> list[str]:
    """Which items of which authority's compliance checklist the producer has not confirmed."""
    try:
        missing = checklists.missing_items(project)
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
