"""The audit trail of the project state machine."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from workflow.models import Organisation, Project, ProjectState


class ProjectTransition(models.Model):
    """The audit trail: one row per transition, written by the transition service only."""

    project = models.ForeignKey(
        Project, on_delete=models.PROTECT, related_name="transitions", verbose_name=_("project")
    )
    name = models.CharField(_("transition"), max_length=40)
    source_state = models.CharField(_("from"), max_length=20, choices=ProjectState.choices)
    target_state = models.CharField(_("to"), max_length=20, choices=ProjectState.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("actor"),
    )
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("acting for"),
    )
    comment = models.TextField(_("comment"), blank=True)
    review_round = models.PositiveIntegerField(_("review round"), default=0)
    created_at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("transition log entry")
        verbose_name_plural = _("transition log")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["project", "created_at"], name="transition_project_time")]

    def __str__(self) -> str:
        return f"{self.project_id}: {self.source_state} → {self.target_state} ({self.name})"
