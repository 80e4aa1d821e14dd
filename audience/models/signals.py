"""What the audience says about an episode or a test clip: comments, bullet screens (danmu),
reposts and tags, imported from a platform's export.

Stored as imported after redaction: the author id only as a keyed hash and the text with phone
numbers, ID-card numbers and e-mail addresses replaced. Exact duplicates and suspected automated
comments are kept but flagged, and the feedback views leave them out unless asked.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from workflow.models import Project, TimeStampedModel

from .episodes import Episode, TestClip


class SignalImport(TimeStampedModel):
    """One file or API call's worth of signals, with what the import did to them."""

    class Source(models.TextChoices):
        CSV = "csv", _("CSV file")
        API = "api", _("API")

    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="signal_imports", verbose_name=_("project")
    )
    source = models.CharField(_("source"), max_length=10, choices=Source.choices)
    filename = models.CharField(_("file name"), max_length=255, blank=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("imported by"),
    )
    rows = models.PositiveIntegerField(_("rows"), default=0)
    duplicates = models.PositiveIntegerField(_("exact duplicates"), default=0)
    automated = models.PositiveIntegerField(_("suspected automated"), default=0)
    redactions = models.PositiveIntegerField(_("redactions"), default=0)

    class Meta:
        verbose_name = _("signal import")
        verbose_name_plural = _("signal imports")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        when = (
            timezone.localtime(self.created_at).strftime("%Y-%m-%d %H:%M %Z")
            if self.created_at
            else ""
        )
        return str(_("%(project)s, import of %(when)s") % {"project": self.project, "when": when})


class AudienceSignal(models.Model):
    class Kind(models.TextChoices):
        COMMENT = "comment", _("Comment")
        DANMU = "danmu", _("Bullet screen (danmu)")
        REPOST = "repost", _("Repost")
        TAG = "tag", _("Tag")

    project = models.ForeignKey(
        Project,
        on_delete=models.CASCADE,
        related_name="audience_signals",
        verbose_name=_("project"),
    )
    episode = models.ForeignKey(
        Episode,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="signals",
        verbose_name=_("episode"),
    )
    clip = models.ForeignKey(
        TestClip,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="signals",
        verbose_name=_("test clip"),
    )
    source_import = models.ForeignKey(
        SignalImport, on_delete=models.CASCADE, related_name="signals", verbose_name=_("import")
    )
    platform = models.CharField(_("platform"), max_length=40)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    posted_at = models.DateTimeField(_("posted at"))
    offset_seconds = models.PositiveIntegerField(
        _("offset in the episode (seconds)"), null=True, blank=True
    )
    text = models.TextField(_("text"), blank=True)
    author_hash = models.CharField(_("author (hashed)"), max_length=64)
    likes = models.PositiveIntegerField(_("likes"), default=0)
    redactions = models.PositiveSmallIntegerField(_("redactions"), default=0)
    fingerprint = models.CharField(_("fingerprint"), max_length=64, db_index=True)
    # The automation rule looks for the same normalised text within minutes: a hash of it, so
    # that the search is an index lookup (``audience.text.text_key``).
    text_key = models.CharField(_("normalised text (hash)"), max_length=64, blank=True)
    is_duplicate = models.BooleanField(_("exact duplicate"), default=False)
    is_automated = models.BooleanField(_("suspected automated"), default=False)

    class Meta:
        verbose_name = _("audience signal")
        verbose_name_plural = _("audience signals")
        ordering = ["-posted_at", "-id"]
        indexes = [
            models.Index(fields=["project", "episode", "posted_at"], name="signal_project_episode"),
            models.Index(fields=["project", "posted_at"], name="signal_project_posted"),
            models.Index(
                fields=["project", "text_key", "posted_at"], name="signal_project_text_key"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                name="signal_episode_xor_clip",
                condition=Q(episode__isnull=False, clip__isnull=True)
                | Q(episode__isnull=True, clip__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return self.text[:50]


class SignalTerm(models.Model):
    """A term a signal's text contains, once per signal, segmented at import (jieba for Chinese,
    words for English, stop words removed), so that term counts are one grouped query."""

    signal = models.ForeignKey(
        AudienceSignal, on_delete=models.CASCADE, related_name="terms", verbose_name=_("signal")
    )
    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="+", verbose_name=_("project")
    )
    term = models.CharField(_("term"), max_length=50)

    class Meta:
        verbose_name = _("signal term")
        verbose_name_plural = _("signal terms")
        indexes = [models.Index(fields=["project", "term"], name="signal_term_project_term")]
        constraints = [models.UniqueConstraint(fields=["signal", "term"], name="signal_term_once")]

    def __str__(self) -> str:
        return self.term
