"""The commissioning contract between the producer company and the platform.

One contract is active per project. Its terms follow the commissioning model (DESIGN.md 1):

- work for hire: the platform holds the copyright and the script, pays a one-time fee; no
  residuals, no producer investment, and the producer may not revise the script;
- licence: the producer holds the copyright; the platform's rights are non-exclusive unless an
  exclusivity period (ending on a date) is agreed, permanent or until a term end;
- co-investment: the producer invests part of the budget (more than zero), holds the copyright and
  takes a revenue share (typically 3-10 %).

The lifecycle is its own state machine (``status``): draft -> sent -> signed by the producer ->
countersigned by the platform (active) -> completed, or terminated. Only the platform edits the
terms of a draft; sent terms are frozen, and a change after sending is a new version of the
contract (``version``, ``supersedes``): the old versions are kept.
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition

from common.values import MONEY
from workflow.models import Project, TimeStampedModel
from workflow.permissions import CONTENT_MANAGER, PRODUCER, Actor


class OnProject:
    """A project role (``workflow.permissions``) as a permission on the project's contract."""

    def __init__(self, actor: Actor) -> None:
        self.actor = actor
        self.label = actor.label

    def __call__(self, contract, user) -> bool:
        return self.actor(contract.project, user)

    def organisation_for(self, contract, user):
        return self.actor.organisation_for(contract.project, user)


PLATFORM = OnProject(CONTENT_MANAGER)
PRODUCER_SIDE = OnProject(PRODUCER)
EITHER_SIDE = OnProject(PRODUCER | CONTENT_MANAGER)


