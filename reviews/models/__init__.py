from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from common.values import MONEY
from workflow.models import Membership, Organisation, Project, ReviewTier, TimeStampedModel

# Platform evaluation ----------------------------------------------------------------------------

# The rules of a platform's first rubric version, unless the settings say otherwise; each later
# version starts from the one before.
DEFAULT_QUORUM = {"content": 1, "business": 1, "marketing": 1}
DEFAULT_DISAGREEMENT = Decimal("2.0")
DEFAULT_GRADE_CUTOFFS = {"S": "8.5", "A": "7.0", "B": "5.5"}
GRADED = ("S", "A", "B")  # each with its lowest weighted score; below B's is C
LOWEST_GRADE = "C"


def default_quorum() -> dict[str, int]:
    configured = getattr(settings, "MDPROD_EVALUATION_QUORUM", DEFAULT_QUORUM)
    return {name: int(configured.get(name, 0)) for name in Membership.RaterFunction.values}


def default_disagreement() -> Decimal:
    return Decimal(str(getattr(settings, "MDPROD_EVALUATION_DISAGREEMENT", DEFAULT_DISAGREEMENT)))


def default_grade_cutoffs() -> dict[str, str]:
    configured = getattr(settings, "MDPROD_GRADE_CUTOFFS", DEFAULT_GRADE_CUTOFFS)
    return {grade: str(Decimal(str(configured[grade]))) for grade in GRADED}


def seeded_text(text: str) -> str:
    """A rubric's or criterion's text in the reader's language when it is one mdprod seeds (the
    default rubric: its translation is in the catalogue); a platform's own text as written."""
    return gettext(text) if text else text


class Rubric(TimeStampedModel):
    """A platform's scoring rubric. Versions are kept: an evaluation keeps the one it opened with,
    and with it the platform's rules of that version: the quorum, the disagreement threshold and
    the grade cut-offs."""

    platform = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="rubrics",
        limit_choices_to={"kind": Organisation.Kind.PLATFORM},
        verbose_name=_("platform"),
    )
    name = models.CharField(_("name"), max_length=200)
    version = models.PositiveIntegerField(_("version"), default=1)
    is_active = models.BooleanField(_("in use for new evaluations"), default=True)
    quorum = models.JSONField(
        _("quorum"),
        default=default_quorum,
        help_text=_("Submitted scorecards needed per rater function before a decision."),
    )
    disagreement_threshold = models.DecimalField(
        _("disagreement threshold"),
        max_digits=4,
        decimal_places=2,
        default=default_disagreement,
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(Decimal("9"))],
        help_text=_("Raters disagree when the spread of their weighted scores is above this."),
    )
    grade_cutoffs = models.JSONField(
        _("grade cut-offs"),
        default=default_grade_cutoffs,
        help_text=_("The lowest weighted score of grades S, A and B; below B's is C."),
    )

    class Meta:
        verbose_name = _("rubric")
        verbose_name_plural = _("rubrics")
        ordering = ["platform", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["platform", "version"], name="rubric_version_unique"),
            models.UniqueConstraint(
                fields=["platform"], condition=Q(is_active=True), name="rubric_one_active"
            ),
        ]

    def __str__(self) -> str:
        return f"{seeded_text(self.name)} v{self.version}"

    @property
    def display_name(self) -> str:
        return seeded_text(self.name)


