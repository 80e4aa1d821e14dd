"""Who the reviews tell that it is their move: raters, content managers, the next authority.

Each function is called by a service inside its transaction and queues the notification for
after the commit (``workflow.notifications.notify_on_commit``): the recipients and the text are
read from what was committed. Each notification's source names its cause (``scorecard-invited:7``,
``evaluation-quorum:3``...), so a retried service or a second call notifies nobody twice.

Nobody learns what they may not see: raters are blind to each other's scorecards, so a rater is
told of their own invitation only, and content managers are told that a scorecard came in, never
its scores.
"""

from django.utils.translation import gettext as _

from workflow import guards, notifications
from workflow.models import Membership, Organisation, Project, ProjectState
from workflow.selectors import REGULATOR_ANNOTATIONS
from workflow.visibility import organisation_sees_project

from .models import Evaluation, RegulatoryReview, Scorecard

R = Membership.Role
Review = RegulatoryReview


def user_label(user) -> str:
    return user.get_full_name() or user.get_username()


def _project(project_id: int) -> Project:
    return (
        Project.objects.select_related("producer", "platform")
        .annotate(**REGULATOR_ANNOTATIONS)
        .get(pk=project_id)
    )


# Raters ----------------------------------------------------------------------------------------


def raters_invited(*, scorecard_ids: list[int]) -> None:
    """Each invited rater is told to score (their own invitation only)."""
    if scorecard_ids:
        notifications.notify_on_commit(
            lambda: _tell_raters(scorecard_ids), what=f"scorecard invitations {scorecard_ids}"
        )


def _tell_raters(scorecard_ids: list[int]) -> None:
    cards = Scorecard.objects.filter(
        pk__in=scorecard_ids, status=Scorecard.Status.INVITED
    ).select_related("rater", "evaluation__project", "invited_by")
    for card in cards:
        project = card.evaluation.project
        still_rater = Membership.objects.filter(
            user=card.rater,
            organisation_id=project.platform_id,
            role=R.RATER,
            user__is_active=True,
        ).exists()
        if not still_rater:
            continue
        values = {
            "title": project.title,
            "round": card.evaluation.round,
            "function": str(Membership.RaterFunction(card.function).label).lower(),
            "who": user_label(card.invited_by) if card.invited_by else "-",
        }
        notifications.notify(
            recipients=[card.rater],
            subject=_("[mdprod] Please rate “%(title)s”") % values,
            body=_(
                "%(who)s invited you to rate the proposal “%(title)s” (round %(round)d) as its "
                "%(function)s rater. Open your scorecard, score every criterion and submit it."
            )
            % values,
            source=f"scorecard-invited:{card.pk}",
            project=project,
            target=card,
        )


# Content managers: scorecards and quorum ------------------------------------------------------


def scorecard_submitted(*, scorecard: Scorecard) -> None:
    """The platform's content managers hear that a scorecard came in, and once the evaluation
    has its quorum, that they can decide."""
    pk = scorecard.pk
    notifications.notify_on_commit(lambda: _tell_scorecard(pk), what=f"scorecard {pk} submitted")


def _tell_scorecard(scorecard_id: int) -> None:
    from .services.evaluations import quorum_shortfall  # the services call this module

    card = (
        Scorecard.objects.select_related("rater", "evaluation__project")
        .filter(pk=scorecard_id, status=Scorecard.Status.SUBMITTED)
        .first()
    )
    if card is None:
        return
    evaluation = card.evaluation
    project = evaluation.project
    managers = notifications.members(project.platform_id, R.CONTENT_MANAGER)
    statuses = list(evaluation.scorecards.values_list("status", flat=True))
    values = {
        "title": project.title,
        "rater": user_label(card.rater),
        "function": str(Membership.RaterFunction(card.function).label).lower(),
        "round": evaluation.round,
        "submitted": statuses.count(Scorecard.Status.SUBMITTED),
        "invited": len(statuses),
    }
    notifications.notify(
        recipients=managers,
        subject=_("[mdprod] “%(title)s”: %(rater)s submitted a scorecard") % values,
        body=_(
            "%(rater)s submitted their %(function)s scorecard on “%(title)s” (round %(round)d): "
            "%(submitted)d of %(invited)d invited raters have submitted."
        )
        % values,
        source=f"scorecard-submitted:{card.pk}",
        project=project,
        target=card,
    )
    if (
        evaluation.status == Evaluation.Status.OPEN
        and project.state == ProjectState.SUBMITTED
        and evaluation.round == project.review_round
        and not quorum_shortfall(evaluation)
    ):
        notifications.notify(
            recipients=managers,
            subject=_("[mdprod] “%(title)s”: the evaluation has its quorum") % values,
            body=_(
                "Round %(round)d of the evaluation of “%(title)s” has the scorecards it needs: "
                "you can decide (greenlight, revise or reject)."
            )
            % values,
            source=f"evaluation-quorum:{evaluation.pk}",
            project=project,
            target=evaluation,
        )


# Regulators' decisions --------------------------------------------------------------------------