class Contract(TimeStampedModel):
    class Model(models.TextChoices):
        WORK_FOR_HIRE = "work_for_hire", _("Work for hire")
        LICENCE = "licence", _("Licence")
        CO_INVESTMENT = "co_investment", _("Co-investment")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SENT = "sent", _("Sent to the producer")
        SIGNED = "signed", _("Signed by the producer")
        ACTIVE = "active", _("Countersigned (active)")
        COMPLETED = "completed", _("Completed")
        TERMINATED = "terminated", _("Terminated")
        SUPERSEDED = "superseded", _("Superseded by a new version")

    class ResidualBasis(models.TextChoices):
        NONE = "none", _("No residuals")
        VALID_PLAYS = "valid_plays", _("Per 1,000 valid plays")
        PAID_REVENUE = "paid_revenue", _("Percentage of paid revenue")
        AD_REVENUE = "ad_revenue", _("Percentage of ad revenue")

    class Grade(models.TextChoices):
        S = "S", "S"
        A = "A", "A"
        B = "B", "B"
        C = "C", "C"

    project = models.ForeignKey(
        Project, on_delete=models.PROTECT, related_name="contracts", verbose_name=_("project")
    )
    version = models.PositiveIntegerField(_("version"), default=1)
    supersedes = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="superseded_by",
        verbose_name=_("supersedes"),
    )
    status = FSMField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT, protected=True
    )
    commissioning_model = models.CharField(
        _("commissioning model"), max_length=20, choices=Model.choices
    )
    production_fee = models.DecimalField(
        _("production fee (CNY)"), **MONEY, validators=[MinValueValidator(Decimal("0"))]
    )
    producer_investment = models.DecimalField(
        _("producer's investment (CNY)"),
        **MONEY,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    residual_basis = models.CharField(
        _("residual basis"),
        max_length=20,
        choices=ResidualBasis.choices,
        default=ResidualBasis.NONE,
    )
    residual_rate = models.DecimalField(
        _("residual rate"),
        max_digits=10,
        decimal_places=4,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_(
            "CNY per 1,000 valid plays, or a percentage (7 means 7 %) of the paid or ad revenue."
        ),
    )
    rights_scope = models.TextField(
        _("rights scope"),
        blank=True,
        help_text=_("Territories, platforms and media the platform's rights cover."),
    )
    term_ends_on = models.DateField(
        _("term ends on"), null=True, blank=True, help_text=_("Blank for permanent rights.")
    )
    exclusivity_ends_on = models.DateField(
        _("exclusivity ends on"),
        null=True,
        blank=True,
        help_text=_("Blank for non-exclusive rights."),
    )
    # The platform's evaluation decision the offer was made from (its score flows into the terms).
    grade = models.CharField(_("grade"), max_length=1, choices=Grade.choices, blank=True)
    granted_budget = models.DecimalField(_("granted budget (CNY)"), **MONEY, null=True, blank=True)
    traffic_support = models.DecimalField(
        _("traffic support (CNY)"), **MONEY, null=True, blank=True
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("created by"),
    )
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    signed_at = models.DateTimeField(_("signed by the producer at"), null=True, blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("signed by"),
    )
    countersigned_at = models.DateTimeField(_("countersigned at"), null=True, blank=True)
    countersigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("countersigned by"),
    )
    ended_at = models.DateTimeField(_("completed or terminated at"), null=True, blank=True)
    end_reason = models.TextField(_("reason for termination"), blank=True)

    class Meta:
        verbose_name = _("contract")
        verbose_name_plural = _("contracts")
        ordering = ["project", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["project", "version"], name="contract_version_once"),
            # One contract in force (or on its way to it) per project.
            models.UniqueConstraint(
                fields=["project"],
                condition=Q(status__in=["draft", "sent", "signed", "active"]),
                name="contract_one_open_per_project",
            ),
            models.CheckConstraint(
                name="contract_work_for_hire_has_no_residuals_or_investment",
                condition=~Q(commissioning_model="work_for_hire")
                | (Q(residual_basis="none") & Q(producer_investment=0)),
            ),
            models.CheckConstraint(
                name="contract_co_investment_has_investment",
                condition=~Q(commissioning_model="co_investment") | Q(producer_investment__gt=0),
            ),
            models.CheckConstraint(
                name="contract_money_not_negative",
                condition=Q(production_fee__gte=0)
                & Q(producer_investment__gte=0)
                & Q(residual_rate__gte=0),
            ),
        ]

    def __str__(self) -> str:
        return _("Contract v%(version)d for %(project)s") % {
            "version": self.version,
            "project": self.project,
        }

    # The lifecycle. Transition methods only change fields; the services
    # (contracts.services.agreements) lock, check and save.

    @transition(
        field=status,
        source=Status.DRAFT,
        target=Status.SENT,
        permission=PLATFORM,
        custom={"label": _("Send to the producer")},
    )
    def send(self) -> None:
        self.sent_at = timezone.now()

    @transition(
        field=status,
        source=Status.SENT,
        target=Status.SIGNED,
        permission=PRODUCER_SIDE,
        custom={"label": _("Sign")},
    )
    def sign(self, *, by) -> None:
        self.signed_at = timezone.now()
        self.signed_by = by

    @transition(
        field=status,
        source=Status.SIGNED,
        target=Status.ACTIVE,
        permission=PLATFORM,
        custom={"label": _("Countersign")},
    )
    def countersign(self, *, by) -> None:
        self.countersigned_at = timezone.now()
        self.countersigned_by = by

    @transition(
        field=status,
        source=Status.ACTIVE,
        target=Status.COMPLETED,
        permission=PLATFORM,
        custom={"label": _("Complete")},
    )
    def complete(self) -> None:
        self.ended_at = timezone.now()

    @transition(
        field=status,
        source=[Status.SENT, Status.SIGNED, Status.ACTIVE],
        target=Status.TERMINATED,
        permission=EITHER_SIDE,
        custom={"label": _("Terminate")},
    )
    def terminate(self, *, reason: str) -> None:
        self.ended_at = timezone.now()
        self.end_reason = reason

    @transition(
        field=status,
        source=Status.SENT,
        target=Status.TERMINATED,
        permission=PRODUCER_SIDE,
        custom={"label": _("Decline")},
    )
    def decline(self, *, reason: str) -> None:
        """The producer refuses the offer as sent; the platform may offer a new version."""
        self.ended_at = timezone.now()
        self.end_reason = reason

    @transition(
        field=status,
        source=[Status.SENT, Status.SIGNED, Status.ACTIVE],
        target=Status.SUPERSEDED,
        permission=PLATFORM,
        custom={"label": _("Revise (new version)")},
    )
    def supersede(self) -> None:
        self.ended_at = timezone.now()

    @property
    def copyright_holder(self) -> str:
        return "platform" if self.commissioning_model == self.Model.WORK_FOR_HIRE else "producer"

    @property
    def script_revisable_by_producer(self) -> bool:
        return self.commissioning_model != self.Model.WORK_FOR_HIRE

    @property
    def is_exclusive(self) -> bool:
        return self.exclusivity_ends_on is not None
