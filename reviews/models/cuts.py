"""The platform's review of the producer's cut: numbered delivery rounds and per-episode outcomes.

Each submission of a cut (``submit_cut``, then ``resubmit_cut`` after changes) is a
``CutSubmission`` for the project's review round, recording what was delivered: one
``CutEpisode`` per episode with a reference (a URL or a storage key: the files themselves stay
in the producer's or the platform's storage) and its duration. The platform's findings are
feedback items of stage ``cut_review`` tied to an episode (and a timecode), and each episode of
the round gets an outcome.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from workflow.models import Project, TimeStampedModel


class CutSubmission(TimeStampedModel):
    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="cut_submissions", verbose_name=_("project")
    )
    round = models.PositiveIntegerField(_("round"))
    episode_count = models.PositiveSmallIntegerField(_("episodes delivered"))
    total_duration_seconds = models.PositiveIntegerField(_("total duration (seconds)"))
    note = models.TextField(_("producer's note"), blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("submitted by"),
    )

    class Meta:
        verbose_name = _("cut round")
        verbose_name_plural = _("cut rounds")
        ordering = ["project", "-round"]
        constraints = [
            models.UniqueConstraint(fields=["project", "round"], name="cut_one_per_round"),
        ]

    def __str__(self) -> str:
        return _("Cut of %(project)s, round %(round)d") % {
            "project": self.project,
            "round": self.round,
        }


class CutEpisode(models.Model):
    class Outcome(models.TextChoices):
        PENDING = "pending", _("Not reviewed yet")
        APPROVED = "approved", _("Approved")
        NEEDS_CHANGES = "needs_changes", _("Needs changes")

    submission = models.ForeignKey(
        CutSubmission, on_delete=models.CASCADE, related_name="episodes", verbose_name=_("cut")
    )
    number = models.PositiveSmallIntegerField(_("episode"))
    reference = models.CharField(
        _("reference"),
        max_length=500,
        help_text=_(
            "Where the episode's file is: an https:// URL, an object-storage URI or a storage key."
        ),
    )
    duration_seconds = models.PositiveIntegerField(_("duration (seconds)"))
    outcome = models.CharField(
        _("outcome"), max_length=20, choices=Outcome.choices, default=Outcome.PENDING
    )

    class Meta:
        verbose_name = _("delivered episode")
        verbose_name_plural = _("delivered episodes")
        ordering = ["submission", "number"]
        constraints = [
            models.UniqueConstraint(fields=["submission", "number"], name="cut_episode_once"),
        ]

    def __str__(self) -> str:
        return _("Episode %(n)d") % {"n": self.number}


def cut_summary(total: int, approved: int, needs_changes: int) -> str:
    """'78 of 80 episodes approved, 2 need changes' (and how many are not reviewed yet)."""
    text = ngettext(
        "%(approved)d of %(total)d episode approved",
        "%(approved)d of %(total)d episodes approved",
        total,
    ) % {"approved": approved, "total": total}
    if needs_changes:
        text += ngettext(", %(n)d needs changes", ", %(n)d need changes", needs_changes) % {
            "n": needs_changes
        }
    pending = total - approved - needs_changes
    if pending:
        text += ngettext(", %(n)d not reviewed yet", ", %(n)d not reviewed yet", pending) % {
            "n": pending
        }
    return text
