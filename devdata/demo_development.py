"""The seed's development-stage steps ("@rate", "@greenlight", ...), run through the services."""

from decimal import Decimal

from devdata.demo_cast import NRTA, SHANGHAI_BUREAU, ZHEJIANG_BUREAU, R
from workflow.models import Membership, Project

REVIEWER_OF = {
    NRTA: "nrta_reviewer",
    SHANGHAI_BUREAU: "shanghai_reviewer",
    ZHEJIANG_BUREAU: "zhejiang_reviewer",
}
FILING_PREFIX = {NRTA: "总局", SHANGHAI_BUREAU: "沪", ZHEJIANG_BUREAU: "浙"}
# Budget split of the planned amount by category (shares of 100).
BUDGET_SPLIT = [
    ("script", 10),
    ("cast", 35),
    ("crew", 20),
    ("equipment", 8),
    ("locations", 7),
    ("post", 12),
    ("music", 3),
    ("marketing", 5),
]


class DevelopmentStage:
    """The seed's "@" steps: each one runs the development-stage services a real user would."""

    def __init__(self, project: Project, users: dict) -> None:
        self.project = project
        self.users = users

    def run(self, action: str, actor, comment: str) -> Project:
        getattr(self, action)(actor, comment)
        return Project.objects.select_related("producer", "platform").get(pk=self.project.pk)

    def _pending_filings(self):
        from reviews.models import RegulatoryReview

        return list(
            RegulatoryReview.objects.filter(project=self.project, status="pending")
            .select_related("authority")
            .order_by("sequence")
        )

    def _approve(self, review) -> None:
        from reviews.services.filings import regulatory_review_decide

        year = review.created_at.year
        regulatory_review_decide(
            review=review,
            actor=self.users[REVIEWER_OF[review.authority.name]],
            outcome="approve",
            filing_number=f"（{FILING_PREFIX[review.authority.name]}）网剧备字（{year}）第{self.project.pk:03d}号",
        )

    def file(self, actor, comment) -> None:
        for review in self._pending_filings():
            self._approve(review)

    def file_first_check(self, actor, comment) -> None:
        self._approve(self._pending_filings()[0])

    def reject_filing(self, actor, comment) -> None:
        from reviews.services.filings import regulatory_review_decide

        [review] = self._pending_filings()
        regulatory_review_decide(review=review, actor=actor, outcome="reject", comment=comment)

    def _evaluation(self):
        from reviews.models import Evaluation

        return Evaluation.objects.get(project=self.project, round=self.project.review_round)

    def rate(self, content_manager, comment) -> None:
        from reviews.services import scorecards

        evaluation = self._evaluation()
        criteria = list(evaluation.rubric.criteria.all())
        raters = Membership.objects.filter(
            organisation=self.project.platform, role=R.RATER
        ).select_related("user")
        # Scores vary by title and rater, deterministically, so the demo shows a spread.
        base = 6 + sum(map(ord, self.project.title)) % 3
        invited = {card.rater_id: card for card in evaluation.scorecards.all()}
        for offset, membership in enumerate(raters):
            # A resubmission re-invites the previous round's raters.
            scorecard = invited.get(membership.user_id) or scorecards.scorecard_invite(
                evaluation=evaluation, rater=membership.user, actor=content_manager
            )
            scores = {c.pk: min(10, base + (offset + i) % 3) for i, c in enumerate(criteria)}
            scorecards.scorecard_submit(
                scorecard=scorecard,
                actor=membership.user,
                scores=scores,
                comment="Strong hook; watch the pacing of the middle episodes.",
            )

    def invite(self, content_manager, comment) -> None:
        """Invite the platform's raters and leave them their scorecards to fill in."""
        from reviews.services import scorecards

        evaluation = self._evaluation()
        for membership in Membership.objects.filter(
            organisation=self.project.platform, role=R.RATER
        ).select_related("user"):
            scorecards.scorecard_invite(
                evaluation=evaluation, rater=membership.user, actor=content_manager
            )

    def overdue(self, actor, comment) -> None:
        """As if the proposal had been submitted weeks ago: its open review deadlines are two
        days overdue, so the reminder sweep reminds and escalates (demo data only)."""
        from datetime import timedelta

        from django.utils import timezone

        from workflow.models import Deadline

        Deadline.objects.filter(project=self.project, status=Deadline.Status.OPEN).update(
            due_at=timezone.now() - timedelta(days=2, hours=1)
        )

    def greenlight(self, content_manager, comment) -> None:
        from reviews.selectors.evaluations import evaluation_aggregate
        from reviews.services import evaluations

        evaluation = self._evaluation()
        grade = evaluation_aggregate(evaluation).suggested_grade or "B"
        evaluations.evaluation_decide(
            evaluation=evaluation,
            actor=content_manager,
            decision="greenlight",
            grade=grade,
            granted_budget=self.project.planned_budget,
            traffic_support=(self.project.planned_budget / 5).quantize(Decimal("1")),
            reason=comment,
        )

    def revise(self, content_manager, comment) -> None:
        from reviews.services import evaluations

        evaluations.evaluation_decide(
            evaluation=self._evaluation(),
            actor=content_manager,
            decision="revise",
            reason=comment,
            feedback_items=[{"text": comment, "category": "content", "severity": "must_fix"}],
        )

    def address(self, producer, comment) -> None:
        from reviews.models import FeedbackItem
        from reviews.services.feedback import feedback_item_respond

        for item in FeedbackItem.objects.filter(
            project=self.project, round=self.project.review_round, status="open"
        ):
            feedback_item_respond(item=item, actor=producer, status="addressed", response=comment)

    def budget(self, producer, comment) -> None:
        from budgets import services as budgets

        planned = self.project.planned_budget
        lines, left = [], planned
        for index, (category, share) in enumerate(BUDGET_SPLIT):
            amount = (
                left
                if index == len(BUDGET_SPLIT) - 1
                else (planned * share / 100).quantize(Decimal("0.01"))
            )
            left -= amount
            lines.append({"category": category, "planned": amount})
        budget = budgets.budget_create(project=self.project, actor=producer)
        budgets.budget_lines_replace(budget=budget, actor=producer, lines=lines)
        budgets.budget_submit(budget=budget, actor=producer)
        content_manager = next(
            m.user
            for m in Membership.objects.filter(
                organisation=self.project.platform, role=R.CONTENT_MANAGER
            ).select_related("user")
        )
        budgets.budget_approve(budget=budget, actor=content_manager)
