"""Feedback in the state machine: a proposal goes back only with every must-fix item addressed."""

from django.utils.text import Truncator
from django.utils.translation import ngettext

from reviews.models import FeedbackItem
from workflow.guards import guard

LISTED = 3


def _quote(texts: list[str]) -> str:
    shown = ", ".join(f"“{Truncator(text).chars(60)}”" for text in texts[:LISTED])
    more = len(texts) - LISTED
    if more > 0:
        shown += " " + ngettext("and %(n)d more", "and %(n)d more", more) % {"n": more}
    return shown


def must_fix_reasons(project, *, stages) -> list[str]:
    """Why the must-fix items of the project's current round (of these review stages) are not all
    addressed; the guard of every resubmission (proposal, cut, finished cut)."""
    unresolved = list(
        FeedbackItem.objects.filter(
            project_id=project.pk,
            stage__in=stages,
            round=project.review_round,
            severity=FeedbackItem.Severity.MUST_FIX,
        )
        .exclude(status=FeedbackItem.Status.ADDRESSED)
        .order_by("pk")
        .values_list("status", "text")
    )
    open_texts = [text for status, text in unresolved if status == FeedbackItem.Status.OPEN]
    declined = [text for status, text in unresolved if status == FeedbackItem.Status.DECLINED]
    reasons = []
    if open_texts:
        reasons.append(
            ngettext(
                "%(n)d must-fix item of round %(round)d is still open: %(items)s.",
                "%(n)d must-fix items of round %(round)d are still open: %(items)s.",
                len(open_texts),
            )
            % {"n": len(open_texts), "round": project.review_round, "items": _quote(open_texts)}
        )
    if declined:
        reasons.append(
            ngettext(
                "%(n)d must-fix item of round %(round)d was declined; a must-fix item must be "
                "addressed: %(items)s.",
                "%(n)d must-fix items of round %(round)d were declined; must-fix items must be "
                "addressed: %(items)s.",
                len(declined),
            )
            % {"n": len(declined), "round": project.review_round, "items": _quote(declined)}
        )
    return reasons


PROPOSAL_STAGES = (FeedbackItem.Stage.EVALUATION, FeedbackItem.Stage.PLANNING_FILING)


@guard("resubmit", order=220)
def must_fix_items_addressed(project) -> list[str]:
    return must_fix_reasons(project, stages=PROPOSAL_STAGES)
