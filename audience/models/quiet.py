"""Quiet mode: volatile metrics and signals of some episodes are hidden from the writing team until
each writer chooses to look."""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from workflow.models import Project, TimeStampedModel


class QuietRule(TimeStampedModel):
    """Locks a project's episodes (all of them, or first..last) for the writing team."""

    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="quiet_rules", verbose_name=_("project")
    )
    first_episode = models.PositiveSmallIntegerField(
        _("first episode"), null=True, blank=True, validators=[MinValueValidator(1)]
    )
    last_episode = models.PositiveSmallIntegerField(
        _("last episode"), null=True, blank=True, validators=[MinValueValidator(1)]
    )
    active = models.BooleanField(_("active"), default=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("created by"),
    )

    class Meta:
        verbose_name = _("quiet mode rule")
        verbose_name_plural = _("quiet mode rules")
        ordering = ["project_id", "first_episode"]
        constraints = [
            models.CheckConstraint(
                name="quiet_rule_range_ordered",
                condition=Q(first_episode__isnull=True)
                | Q(last_episode__isnull=True)
                | Q(last_episode__gte=F("first_episode")),
            ),
        ]

    def __str__(self) -> str:
        if self.first_episode is None and self.last_episode is None:
            return str(_("%(project)s, all episodes") % {"project": self.project})
        return str(
            _("%(project)s, episodes %(first)s-%(last)s")
            % {
                "project": self.project,
                "first": self.first_episode or 1,
                "last": self.last_episode or "…",
            }
        )


class QuietReveal(models.Model):
    """A writer chose to look at what a quiet rule hides."""

    rule = models.ForeignKey(
        QuietRule, on_delete=models.CASCADE, related_name="reveals", verbose_name=_("rule")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("user")
    )
    revealed_at = models.DateTimeField(_("revealed at"), auto_now_add=True)

    class Meta:
        verbose_name = _("quiet mode reveal")
        verbose_name_plural = _("quiet mode reveals")
        constraints = [models.UniqueConstraint(fields=["rule", "user"], name="quiet_reveal_once")]

    def __str__(self) -> str:
        return f"{self.rule} / {self.user}"
