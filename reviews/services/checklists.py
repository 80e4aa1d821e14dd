"""Compliance checklists: the versions in force for a project, the producer's confirmations, and an authority publishing a new version."""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from common.errors import DomainError, PermissionDenied
from reviews.models import (
    ChecklistConfirmation,
    ChecklistItem,
    ComplianceChecklist,
)
from reviews.services.decisions import (
    clean_text,
)
from reviews.services.finals import (
    S,
    final_review_steps,
)
from workflow.models import Membership, Organisation, Project
from workflow.permissions import PRODUCER
from workflow.services import project_lock
from workflow.visibility import memberships_of


class ChecklistLocked(DomainError):
    status_code = 409
    code = "checklist_locked"
    default_detail = _(
        "The compliance checklist can be changed from production until the cut goes to the "
        "finished-cut review, and while changes are being made after it."
    )


# The default checklist, for authorities without their own: migration 0004 creates version 1
# with these items (translated when shown, see ``item_label``).
DEFAULT_CHECKLIST_ITEMS = (
    (
        "cost-allocation-report",
        gettext_noop("Cost-allocation report"),
        gettext_noop("The production's costs by category, as in the approved budget."),
    ),
    (
        "cast-fee-pledge",
        gettext_noop("Cast-fee pledge"),
        gettext_noop("The producer's pledge that cast fees stay within the allowed share."),
    ),
    (
        "rights-statement",
        gettext_noop("Rights statement and non-infringement pledge"),
        gettext_noop("Who holds the rights to the script and the source; no infringement."),
    ),
    (
        "content-self-check",
        gettext_noop("Content self-check"),
        gettext_noop("The producer's own check of the finished cut against the content rules."),
    ),
)


# From production until the cut goes to the finished-cut review, and while changes are made.
CHECKLIST_OPEN_STATES = frozenset(
    {S.GREENLIT, S.IN_PRODUCTION, S.CUT_REVIEW, S.CUT_CHANGES, S.FINAL_CHANGES}
)


def default_checklist() -> ComplianceChecklist | None:
    """The active default checklist (created by a migration), or None if an operator removed it:
    then authorities without their own checklist have nothing to confirm."""
    return ComplianceChecklist.objects.filter(authority=None, is_active=True).first()


@dataclass
class ApplicableChecklist:
    checklist: ComplianceChecklist
    authorities: list[Organisation]
    items: list[ChecklistItem]


def applicable_checklists(project: Project) -> list[ApplicableChecklist]:
    """The checklist of each authority of the project's finished-cut review (its own active
    version, else the default), each once, in step order. NoAuthority if a step has none."""
    authorities: dict[int, Organisation] = {}
    for step in final_review_steps(project):
        authorities.setdefault(step.authority.pk, step.authority)
    own = {
        c.authority_id: c
        for c in ComplianceChecklist.objects.filter(
            authority_id__in=list(authorities), is_active=True
        ).prefetch_related("items")
    }
    fallback = None
    result: dict[int, ApplicableChecklist] = {}
    for authority_id, authority in authorities.items():
        checklist = own.get(authority_id)
        if checklist is None:
            fallback = fallback or default_checklist()
            checklist = fallback
        if checklist is None:
            continue
        if checklist.pk not in result:
            items = (
                list(checklist.items.all())
                if checklist.authority_id
                else list(checklist.items.order_by("position", "id"))
            )
            result[checklist.pk] = ApplicableChecklist(checklist, [], items)
        result[checklist.pk].authorities.append(authority)
    return list(result.values())


def item_label(item: ChecklistItem) -> str:
    """The item's label, translated when it is one of the default checklist's."""
    return gettext(item.label)


def missing_items(project: Project) -> list[tuple[ApplicableChecklist, list[ChecklistItem]]]:
    applicable = applicable_checklists(project)
    confirmed = set(
        ChecklistConfirmation.objects.filter(
            project_id=project.pk,
            item_id__in=[item.pk for entry in applicable for item in entry.items],
        ).values_list("item_id", flat=True)
    )
    return [
        (entry, [item for item in entry.items if item.pk not in confirmed])
        for entry in applicable
        if any(item.pk not in confirmed for item in entry.items)
    ]


def _locked_project_for_checklist(project_id: int, actor) -> Project:
    project = project_lock(project_id)
    if not PRODUCER(project, actor):
        raise PermissionDenied(
            _("Only a producer of the project's company may confirm its compliance checklist.")
        )
    if project.state not in CHECKLIST_OPEN_STATES:
        raise ChecklistLocked()
    return project


