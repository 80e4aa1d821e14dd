"""A project's episodes, the batches they are released in, and the test clips released before."""

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Count, Max, Min, Q
from django.utils.translation import gettext_lazy as _

from workflow.models import Project, TimeStampedModel


class ProjectScopedQuerySet(models.QuerySet):
    def for_user(self, user):
        """Rows of the projects whose audience data the user may see (``audience.selectors``)."""
        from audience.selectors import audience_projects_for

        return self.filter(project__in=audience_projects_for(user).values("pk"))


class ReleaseBatchQuerySet(ProjectScopedQuerySet):
    def with_episode_stats(self):
        """``episode_total``, ``first_episode`` and ``last_episode`` in the same query."""
        return self.annotate(
            episode_total=Count("episodes"),
            first_episode=Min("episodes__number"),
            last_episode=Max("episodes__number"),
        )


class ReleaseBatch(TimeStampedModel):
    """Episodes go live in batches; the audience's reaction is read batch by batch."""

    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="release_batches", verbose_name=_("project")
    )
    number = models.PositiveSmallIntegerField(_("batch"), validators=[MinValueValidator(1)])
    released_at = models.DateTimeField(_("released at"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    objects = ReleaseBatchQuerySet.as_manager()

    class Meta:
        verbose_name = _("release batch")
        verbose_name_plural = _("release batches")
        ordering = ["project_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["project", "number"], name="release_batch_unique"),
            models.CheckConstraint(
                name="release_batch_number_positive", condition=Q(number__gte=1)
            ),
        ]

    def __str__(self) -> str:
        return str(
            _("%(project)s, batch %(number)d") % {"project": self.project, "number": self.number}
        )


class Episode(TimeStampedModel):
    class Access(models.TextChoices):
        FREE = "free", _("Free")
        PAID = "paid", _("Paid")
        AD_UNLOCK = "ad_unlock", _("Unlocked by watching an ad")

    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="episodes", verbose_name=_("project")
    )
    number = models.PositiveSmallIntegerField(_("episode"), validators=[MinValueValidator(1)])
    title = models.CharField(_("title"), max_length=200, blank=True)
    duration_seconds = models.PositiveIntegerField(
        _("duration (seconds)"), null=True, blank=True, validators=[MinValueValidator(1)]
    )
    access = models.CharField(
        _("access"), max_length=20, choices=Access.choices, default=Access.FREE
    )
    batch = models.ForeignKey(
        ReleaseBatch,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="episodes",
        verbose_name=_("release batch"),
    )

    objects = ProjectScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("episode")
        verbose_name_plural = _("episodes")
        ordering = ["project_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["project", "number"], name="episode_unique_number"),
            models.CheckConstraint(name="episode_number_positive", condition=Q(number__gte=1)),
        ]

    def __str__(self) -> str:
        return str(
            _("%(project)s, episode %(number)d") % {"project": self.project, "number": self.number}
        )


class TestClip(TimeStampedModel):
    """A clip released before the series to gauge reactions; its signals count separately."""

    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="test_clips", verbose_name=_("project")
    )
    code = models.SlugField(
        _("code"), max_length=40, help_text=_("Short name used in imports, e.g. teaser-1.")
    )
    title = models.CharField(_("title"), max_length=200, blank=True)
    duration_seconds = models.PositiveIntegerField(
        _("duration (seconds)"), null=True, blank=True, validators=[MinValueValidator(1)]
    )
    released_at = models.DateTimeField(_("released at"), null=True, blank=True)

    objects = ProjectScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("test clip")
        verbose_name_plural = _("test clips")
        ordering = ["project_id", "code"]
        constraints = [
            models.UniqueConstraint(fields=["project", "code"], name="test_clip_unique_code")
        ]

    def __str__(self) -> str:
        return str(_("%(project)s, clip %(code)s") % {"project": self.project, "code": self.code})