def review_decided(*, review: RegulatoryReview) -> None:
    """A regulator (or, for an OTHER title, the platform) decided a step of a planning filing or
    a finished-cut review: the platform's content managers hear of a planning filing's outcome
    (with "greenlight is now possible" when the approval was the last thing missing), and an
    approval that leaves a later step tells that step's authority it is their move."""
    pk = review.pk
    notifications.notify_on_commit(lambda: _tell_review(pk), what=f"review {pk} decided")


def _tell_review(review_id: int) -> None:
    review = Review.objects.select_related("authority").filter(pk=review_id).first()
    if review is None or review.status == Review.Status.PENDING:
        return
    project = _project(review.project_id)
    if review.kind == Review.Kind.PLANNING_FILING:
        _tell_platform_of_filing(review, project)
    if review.status == Review.Status.APPROVED:
        _tell_next_step(review, project)


def _tell_platform_of_filing(review: RegulatoryReview, project: Project) -> None:
    values = {"title": project.title, "authority": review.authority.name}
    if review.status == Review.Status.APPROVED:
        waiting = (
            [str(reason) for reason in guards.unmet(project, "greenlight")]
            if project.state == ProjectState.SUBMITTED
            else None
        )
        if waiting == []:
            subject = _("[mdprod] “%(title)s”: greenlight is now possible") % values
            body = (
                _(
                    "%(authority)s approved the planning filing of “%(title)s”. Nothing else is "
                    "missing: you can greenlight the project now."
                )
                % values
            )
        else:
            subject = _("[mdprod] “%(title)s”: planning filing approved") % values
            body = _("%(authority)s approved the planning filing of “%(title)s”.") % values
            if waiting:
                body += "\n\n" + _("The greenlight still waits for: %(reasons)s") % {
                    "reasons": " ".join(waiting)
                }
    elif review.status == Review.Status.CHANGES_REQUESTED:
        subject = _("[mdprod] “%(title)s”: the planning filing needs changes") % values
        body = (
            _(
                "%(authority)s requested changes to the planning filing of “%(title)s”: the "
                "proposal went back to the producer, and its evaluation waits for the resubmission."
            )
            % values
        )
    elif review.status == Review.Status.REJECTED:
        subject = _("[mdprod] “%(title)s”: the planning filing was rejected") % values
        body = _("%(authority)s rejected the planning filing of “%(title)s”.") % values
    else:
        return
    notifications.notify(
        recipients=notifications.members(project.platform_id, R.CONTENT_MANAGER),
        subject=subject,
        body=body,
        source=f"review-decided:{review.pk}",
        project=project,
        target=review,
    )


def _tell_next_step(review: RegulatoryReview, project: Project) -> None:
    """The authority of the next pending step of the same review (a national re-check after
    the bureau's approval) is told the step is theirs now."""
    following = (
        Review.objects.filter(
            project_id=project.pk,
            kind=review.kind,
            round=review.round,
            status=Review.Status.PENDING,
            sequence__gt=review.sequence,
        )
        .select_related("authority")
        .order_by("sequence", "pk")
        .first()
    )
    if following is None:
        return
    authority = following.authority
    if not organisation_sees_project(authority, project):
        return
    role = R.CONTENT_MANAGER if authority.kind == Organisation.Kind.PLATFORM else None
    values = {
        "title": project.title,
        "authority": review.authority.name,
        "kind": str(following.get_kind_display()).lower(),
    }
    notifications.notify(
        recipients=notifications.members(authority.pk, role or R.REGULATOR_REVIEWER),
        subject=_("[mdprod] “%(title)s”: your %(kind)s step") % values,
        body=_(
            "%(authority)s approved its step of the %(kind)s of “%(title)s”; the next step is "
            "yours to decide."
        )
        % values,
        source=f"review-ready:{following.pk}",
        project=project,
        target=following,
    )


# A new release clearance --------------------------------------------------------------------------


def clearance_recorded(*, clearance) -> None:
    """A new release clearance of a cleared or taken-down title (a renewal, or the one a
    reinstatement needs): the producer company must confirm it in the opening credits, then the
    platform can release the title."""
    pk = clearance.pk
    notifications.notify_on_commit(lambda: _tell_clearance(pk), what=f"clearance {pk} recorded")


def _tell_clearance(clearance_id: int) -> None:
    from .models import Clearance

    clearance = (
        Clearance.objects.select_related("project", "issued_by").filter(pk=clearance_id).first()
    )
    if clearance is None:
        return
    project = clearance.project
    values = {
        "title": project.title,
        "issuer": clearance.issued_by.name,
        "kind": str(clearance.get_kind_display()).lower(),
        "number": clearance.number,
    }
    notifications.notify(
        recipients=notifications.members(project.producer_id, R.PRODUCER)
        + notifications.members(project.platform_id, R.CONTENT_MANAGER),
        subject=_("[mdprod] “%(title)s”: a new %(kind)s") % values,
        body=_(
            "%(issuer)s recorded the %(kind)s %(number)s for “%(title)s”. Next: the producer "
            "confirms that it is shown in the opening credits; then the platform can release "
            "the title."
        )
        % values,
        source=f"clearance-recorded:{clearance.pk}",
        project=project,
        target=clearance,
    )
