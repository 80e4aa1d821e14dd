"""The platform evaluation in the project's state machine: opened on (re)submission, closed when
the project leaves evaluation another way, and the greenlight's condition."""

from django.db.models import Count, Q
from django.utils.translation import gettext as _

from reviews.models import Evaluation, Scorecard
from reviews.services.evaluations import evaluation_open, evaluations_close_open
from workflow import audit
from workflow.effects import after
from workflow.guards import guard
from workflow.models import Membership
from workflow.visibility import user_sees_project


@after("submit", "resubmit", order=210)
def open_evaluation(project, *, entry=None, **context) -> None:
    evaluation_open(project=project, first=entry is not None and entry.name == "submit")


@after("request_revision", "reject", "withdraw", order=210)
def close_open_evaluation(project, **context) -> None:
    # A decision already marked its evaluation decided before the transition; this closes one
    # left open by a regulator's request or rejection, or a withdrawal.
    evaluations_close_open(project=project)


@guard("greenlight", order=210)
def platform_evaluation_greenlit(project) -> list[str]:
    evaluation = (
        Evaluation.objects.filter(project_id=project.pk, round=project.review_round)
        .annotate(
            invited=Count("scorecards"),
            submitted=Count("scorecards", filter=Q(scorecards__status=Scorecard.Status.SUBMITTED)),
        )
        .only("status", "decision", "round")
        .first()
    )
    if evaluation is None:
        return [
            _("The platform evaluation of round %(round)d has not been opened.")
            % {"round": project.review_round}
        ]
    if evaluation.decision == Evaluation.Decision.GREENLIGHT:
        return []
    values = {
        "round": evaluation.round,
        "submitted": evaluation.submitted,
        "invited": evaluation.invited,
    }
    if evaluation.status == Evaluation.Status.OPEN:
        return [
            _(
                "The platform evaluation of round %(round)d has no greenlight decision yet "
                "(%(submitted)d of %(invited)d scorecards submitted)."
            )
            % values
        ]
    if evaluation.status == Evaluation.Status.DECIDED:
        return [
            _("The platform evaluation of round %(round)d decided: %(decision)s.")
            % {**values, "decision": evaluation.get_decision_display()}
        ]
    return [_("The platform evaluation of round %(round)d was closed without a decision.") % values]


def _reads_scorecards(user, project) -> bool:
    """Individual scorecards are the platform's own: its content managers and admins see when
    each was submitted; the producer sees the evaluation's outcome, not who scored when."""
    return user_sees_project(
        user,
        project,
        producer_roles=(),
        platform_roles={Membership.Role.CONTENT_MANAGER, Membership.Role.ORG_ADMIN},
        regulators=False,
    )


audit.restrict_readers("reviews.scorecard", _reads_scorecards)
