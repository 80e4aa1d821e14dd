"""Memberships: who acts for an organisation, in which role. Superusers and the organisation's
admins manage them, through these services only (the admin calls them).

An organisation that has an admin keeps one: removing, demoting or moving its last admin (an
active user's ``org_admin`` membership) is refused. Each service locks the rows of the
organisations it touches first, so two admins demoting each other at once are serialised: the
second sees the first's change and is refused rather than leaving nobody in charge.
"""

from collections.abc import Iterable, Sequence

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from common.errors import DomainError, NotInScope, PermissionDenied

from .models import Membership, Organisation

ADMIN = Membership.Role.ORG_ADMIN


class LastOrganisationAdmin(DomainError):
    status_code = 409
    code = "last_org_admin"
    default_detail = _("The organisation would have no admin left.")


def _lock_organisations(ids: Iterable[int]) -> None:
    """Lock the organisations' rows, in id order (two services never wait on each other)."""
    list(
        Organisation.objects.select_for_update()
        .filter(pk__in=set(ids))
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def _require_manager(actor, organisation_ids: Iterable[int]) -> None:
    """Read after the lock: an admin just demoted by someone else no longer manages."""
    if actor.is_superuser:
        return
    for organisation_id in set(organisation_ids):
        if not Membership.objects.filter(
            user=actor, user__is_active=True, organisation_id=organisation_id, role=ADMIN
        ).exists():
            raise PermissionDenied(
                _("Only a superuser or an admin of the organisation manages its memberships.")
            )


def _require_admin_left(leaving: Sequence[Membership]) -> None:
    """Refuse when an organisation that has an admin would have none once ``leaving`` go."""
    leaving_ids = [m.pk for m in leaving]
    for membership in leaving:
        if membership.role != ADMIN or not membership.user.is_active:
            continue
        others = Membership.objects.filter(
            organisation_id=membership.organisation_id, role=ADMIN, user__is_active=True
        ).exclude(pk__in=leaving_ids)
        if not others.exists():
            raise LastOrganisationAdmin(
                _("%(organisation)s would have no admin left: make someone else its admin first.")
                % {"organisation": membership.organisation.name}
            )


@transaction.atomic
def membership_create(
    *, actor, user, organisation: Organisation, role: str, rater_function: str = ""
) -> Membership:
    _lock_organisations([organisation.pk])
    _require_manager(actor, [organisation.pk])
    membership = Membership(
        user=user, organisation=organisation, role=role, rater_function=rater_function or ""
    )
    membership.full_clean()
    membership.save()
    return membership


@transaction.atomic
def membership_update(
    *,
    membership: Membership,
    actor,
    organisation: Organisation,
    role: str,
    rater_function: str = "",
) -> Membership:
    """Change the organisation, role or rater function of a membership (not its user)."""
    current = Membership.objects.filter(pk=membership.pk).values_list("organisation_id", flat=True)
    _lock_organisations([*current, organisation.pk])
    try:
        locked = Membership.objects.select_related("user", "organisation").get(pk=membership.pk)
    except Membership.DoesNotExist:
        raise NotInScope("membership") from None
    _require_manager(actor, [locked.organisation_id, organisation.pk])
    if locked.organisation_id != organisation.pk or role != locked.role:
        _require_admin_left([locked])
    locked.organisation = organisation
    locked.role = role
    locked.rater_function = rater_function or ""
    locked.full_clean()
    locked.save(update_fields=["organisation", "role", "rater_function", "updated_at"])
    return locked


@transaction.atomic
def membership_delete(*, membership_ids: Sequence[int], actor) -> int:
    """Delete memberships (several at once from the admin's changelist), all or none."""
    organisation_ids = Membership.objects.filter(pk__in=membership_ids).values_list(
        "organisation_id", flat=True
    )
    _lock_organisations(organisation_ids)
    memberships = list(
        Membership.objects.filter(pk__in=membership_ids).select_related("user", "organisation")
    )
    _require_manager(actor, [m.organisation_id for m in memberships])
    _require_admin_left(memberships)
    deleted, _rows = Membership.objects.filter(pk__in=[m.pk for m in memberships]).delete()
    return deleted
