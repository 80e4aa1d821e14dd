"""The revision log: a decision to change the episodes still to come, the audience evidence it
cites (with the counts at the time), and, computed from the episode metrics, its outcome."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from workflow.models import Project, TimeStampedModel

from .episodes import Episode
from .signals import AudienceSignal


class Revision(TimeStampedModel):
    class Kind(models.TextChoices):
        SCRIPT = "script", _("Script")
        EDIT = "edit", _("Edit")
        CASTING = "casting", _("Casting")
        PACING = "pacing", _("Pacing")
        COVER = "cover", _("Cover")
        TITLE = "title", _("Title")

    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="revisions", verbose_name=_("project")
    )
    kind = models.CharField(_("kind of change"), max_length=10, choices=Kind.choices)
    summary = models.CharField(_("summary"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    episodes = models.ManyToManyField(
        Episode, related_name="revisions", verbose_name=_("affected episodes")
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"))

    class Meta:
        # A change to the episodes to come, not the admin's "change" (修改).
        verbose_name = pgettext_lazy("audience revision", "revision")
        verbose_name_plural = pgettext_lazy("audience revision", "revisions")
        ordering = ["-decided_at", "-id"]

    def __str__(self) -> str:
        return self.summary


class RevisionEvidence(models.Model):
    """What the decision cites: a signal or a term, with its counts when the decision was made."""

    revision = models.ForeignKey(
        Revision,
        on_delete=models.CASCADE,
        related_name="evidence",
        verbose_name=pgettext_lazy("audience revision", "revision"),
    )
    signal = models.ForeignKey(
        AudienceSignal,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cited_by",
        verbose_name=_("signal"),
    )
    term = models.CharField(_("term"), max_length=50, blank=True)
    mentions = models.PositiveIntegerField(_("mentions at the time"), default=0)
    distinct_authors = models.PositiveIntegerField(_("distinct authors at the time"), default=0)
    likes = models.PositiveIntegerField(_("likes at the time"), default=0)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")
        ordering = ["revision_id", "id"]
        constraints = [
            # One thing per row: a signal, or a term.
            models.CheckConstraint(
                name="evidence_signal_or_term",
                condition=Q(signal__isnull=False, term="") | Q(signal__isnull=True) & ~Q(term=""),
            ),
            models.UniqueConstraint(
                fields=["revision", "signal"],
                condition=Q(signal__isnull=False),
                name="evidence_signal_once",
            ),
            models.UniqueConstraint(
                fields=["revision", "term"], condition=~Q(term=""), name="evidence_term_once"
            ),
        ]

    def __str__(self) -> str:
        return self.term or str(self.signal)
