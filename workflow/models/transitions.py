"""The audit trail: the project's transitions, and the status changes of its other records."""

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist
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


class StatusChange(models.Model):
    """One row per status change of any other record of a project (a budget, an evaluation, a
    scorecard, a regulatory review, a contract, an installment, a residual statement...), written
    by ``workflow.audit.record_status_change`` only, in the transaction that makes the change.

    ``reconstructed`` rows were derived, when this log was introduced, from the fields that already
    held a change (``decided_at``, ``approved_by``...): their time and actor are as good as those
    fields, and changes no field kept are missing.
    """

    project = models.ForeignKey(
        Project, on_delete=models.PROTECT, related_name="status_changes", verbose_name=_("project")
    )
    record_type = models.ForeignKey(
        ContentType, on_delete=models.PROTECT, related_name="+", verbose_name=_("record type")
    )
    record_id = models.PositiveBigIntegerField(_("record id"))
    field = models.CharField(_("field"), max_length=40, default="status")
    from_status = models.CharField(_("from"), max_length=40, blank=True)
    to_status = models.CharField(_("to"), max_length=40)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
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
    reason = models.TextField(_("reason"), blank=True)
    reconstructed = models.BooleanField(_("reconstructed"), default=False)
    created_at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("status change")
        verbose_name_plural = _("status changes")
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["project", "created_at"], name="status_change_project_time"),
            models.Index(fields=["record_type", "record_id"], name="status_change_record"),
        ]

    def __str__(self) -> str:
        return f"{self.record_type_id}#{self.record_id}: {self.from_status} → {self.to_status}"

    @property
    def record_label(self) -> str:
        """The record's kind as its model names it ("budget", "合同"), or the content type's name."""
        model = self.record_type.model_class()
        return str(model._meta.verbose_name) if model else self.record_type.model

    def status_label(self, value: str) -> str:
        """``value`` in words: as the record's model describes a logged status
        (``describe_status(field, value)``, for records whose statuses are derived), else as its
        status field's choices display it; the value itself if neither knows it."""
        model = self.record_type.model_class()
        describe = getattr(model, "describe_status", None)
        if describe is not None and (described := describe(self.field, value)) is not None:
            return described
        try:
            choices = dict(model._meta.get_field(self.field).flatchoices) if model else {}
        except FieldDoesNotExist:  # renamed since the row was written
            choices = {}
        return str(choices.get(value, value))

    @property
    def from_label(self) -> str:
        return self.status_label(self.from_status) if self.from_status else ""

    @property
    def to_label(self) -> str:
        return self.status_label(self.to_status)
