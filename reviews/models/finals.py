"""The finished-cut review (成片审查): its compliance checklist and the loss of a rejected project.

The review's steps are ``RegulatoryReview`` rows of kind ``final_review`` (``FinalReview`` is the
proxy the admin lists them under). Before the cut goes to its authorities the producer confirms
the compliance checklist of each of them: an authority's active checklist version, or the default
one (authority blank) for an authority without its own. A new version has new items, so its items
need confirming again.
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from common.values import MONEY
from reviews.models import RegulatoryReview
from workflow.models import Organisation, Project, TimeStampedModel


class FinalReviewManager(models.Manager):
    def get_queryset(self):
        return super().get_queryset().filter(kind=RegulatoryReview.Kind.FINAL_REVIEW)


class FinalReview(RegulatoryReview):
    """A step of the finished-cut review (the admin's own list of them)."""

    objects = FinalReviewManager()

    class Meta:
        proxy = True
        verbose_name = _("finished-cut review")
        verbose_name_plural = _("finished-cut reviews")


class ComplianceChecklist(TimeStampedModel):
    """What the producer confirms before the cut goes to an authority. Versions are kept."""

    authority = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="compliance_checklists",
        verbose_name=_("authority"),
        help_text=_("Blank for the default checklist of authorities without their own."),
    )
    version = models.PositiveIntegerField(_("version"), default=1)
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        verbose_name = _("compliance checklist")
        verbose_name_plural = _("compliance checklists")
        ordering = ["authority__name", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["authority", "version"], name="checklist_version_unique"
            ),
            # NULLs are distinct in a unique index: the default checklist needs its own.
            models.UniqueConstraint(
                fields=["version"],
                condition=Q(authority__isnull=True),
                name="checklist_default_version_unique",
            ),
            models.UniqueConstraint(
                fields=["authority"], condition=Q(is_active=True), name="checklist_one_active"
            ),
            models.UniqueConstraint(
                fields=["is_active"],
                condition=Q(authority__isnull=True, is_active=True),
                name="checklist_one_active_default",
            ),
        ]

    def __str__(self) -> str:
        owner = self.authority.name if self.authority_id else _("Default")
        return str(
            _("%(owner)s checklist v%(version)d") % {"owner": owner, "version": self.version}
        )


class ChecklistItem(models.Model):
    checklist = models.ForeignKey(
        ComplianceChecklist,
        on_delete=models.CASCADE,
        related_name="items",
        verbose_name=_("checklist"),
    )
    code = models.SlugField(_("code"), max_length=50)
    label = models.CharField(_("label"), max_length=200)
    help_text = models.TextField(_("help text"), blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("checklist item")
        verbose_name_plural = _("checklist items")
        ordering = ["checklist", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["checklist", "code"], name="checklist_item_code"),
        ]

    def __str__(self) -> str:
        return self.label


class ChecklistConfirmation(TimeStampedModel):
    """The producer's confirmation of one checklist item for one project."""

    project = models.ForeignKey(
        Project,
        on_delete=models.CASCADE,
        related_name="checklist_confirmations",
        verbose_name=_("project"),
    )
    item = models.ForeignKey(
        ChecklistItem,
        on_delete=models.PROTECT,
        related_name="confirmations",
        verbose_name=_("item"),
    )
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("confirmed by"),
    )
    confirmed_at = models.DateTimeField(_("confirmed at"))
    reference = models.CharField(
        _("document reference or note"),
        max_length=500,
        blank=True,
        help_text=_("Where the document is (a URL or storage key), or a note."),
    )

    class Meta:
        verbose_name = _("checklist confirmation")
        verbose_name_plural = _("checklist confirmations")
        ordering = ["project", "item__checklist", "item__position", "item_id"]
        constraints = [
            models.UniqueConstraint(fields=["project", "item"], name="checklist_confirmed_once"),
        ]

    def __str__(self) -> str:
        return f"{self.project} · {self.item}"


class ProjectLoss(TimeStampedModel):
    """What the producer lost when the finished-cut review rejected the project."""

    project = models.OneToOneField(
        Project, on_delete=models.CASCADE, related_name="loss", verbose_name=_("project")
    )
    amount = models.DecimalField(
        _("amount (CNY)"), **MONEY, validators=[MinValueValidator(Decimal("0"))]
    )
    review = models.ForeignKey(
        RegulatoryReview,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("rejecting review"),
    )
    recorded_at = models.DateTimeField(_("recorded at"))
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("project loss")
        verbose_name_plural = _("project losses")
        ordering = ["-recorded_at", "-id"]
        constraints = [
            models.CheckConstraint(name="project_loss_not_negative", condition=Q(amount__gte=0)),
        ]

    def __str__(self) -> str:
        return str(_("Loss on %(project)s") % {"project": self.project})
