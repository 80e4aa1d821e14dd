from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from common.values import MONEY
from workflow import tiers
from workflow.permissions import AUTHORITY, CONTENT_MANAGER, CONTENT_MANAGER_OR_REGULATOR, PRODUCER

from .organisations import Membership, Organisation, TimeStampedModel


class ProjectState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    REVISING = "revising", _("Revising")
    GREENLIT = "greenlit", _("Greenlit")
    IN_PRODUCTION = "in_production", _("In production")
    CUT_REVIEW = "cut_review", _("Cut review")
    CUT_CHANGES = "cut_changes", _("Cut changes")
    FINAL_REVIEW = "final_review", _("Final review")
    FINAL_CHANGES = "final_changes", _("Final changes")
    CLEARED = "cleared", _("Cleared")
    RELEASED = "released", _("Released")
    TAKEN_DOWN = "taken_down", _("Taken down")
    COMPLETED = "completed", _("Completed")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class ReviewTier(models.TextChoices):
    KEY = "KEY", _("Key")
    ORDINARY = "ORDINARY", _("Ordinary")
    OTHER = "OTHER", _("Other")


S = ProjectState

# Transitions that only a recorded decision fires (``custom["decided_by"]``): the decision's
# service fires them with the decision; the generic transition endpoint refuses them and names
# the endpoint to use.
PROPOSAL_DECISION = _(
    "the platform's evaluation decision (POST /api/v1/evaluations/{id}/decide/) or the "
    "regulator's planning-filing decision (POST /api/v1/regulatory-reviews/{id}/decide/)"
)
FINAL_DECISION = _("the finished-cut review's decision (POST /api/v1/final-reviews/{id}/decide/)")
EDITABLE_STATES = frozenset({S.DRAFT, S.REVISING})
TERMINAL_STATES = frozenset({S.COMPLETED, S.REJECTED, S.WITHDRAWN})