class Criterion(models.Model):
    rubric = models.ForeignKey(
        Rubric, on_delete=models.CASCADE, related_name="criteria", verbose_name=_("rubric")
    )
    name = models.CharField(_("name"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    weight = models.DecimalField(
        _("weight"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("1.00"),
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("criterion")
        verbose_name_plural = _("criteria")
        ordering = ["rubric", "position", "id"]
        constraints = [
            models.CheckConstraint(name="criterion_weight_positive", condition=Q(weight__gt=0)),
            models.UniqueConstraint(fields=["rubric", "name"], name="criterion_name_unique"),
        ]

    def __str__(self) -> str:
        return seeded_text(self.name)

    @property
    def display_name(self) -> str:
        return seeded_text(self.name)

    @property
    def display_description(self) -> str:
        return seeded_text(self.description)


class Evaluation(TimeStampedModel):
    """The platform's evaluation of one review round of a proposal."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        DECIDED = "decided", _("Decided")
        CLOSED = "closed", _("Closed without decision")

    class Decision(models.TextChoices):
        GREENLIGHT = "greenlight", _("Greenlight")
        REVISE = "revise", _("Request revision")
        REJECT = "reject", _("Reject")

    class Grade(models.TextChoices):
        S = "S", "S"
        A = "A", "A"
        B = "B", "B"
        C = "C", "C"

    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="evaluations", verbose_name=_("project")
    )
    round = models.PositiveIntegerField(_("round"))
    rubric = models.ForeignKey(
        Rubric, on_delete=models.PROTECT, related_name="evaluations", verbose_name=_("rubric")
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.OPEN
    )
    decision = models.CharField(_("decision"), max_length=20, choices=Decision.choices, blank=True)
    grade = models.CharField(_("grade"), max_length=1, choices=Grade.choices, blank=True)
    suggested_grade = models.CharField(
        _("suggested grade"),
        max_length=1,
        choices=Grade.choices,
        blank=True,
        help_text=_("The grade the weighted score maps to under the rubric's cut-offs."),
    )
    granted_budget = models.DecimalField(
        _("granted budget (CNY)"),
        **MONEY,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )
    traffic_support = models.DecimalField(
        _("traffic support (CNY)"),
        **MONEY,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )
    reason = models.TextField(_("reason"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        verbose_name = _("evaluation")
        verbose_name_plural = _("evaluations")
        ordering = ["project", "-round"]
        indexes = [
            # The platform's queue of open evaluations, oldest first (dashboard).
            models.Index(
                fields=["created_at", "id"],
                condition=Q(status="open"),
                name="evaluation_open_queue",
            ),
        ]
        constraints = [
            models.UniqueConstraint(fields=["project", "round"], name="evaluation_one_per_round"),
            models.CheckConstraint(
                name="evaluation_decided_has_decision",
                condition=Q(status="decided") & ~Q(decision="")
                | ~Q(status="decided") & Q(decision=""),
            ),
            models.CheckConstraint(
                name="evaluation_greenlight_has_grade",
                condition=~Q(decision="greenlight") | ~Q(grade=""),
            ),
        ]

    def __str__(self) -> str:
        return str(
            _("Evaluation of %(project)s, round %(round)s")
            % {"project": self.project, "round": self.round}
        )


class Scorecard(TimeStampedModel):
    """One invited rater's scores for an evaluation. Blind until the rater submits their own."""

    class Status(models.TextChoices):
        INVITED = "invited", _("Invited")
        # Not the project's "Submitted" (sent for review): the rater handed in the scores.
        SUBMITTED = "submitted", pgettext_lazy("scorecard status", "Submitted")

    evaluation = models.ForeignKey(
        Evaluation,
        on_delete=models.CASCADE,
        related_name="scorecards",
        verbose_name=_("evaluation"),
    )
    rater = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="scorecards",
        verbose_name=_("rater"),
    )
    function = models.CharField(
        _("function"), max_length=20, choices=Membership.RaterFunction.choices
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("invited by"),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.INVITED
    )
    comment = models.TextField(_("comment"), blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)

    class Meta:
        verbose_name = _("scorecard")
        verbose_name_plural = _("scorecards")
        ordering = ["evaluation", "id"]
        constraints = [
            models.UniqueConstraint(fields=["evaluation", "rater"], name="scorecard_one_per_rater"),
        ]

    def __str__(self) -> str:
        return f"{self.rater} · {self.evaluation}"


class Score(models.Model):
    scorecard = models.ForeignKey(
        Scorecard, on_delete=models.CASCADE, related_name="scores", verbose_name=_("scorecard")
    )
    criterion = models.ForeignKey(
        Criterion, on_delete=models.PROTECT, related_name="+", verbose_name=_("criterion")
    )
    value = models.PositiveSmallIntegerField(
        _("score"), validators=[MinValueValidator(1), MaxValueValidator(10)]
    )

    class Meta:
        verbose_name = _("score")
        verbose_name_plural = _("scores")
        constraints = [
            models.UniqueConstraint(
                fields=["scorecard", "criterion"], name="score_one_per_criterion"
            ),
            models.CheckConstraint(
                name="score_between_1_and_10", condition=Q(value__gte=1, value__lte=10)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.criterion_id}: {self.value}"


# Regulatory reviews -----------------------------------------------------------------------------


class RegulatoryReview(TimeStampedModel):
    """A review by an authority, one step of a planning filing or of a finished-cut review.

    KEY projects get two planning-filing reviews in sequence: the provincial bureau's first check
    (sequence 1), then the national administration's re-check (sequence 2); both must approve.
    The finished-cut review (成片审查) has its steps too (see ``reviews.services.finals``); for OTHER
    projects its authority is the commissioning platform itself, not a regulator.
    """

    class Kind(models.TextChoices):
        PLANNING_FILING = "planning_filing", _("Planning filing")
        FINAL_REVIEW = "final_review", _("Finished-cut review")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        APPROVED = "approved", _("Approved")
        CHANGES_REQUESTED = "changes_requested", _("Changes requested")
        REJECTED = "rejected", _("Rejected")
        SUPERSEDED = "superseded", _("Superseded")

    project = models.ForeignKey(
        Project,
        on_delete=models.CASCADE,
        related_name="regulatory_reviews",
        verbose_name=_("project"),
    )
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    authority = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="regulatory_reviews",
        verbose_name=_("authority"),
    )
    sequence = models.PositiveSmallIntegerField(_("sequence"), default=1)
    round = models.PositiveIntegerField(_("round"))
    tier = models.CharField(_("for tier"), max_length=10, choices=ReviewTier.choices)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PENDING
    )
    filing_number = models.CharField(_("filing number"), max_length=100, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        verbose_name = _("regulatory review")
        verbose_name_plural = _("regulatory reviews")
        ordering = ["project", "kind", "round", "sequence"]
        indexes = [models.Index(fields=["authority", "status"], name="regreview_authority_status")]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "kind", "round", "sequence"],
                condition=~Q(status="superseded"),
                name="regreview_one_per_step",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.project} · {self.authority}"


# Feedback items ---------------------------------------------------------------------------------


class FeedbackItem(TimeStampedModel):
    """One point of feedback from a review round; must-fix items gate resubmission."""

    class Stage(models.TextChoices):
        EVALUATION = "evaluation", _("Platform evaluation")
        PLANNING_FILING = "planning_filing", _("Planning filing")
        CUT_REVIEW = "cut_review", _("Platform cut review")
        FINAL_REVIEW = "final_review", _("Finished-cut review")

    class Category(models.TextChoices):
        CONTENT = "content", _("Content")
        COMPLIANCE = "compliance", _("Compliance")
        COPYRIGHT = "copyright", _("Copyright")
        TECHNICAL = "technical", _("Technical")
        COMMERCIAL = "commercial", _("Commercial")

    class Severity(models.TextChoices):
        MUST_FIX = "must_fix", _("Must fix")
        SUGGESTION = "suggestion", _("Suggestion")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        ADDRESSED = "addressed", _("Addressed")
        DECLINED = "declined", _("Declined")

    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="feedback_items", verbose_name=_("project")
    )
    stage = models.CharField(_("stage"), max_length=30, choices=Stage.choices)
    round = models.PositiveIntegerField(_("round"))
    evaluation = models.ForeignKey(
        Evaluation,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="feedback_items",
        verbose_name=_("evaluation"),
    )
    regulatory_review = models.ForeignKey(
        RegulatoryReview,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="feedback_items",
        verbose_name=_("regulatory review"),
    )
    cut_submission = models.ForeignKey(
        "reviews.CutSubmission",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="findings",
        verbose_name=_("cut round"),
        help_text=_("For cut-review findings: the delivered cut the finding is about."),
    )
    fixed_in = models.ForeignKey(
        "reviews.CutSubmission",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="fixed_findings",
        verbose_name=_("fixed in cut round"),
        help_text=_("For addressed cut-review findings: the resubmitted cut that fixes them."),
    )
    text = models.TextField(_("feedback"))
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    severity = models.CharField(_("severity"), max_length=20, choices=Severity.choices)
    episode = models.PositiveSmallIntegerField(_("episode"), null=True, blank=True)
    timecode = models.CharField(
        _("timecode"),
        max_length=12,
        blank=True,
        help_text=_("HH:MM:SS or MM:SS within the episode."),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.OPEN
    )
    response = models.TextField(_("producer's response"), blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("resolved by"),
    )
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("raised by"),
    )

    class Meta:
        verbose_name = _("feedback item")
        verbose_name_plural = _("feedback items")
        ordering = ["project", "round", "id"]
        indexes = [
            models.Index(fields=["project", "round", "status"], name="feedback_project_round"),
        ]
        constraints = [
            models.CheckConstraint(
                name="feedback_resolved_has_resolver",
                condition=Q(status="open")
                | Q(resolved_by__isnull=False, resolved_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return self.text[:60]


from reviews.models.clearances import CLEARANCE_KIND_FOR_TIER, Clearance  # noqa: E402, F401
from reviews.models.cuts import CutEpisode, CutSubmission  # noqa: E402, F401
from reviews.models.finals import (  # noqa: E402, F401
    ChecklistConfirmation,
    ChecklistItem,
    ComplianceChecklist,
    FinalReview,
    ProjectLoss,
)