REFERENCE_MAX_LENGTH = ChecklistConfirmation._meta.get_field("reference").max_length


@transaction.atomic
def checklist_item_confirm(
    *, project: Project, item: ChecklistItem, actor, reference: str = ""
) -> ChecklistConfirmation:
    """The producer confirms one item of a checklist that applies to the project.

    Confirming an item again updates its reference (and who confirmed it, when).
    """
    reference = clean_text(reference, "reference", required=False, max_length=REFERENCE_MAX_LENGTH)
    project = _locked_project_for_checklist(project.pk, actor)
    applicable = {i.pk for entry in applicable_checklists(project) for i in entry.items}
    if item.pk not in applicable:
        raise ValidationError(
            {"item": _("This item is not on a compliance checklist that applies to the project.")}
        )
    confirmation, _created = ChecklistConfirmation.objects.update_or_create(
        project=project,
        item=item,
        defaults={"confirmed_by": actor, "confirmed_at": timezone.now(), "reference": reference},
    )
    return confirmation


@transaction.atomic
def checklist_item_unconfirm(*, confirmation: ChecklistConfirmation, actor) -> None:
    _locked_project_for_checklist(confirmation.project_id, actor)
    ChecklistConfirmation.objects.filter(pk=confirmation.pk).delete()


# Who reviews a finished cut: a regulator, or the platform itself for the OTHER tier.
AUTHORITY_KINDS = (Organisation.Kind.REGULATOR, Organisation.Kind.PLATFORM)
PUBLISHER_ROLES = (Membership.Role.ORG_ADMIN, Membership.Role.REGULATOR_REVIEWER)


def _may_publish(actor, authority: Organisation | None) -> bool:
    if authority is None:
        return actor.is_superuser
    return actor.is_superuser or any(
        m.organisation_id == authority.pk and m.role in PUBLISHER_ROLES
        for m in memberships_of(actor)
    )


def checklist_authorities_of(user) -> list[Organisation]:
    """The authorities whose checklist ``user`` may publish (every one for a superuser)."""
    if user.is_superuser:
        return list(Organisation.objects.filter(kind__in=AUTHORITY_KINDS).order_by("name"))
    seen: dict[int, Organisation] = {}
    for m in memberships_of(user):
        if m.organisation.kind in AUTHORITY_KINDS and m.role in PUBLISHER_ROLES:
            seen.setdefault(m.organisation_id, m.organisation)
    return sorted(seen.values(), key=lambda organisation: organisation.name)


@transaction.atomic
def compliance_checklist_publish(
    *, authority: Organisation | None, actor, items: list[dict[str, str]]
) -> ComplianceChecklist:
    """A new version of the authority's checklist (``authority=None``: the default), in use at
    once: the previous version is retired, and projects confirm the new version's items."""
    if not _may_publish(actor, authority):
        raise PermissionDenied(
            _("Only an administrator or reviewer of the authority may publish its checklist.")
        )
    if authority is not None and authority.kind not in AUTHORITY_KINDS:
        raise ValidationError(
            {"authority": _("Only a regulator or a platform reviews finished cuts.")}
        )
    if not items:
        raise ValidationError({"items": _("A checklist needs at least one item.")})
    if authority is not None:
        # The authority's row, so that two first versions published at once are numbered 1 and 2.
        Organisation.objects.select_for_update().filter(pk=authority.pk).first()
    versions = ComplianceChecklist.objects.select_for_update().filter(authority=authority)
    latest = versions.order_by("-version").first()
    built, errors, codes = [], {}, set()
    for index, data in enumerate(items):
        item = ChecklistItem(
            code=(data.get("code") or "").strip(),
            label=(data.get("label") or "").strip(),
            help_text=(data.get("help_text") or "").strip(),
            position=index,
        )
        try:
            item.full_clean(exclude=["checklist"])
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                errors[f"items.{index}.{field}"] = messages
        if item.code in codes:
            errors[f"items.{index}.code"] = [_("Each item needs its own code.")]
        codes.add(item.code)
        built.append(item)
    if errors:
        raise ValidationError(errors)
    versions.filter(is_active=True).update(is_active=False, updated_at=timezone.now())
    checklist = ComplianceChecklist.objects.create(
        authority=authority, version=(latest.version + 1) if latest else 1, is_active=True
    )
    for item in built:
        item.checklist = checklist
    ChecklistItem.objects.bulk_create(built)
    return checklist
