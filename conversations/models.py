"""A conversation per project: one thread per (project, counterpart organisation).

The producer company talks with each organisation on the other side of its project in a thread
of its own: its platform (the default thread; once a drama is pitched to several platforms, one
thread per platform, each blind to the others) and, when either side opens one, a regulator the
project is routed to. Who reads a thread is ``conversations.selectors.readable_counterparts``.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from workflow.models import Organisation, Project

BODY_MAX_LENGTH = 4000


class Thread(models.Model):
    project = models.ForeignKey(
        Project, on_delete=models.PROTECT, related_name="threads", verbose_name=_("project")
    )
    counterpart = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("with"),
        help_text=_("The platform or regulator the producer company talks with here."),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("conversation")
        verbose_name_plural = _("conversations")
        constraints = [
            models.UniqueConstraint(
                fields=["project", "counterpart"], name="thread_one_per_counterpart"
            )
        ]

    def __str__(self) -> str:
        return f"{self.project_id} ↔ {self.counterpart_id}"


class Comment(models.Model):
    """A comment in a thread. Deleting one keeps the row (who deleted it, when) and drops its
    text: the conversation shows where it was."""

    thread = models.ForeignKey(
        Thread, on_delete=models.PROTECT, related_name="comments", verbose_name=_("conversation")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("author"),
    )
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("acting for"),
    )
    body = models.TextField(_("comment"), max_length=BODY_MAX_LENGTH, blank=True)
    mentions = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="+", blank=True, verbose_name=_("mentions")
    )
    created_at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)
    edited_at = models.DateTimeField(_("edited at"), null=True, blank=True)
    deleted_at = models.DateTimeField(_("deleted at"), null=True, blank=True)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("deleted by"),
    )

    class Meta:
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["thread", "created_at"], name="comment_thread_time")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(deleted_at__isnull=True) | models.Q(body=""),
                name="comment_deleted_has_no_text",
            )
        ]

    def __str__(self) -> str:
        return f"{self.thread_id}#{self.pk}"

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None
