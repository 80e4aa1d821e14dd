"""Release metrics: what a platform reports per episode and day once a title is live."""

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from common.values import MONEY
from workflow.models import Project, TimeStampedModel

RATE = {"max_digits": 5, "decimal_places": 4}
RATE_VALIDATORS = [MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))]

COUNT_FIELDS = ("plays", "valid_plays", "likes", "comments", "shares", "paid_unlocks")
RATE_FIELDS = ("retention_3s", "retention_5s", "retention_10s", "completion_rate")
MONEY_FIELDS = ("paid_revenue", "ad_revenue")
METRIC_FIELDS = (
    "plays",
    "valid_plays",
    "retention_3s",
    "retention_5s",
    "retention_10s",
    "completion_rate",
    "likes",
    "comments",
    "shares",
    "paid_unlocks",
    "paid_revenue",
    "ad_revenue",
)


def _rate(verbose_name):
    return models.DecimalField(
        verbose_name,
        **RATE,
        validators=RATE_VALIDATORS,
        help_text=_("A fraction from 0 to 1."),
    )


class EpisodeMetric(TimeStampedModel):
    """One episode's figures on one day (China time), as the platform reported them.

    Re-sending a day replaces it: (project, episode, date) is unique and imports upsert on it.
    """

    project = models.ForeignKey(
        Project,
        on_delete=models.CASCADE,
        related_name="episode_metrics",
        verbose_name=_("project"),
    )
    episode = models.PositiveSmallIntegerField(_("episode"), validators=[MinValueValidator(1)])
    date = models.DateField(_("date"))
    plays = models.PositiveBigIntegerField(_("plays"))
    valid_plays = models.PositiveBigIntegerField(_("valid plays"))
    retention_3s = _rate(_("3 s retention"))
    retention_5s = _rate(_("5 s retention"))
    retention_10s = _rate(_("10 s retention"))
    completion_rate = _rate(_("completion rate"))
    likes = models.PositiveBigIntegerField(_("likes"))
    comments = models.PositiveBigIntegerField(_("comments"))
    shares = models.PositiveBigIntegerField(_("shares"))
    paid_unlocks = models.PositiveBigIntegerField(_("paid unlocks"))
    paid_revenue = models.DecimalField(
        _("paid revenue (CNY)"), **MONEY, validators=[MinValueValidator(Decimal("0"))]
    )
    ad_revenue = models.DecimalField(
        _("ad revenue (CNY)"), **MONEY, validators=[MinValueValidator(Decimal("0"))]
    )

    class Meta:
        # The table keeps the name it had when the model lived in contracts (no data moved).
        db_table = "contracts_episodemetric"
        verbose_name = _("episode metric")
        verbose_name_plural = _("episode metrics")
        ordering = ["-date", "project_id", "episode"]
        # The unique key (project, episode, date) is also the index of the per-project summary
        # (filter by project, group by episode); the second index serves date ranges and the list.
        indexes = [
            models.Index(fields=["project", "-date"], name="episode_metric_project_date"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "episode", "date"], name="episode_metric_one_per_day"
            ),
            models.CheckConstraint(
                name="episode_metric_episode_positive", condition=Q(episode__gte=1)
            ),
            models.CheckConstraint(
                name="episode_metric_valid_plays_within_plays",
                condition=Q(valid_plays__lte=F("plays")),
            ),
            *(
                models.CheckConstraint(
                    name=f"episode_metric_{name}_fraction",
                    condition=Q(**{f"{name}__gte": 0, f"{name}__lte": 1}),
                )
                for name in RATE_FIELDS
            ),
            *(
                models.CheckConstraint(
                    name=f"episode_metric_{name}_not_negative", condition=Q(**{f"{name}__gte": 0})
                )
                for name in MONEY_FIELDS
            ),
        ]

    def __str__(self) -> str:
        return str(
            _("%(project)s, episode %(episode)d, %(date)s")
            % {"project": self.project, "episode": self.episode, "date": self.date}
        )
