"""Organisations (producer companies, platforms, regulators) and their members' roles."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from workflow.provinces import Province


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


class Organisation(TimeStampedModel):
    class Kind(models.TextChoices):
        PRODUCER = "producer", _("Producer company")
        PLATFORM = "platform", _("Platform")
        REGULATOR = "regulator", _("Regulator")

    class Level(models.TextChoices):
        NATIONAL = "national", _("National")
        PROVINCIAL = "provincial", _("Provincial")

    name = models.CharField(_("name"), max_length=200, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    level = models.CharField(
        _("regulator level"),
        max_length=20,
        choices=Level.choices,
        blank=True,
        help_text=_("Regulators only: national administration or provincial bureau."),
    )
    province = models.CharField(
        _("province"),
        max_length=20,
        choices=Province.choices,
        blank=True,
        help_text=_("A producer company's home province, or a provincial bureau's jurisdiction."),
    )

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                name="organisation_level_only_for_regulators",
                condition=Q(kind="regulator", level__in=["national", "provincial"])
                | (~Q(kind="regulator") & Q(level="")),
            ),
            models.CheckConstraint(
                name="organisation_province_matches_kind",
                condition=(
                    Q(kind="producer") & ~Q(province="")
                    | Q(kind="regulator", level="provincial") & ~Q(province="")
                    | Q(kind="regulator", level="national", province="")
                    | Q(kind="platform")
                ),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Membership(TimeStampedModel):
    class Role(models.TextChoices):
        PRODUCER = "producer", _("Producer")
        CONTENT_MANAGER = "content_manager", _("Content manager")
        RATER = "rater", _("Rater")
        REGULATOR_REVIEWER = "regulator_reviewer", _("Regulator reviewer")
        ORG_ADMIN = "org_admin", _("Organisation admin")

    class RaterFunction(models.TextChoices):
        CONTENT = "content", _("Content")
        BUSINESS = "business", _("Business")
        MARKETING = "marketing", _("Marketing")

    # Which roles make sense in which kind of organisation.
    ROLES_BY_KIND = {
        Organisation.Kind.PRODUCER: {Role.PRODUCER, Role.ORG_ADMIN},
        Organisation.Kind.PLATFORM: {Role.CONTENT_MANAGER, Role.RATER, Role.ORG_ADMIN},
        Organisation.Kind.REGULATOR: {Role.REGULATOR_REVIEWER, Role.ORG_ADMIN},
    }

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("user"),
    )
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("organisation"),
    )
    role = models.CharField(_("role"), max_length=30, choices=Role.choices)
    rater_function = models.CharField(
        _("rater function"),
        max_length=20,
        choices=RaterFunction.choices,
        blank=True,
        help_text=_("Raters only: content, business or marketing."),
    )

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["organisation__name", "role"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organisation", "role"], name="membership_unique_role"
            ),
            models.CheckConstraint(
                name="membership_rater_function_only_for_raters",
                condition=Q(role="rater") & ~Q(rater_function="")
                | ~Q(role="rater") & Q(rater_function=""),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.organisation}"

    def clean(self) -> None:
        if self.organisation_id and self.role:
            allowed = self.ROLES_BY_KIND[self.organisation.kind]
            if self.role not in allowed:
                raise ValidationError(
                    {
                        "role": _("A %(kind)s cannot have the role %(role)s.")
                        % {
                            "kind": self.organisation.get_kind_display(),
                            "role": self.get_role_display(),
                        }
                    }
                )
        if self.role == self.Role.RATER and not self.rater_function:
            raise ValidationError({"rater_function": _("A rater needs a function.")})
        if self.role != self.Role.RATER and self.rater_function:
            raise ValidationError({"rater_function": _("Only raters have a function.")})