class Project(ConcurrentTransitionMixin, TimeStampedModel):
    class Source(models.TextChoices):
        ORIGINAL = "original", _("Original script")
        ADAPTATION = "adaptation", _("Adaptation of an online novel")

    class Orientation(models.TextChoices):
        VERTICAL = "vertical", _("Vertical")
        HORIZONTAL = "horizontal", _("Horizontal")

    class Monetisation(models.TextChoices):
        FREE_AD = "free_ad", _("Free, ad-supported")
        PAY_TO_UNLOCK = "pay_to_unlock", _("Pay to unlock")
        MEMBERSHIP = "membership", _("Membership")
        HYBRID = "hybrid", _("Hybrid")

    title = models.CharField(_("title"), max_length=200)
    logline = models.CharField(_("logline / hook"), max_length=500, blank=True)
    synopsis = models.TextField(_("synopsis"), blank=True)
    genre_tags = models.JSONField(_("genre tags"), default=list, blank=True)
    source = models.CharField(
        _("source"), max_length=20, choices=Source.choices, default=Source.ORIGINAL
    )
    rights_holder = models.CharField(
        _("rights holder"),
        max_length=200,
        blank=True,
        help_text=_("Required for an adaptation: who holds the novel's adaptation rights."),
    )
    episode_count = models.PositiveSmallIntegerField(
        _("episode count"), default=80, validators=[MinValueValidator(1), MaxValueValidator(500)]
    )
    episode_length_seconds = models.PositiveIntegerField(
        _("episode length (seconds)"),
        default=90,
        validators=[MinValueValidator(10), MaxValueValidator(3600)],
    )
    orientation = models.CharField(
        _("orientation"), max_length=20, choices=Orientation.choices, default=Orientation.VERTICAL
    )
    monetisation = models.CharField(
        _("monetisation"),
        max_length=20,
        choices=Monetisation.choices,
        default=Monetisation.PAY_TO_UNLOCK,
    )
    free_episodes = models.PositiveSmallIntegerField(_("free episodes"), default=0)
    paywall_positions = models.JSONField(
        _("paywall positions"),
        default=list,
        blank=True,
        help_text=_("Episode numbers at which viewers must pay to go on."),
    )
    producer = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="produced_projects",
        limit_choices_to={"kind": Organisation.Kind.PRODUCER},
        verbose_name=_("producer company"),
    )
    platform = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="commissioned_projects",
        limit_choices_to={"kind": Organisation.Kind.PLATFORM},
        verbose_name=_("commissioning platform"),
    )
    planned_budget = models.DecimalField(
        _("planned budget (CNY)"),
        **MONEY,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    special_subject = models.BooleanField(
        _("special subject"),
        default=False,
        help_text=_("Special subjects are KEY and also need a joint review."),
    )
    lead_ad_sales_title = models.BooleanField(_("platform's lead ad-sales title"), default=False)
    homepage_promotion = models.BooleanField(_("home-page first-screen promotion"), default=False)
    key_opt_in = models.BooleanField(
        _("opt in to KEY review"),
        default=False,
        help_text=_("The producer asks for KEY review whatever the budget."),
    )
    state = FSMField(
        _("state"),
        max_length=20,
        choices=ProjectState.choices,
        default=ProjectState.DRAFT,
        protected=True,
        db_index=True,
    )
    review_tier = models.CharField(
        _("review tier"),
        max_length=10,
        choices=ReviewTier.choices,
        blank=True,
        help_text=_("Fixed when the proposal is submitted."),
    )
    tier_reason = models.CharField(_("tier reason"), max_length=300, blank=True)
    tier_changed_at = models.DateTimeField(
        _("tier changed at"),
        null=True,
        blank=True,
        help_text=_("Set when a budget change after submission moved the project to another tier."),
    )
    review_round = models.PositiveIntegerField(_("review round"), default=0)
    submitted_at = models.DateTimeField(_("first submitted at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )

    class Meta:
        verbose_name = _("project")
        verbose_name_plural = _("projects")
        ordering = ["-updated_at", "-id"]
        indexes = [
            models.Index(fields=["producer", "state"], name="project_producer_state"),
            models.Index(fields=["platform", "state"], name="project_platform_state"),
            models.Index(fields=["-updated_at", "-id"], name="project_recent"),
            # A platform's scope (submitted projects), newest first: the API list's and admin
            # changelist's page and their counts read only this index, whatever the table size.
            models.Index(
                fields=["platform", "-updated_at", "-id"],
                condition=Q(submitted_at__isnull=False),
                name="project_platform_recent",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                name="project_budget_not_negative", condition=Q(planned_budget__gte=0)
            ),
            models.CheckConstraint(
                name="project_free_episodes_within_count",
                condition=Q(free_episodes__lte=models.F("episode_count")),
            ),
            models.CheckConstraint(
                name="project_adaptation_names_rights_holder",
                condition=~Q(source="adaptation") | ~Q(rights_holder=""),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.source == self.Source.ADAPTATION and not self.rights_holder.strip():
            errors["rights_holder"] = _("An adaptation must name the rights holder.")
        if self.free_episodes is not None and self.episode_count is not None:
            if self.free_episodes > self.episode_count:
                errors["free_episodes"] = _("There cannot be more free episodes than episodes.")
        if not isinstance(self.genre_tags, list) or not all(
            isinstance(tag, str) and tag.strip() and len(tag) <= 50 for tag in self.genre_tags
        ):
            errors["genre_tags"] = _("Genre tags are a list of short, non-empty texts.")
        positions = self.paywall_positions
        if not isinstance(positions, list) or not all(
            isinstance(p, int) and not isinstance(p, bool) for p in positions
        ):
            errors["paywall_positions"] = _("Paywall positions are a list of episode numbers.")
        elif positions and self.episode_count:
            if sorted(set(positions)) != positions:
                errors["paywall_positions"] = _("List each paywall position once, in order.")
            elif positions[0] <= self.free_episodes or positions[-1] > self.episode_count:
                errors["paywall_positions"] = _(
                    "Paywall positions must come after the free episodes and within the series."
                )
        if errors:
            raise ValidationError(errors)

    @property
    def is_editable(self) -> bool:
        return self.state in EDITABLE_STATES

    @property
    def joint_review_required(self) -> bool:
        return self.special_subject

    # Transitions. Each only changes fields; who may fire it is the permission predicate,
    # what must hold is the guard registry (workflow.guards), and the transition service checks
    # both, once (no ``conditions=`` here: django-fsm would run the guards a second time).

    @transition(
        field=state,
        source=S.DRAFT,
        target=S.SUBMITTED,
        permission=PRODUCER,
        custom={"label": _("Submit")},
    )
    def submit(self) -> None:
        self.submitted_at = self.submitted_at or timezone.now()
        self.review_tier, self.tier_reason = tiers.resolve(self)
        self.review_round = 1

    @transition(
        field=state,
        source=[S.DRAFT, S.REVISING, S.GREENLIT, S.IN_PRODUCTION],
        target=S.WITHDRAWN,
        permission=PRODUCER,
        custom={"label": _("Withdraw")},
    )
    def withdraw(self) -> None:
        pass

    @transition(
        field=state,
        source=S.SUBMITTED,
        target=S.GREENLIT,
        permission=CONTENT_MANAGER,
        custom={"label": _("Greenlight")},
    )
    def greenlight(self) -> None:
        pass

    @transition(
        field=state,
        source=S.SUBMITTED,
        target=S.REVISING,
        permission=CONTENT_MANAGER_OR_REGULATOR,
        custom={"label": _("Request revision"), "decided_by": PROPOSAL_DECISION},
    )
    def request_revision(self) -> None:
        pass

    @transition(
        field=state,
        source=S.SUBMITTED,
        target=S.REJECTED,
        permission=CONTENT_MANAGER_OR_REGULATOR,
        custom={"label": _("Reject"), "decided_by": PROPOSAL_DECISION},
    )
    @transition(
        field=state,
        source=S.FINAL_REVIEW,
        target=S.REJECTED,
        permission=AUTHORITY,
        custom={"label": _("Reject"), "decided_by": FINAL_DECISION},
    )
    def reject(self) -> None:
        pass

    @transition(
        field=state,
        source=S.REVISING,
        target=S.SUBMITTED,
        permission=PRODUCER,
        custom={"label": _("Resubmit")},
    )
    def resubmit(self) -> None:
        self.review_round += 1

    @transition(
        field=state,
        source=S.GREENLIT,
        target=S.IN_PRODUCTION,
        permission=PRODUCER,
        custom={"label": _("Start production")},
    )
    def start_production(self) -> None:
        pass

    @transition(
        field=state,
        source=S.IN_PRODUCTION,
        target=S.CUT_REVIEW,
        permission=PRODUCER,
        custom={"label": _("Submit cut")},
    )
    def submit_cut(self) -> None:
        self.review_round = 1

    @transition(
        field=state,
        source=S.CUT_REVIEW,
        target=S.FINAL_REVIEW,
        permission=CONTENT_MANAGER,
        custom={"label": _("Approve cut")},
    )
    def approve_cut(self) -> None:
        self.review_round = 1

    @transition(
        field=state,
        source=S.CUT_REVIEW,
        target=S.CUT_CHANGES,
        permission=CONTENT_MANAGER,
        custom={"label": _("Request cut changes")},
    )
    def request_cut_changes(self) -> None:
        pass

    @transition(
        field=state,
        source=S.CUT_CHANGES,
        target=S.CUT_REVIEW,
        permission=PRODUCER,
        custom={"label": _("Resubmit cut")},
    )
    def resubmit_cut(self) -> None:
        self.review_round += 1

    @transition(
        field=state,
        source=S.FINAL_REVIEW,
        target=S.CLEARED,
        permission=AUTHORITY,
        custom={"label": _("Clear for release"), "decided_by": FINAL_DECISION},
    )
    def clear(self) -> None:
        pass

    @transition(
        field=state,
        source=S.FINAL_REVIEW,
        target=S.FINAL_CHANGES,
        permission=AUTHORITY,
        custom={"label": _("Request final changes"), "decided_by": FINAL_DECISION},
    )
    def request_final_changes(self) -> None:
        pass

    @transition(
        field=state,
        source=S.FINAL_CHANGES,
        target=S.FINAL_REVIEW,
        permission=PRODUCER,
        custom={"label": _("Resubmit to final review")},
    )
    def resubmit_final(self) -> None:
        self.review_round += 1

    @transition(
        field=state,
        source=S.CLEARED,
        target=S.RELEASED,
        permission=CONTENT_MANAGER,
        custom={"label": _("Release")},
    )
    def release(self) -> None:
        pass

    @transition(
        field=state,
        source=S.RELEASED,
        target=S.TAKEN_DOWN,
        permission=CONTENT_MANAGER_OR_REGULATOR,
        custom={"label": _("Take down")},
    )
    def take_down(self) -> None:
        pass

    @transition(
        field=state,
        source=S.TAKEN_DOWN,
        target=S.RELEASED,
        permission=AUTHORITY,
        custom={"label": _("Reinstate")},
    )
    def reinstate(self) -> None:
        pass

    @transition(
        field=state,
        source=[S.RELEASED, S.TAKEN_DOWN],
        target=S.COMPLETED,
        permission=CONTENT_MANAGER,
        custom={"label": _("Complete")},
    )
    def complete(self) -> None:
        pass


# The audit trail, deadlines, notifications, keys and webhooks live in modules of their own;
# importing them here registers them.
from workflow.models.deadlines import (  # noqa: E402
    SLA,
    Deadline,
    DeadlineEvent,
    DeadlineKind,
    Notification,
    Reminder,
)
from workflow.models.idempotency import IdempotencyRecord  # noqa: E402
from workflow.models.keys import ApiKey, ApiKeyScope  # noqa: E402
from workflow.models.preferences import UserPreference  # noqa: E402
from workflow.models.transitions import ProjectTransition, StatusChange  # noqa: E402
from workflow.models.webhooks import (  # noqa: E402
    WebhookDelivery,
    WebhookEventType,
    WebhookSubscription,
)

__all__ = [
    "EDITABLE_STATES",
    "ApiKey",
    "ApiKeyScope",
    "SLA",
    "TERMINAL_STATES",
    "UserPreference",
    "Deadline",
    "DeadlineEvent",
    "DeadlineKind",
    "IdempotencyRecord",
    "Membership",
    "Notification",
    "Organisation",
    "Project",
    "ProjectState",
    "ProjectTransition",
    "Reminder",
    "ReviewTier",
    "StatusChange",
    "TimeStampedModel",
    "WebhookDelivery",
    "WebhookEventType",
    "WebhookSubscription",
]
