"""A platform's rubric: published as a new version, never edited in place.

Evaluations keep the rubric version they opened with, so changing the criteria or weights means
publishing version n+1, which new evaluations use from then on.
"""

from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from common.errors import PermissionDenied
from reviews.models import Criterion, Rubric
from workflow.models import Membership, Organisation
from workflow.visibility import memberships_of

CRITERION_FIELDS = ("name", "description", "weight")
MANAGING_ROLES = {Membership.Role.CONTENT_MANAGER, Membership.Role.ORG_ADMIN}


def may_manage_rubrics(user, platform: Organisation) -> bool:
    return any(
        m.organisation_id == platform.pk and m.role in MANAGING_ROLES for m in memberships_of(user)
    )


@transaction.atomic
def rubric_publish(
    *, platform: Organisation, actor, name: str, criteria: list[dict[str, Any]]
) -> Rubric:
    """Publish a new version of the platform's rubric and make it the one in use."""
    if platform.kind != Organisation.Kind.PLATFORM or not may_manage_rubrics(actor, platform):
        raise PermissionDenied(
            _("Only a content manager or an admin of the platform publishes its rubric.")
        )
    errors: dict[str, list[str]] = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = [_("Name the rubric.")]
    if not criteria:
        errors["criteria"] = [_("A rubric needs at least one criterion.")]
    built, seen = [], set()
    for index, data in enumerate(criteria):
        unknown = set(data) - set(CRITERION_FIELDS)
        criterion = Criterion(
            position=index + 1,
            name=str(data.get("name", "")).strip(),
            description=str(data.get("description", "")).strip(),
            weight=data.get("weight", Decimal("1.00")),
        )
        item_errors: dict[str, list[str]] = {k: [_("Unknown field.")] for k in unknown}
        try:
            criterion.full_clean(exclude=["rubric"])
        except ValidationError as exc:
            item_errors.update(exc.message_dict)
        if criterion.name.lower() in seen:
            item_errors.setdefault("name", []).append(_("Each criterion once."))
        seen.add(criterion.name.lower())
        for field, messages in item_errors.items():
            errors[f"criteria.{index}.{field}"] = messages
        built.append(criterion)
    if errors:
        raise ValidationError(errors)

    # Lock the platform row: two publications at once get consecutive versions.
    Organisation.objects.select_for_update().filter(pk=platform.pk).first()
    latest = Rubric.objects.filter(platform=platform).order_by("-version").first()
    Rubric.objects.filter(platform=platform, is_active=True).update(is_active=False)
    rubric = Rubric.objects.create(
        platform=platform,
        name=name,
        version=latest.version + 1 if latest else 1,
        is_active=True,
    )
    for criterion in built:
        criterion.rubric = rubric
    Criterion.objects.bulk_create(built)
    return rubric
