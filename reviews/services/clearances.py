"""Write paths for the clearance register: one transaction each, the project row locked first.

Recording a clearance is its one status change (none -> ``issued``), logged through
``workflow.audit`` with the recorder, the issuing organisation and the number.

(The release gate that reads the register: ``releases.services``.)
"""

from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common.clock import business_date
from common.errors import DomainError, PermissionDenied
from reviews import clearance_numbers, handoffs
from reviews.models import CLEARANCE_KIND_FOR_TIER, Clearance
from reviews.models.clearances import ISSUED
from workflow import webhooks
from workflow.audit import record_status_change
from workflow.deadlines import Due, Responsibility, deadlines_keep, end_of_day
from workflow.models import DeadlineKind, Membership, Organisation, Project, ProjectState
from workflow.permissions import AUTHORITY
from workflow.services import project_lock
from workflow.visibility import memberships_of

S = ProjectState


class ClearanceNotOpen(DomainError):
    """An authority records a release clearance only while the project waits for one."""

    status_code = 409
    code = "clearance_not_open"
    default_detail = _("A clearance can be recorded here only for a cleared or taken-down project.")


# The status a clearance has from the moment it is recorded (the register keeps no other).


def clearance_reason(clearance: Clearance) -> str:
    """How the status log names a clearance: its kind's code and number, the same in every
    language (the log keeps what was recorded, not a translation of it)."""
    return f"{clearance.kind}: {clearance.number}"


# Who issues each kind of number: a regulator, or the platform for its own approvals.
ISSUER_KIND = {
    Clearance.Kind.PLANNING_FILING: Organisation.Kind.REGULATOR,
    Clearance.Kind.DISTRIBUTION_LICENCE: Organisation.Kind.REGULATOR,
    Clearance.Kind.ONLINE_REGISTRATION: Organisation.Kind.REGULATOR,
    Clearance.Kind.PLATFORM_APPROVAL: Organisation.Kind.PLATFORM,
}
# The project waits for a (new) release clearance: cleared (e.g. the first one expired before
# release) or taken down (a reinstatement needs one issued after the take-down).
CLEARANCE_OPEN_STATES = frozenset({S.CLEARED, S.TAKEN_DOWN})
# The latest expiry a clearance may carry, in years after its issue. None of the four kinds is
# issued for a fixed term anywhere near this long (a planning filing lapses with its production,
# licences and registrations that expire do so within a few years), and one that does not expire
# is recorded with no date. A date further ahead is a typo or "forever" written as 9999-12-31,
# which would keep it out of every expiry list while looking like a real term.
MAX_VALIDITY_YEARS = 10


def latest_expiry(issued_on: date) -> date:
    try:
        return issued_on.replace(year=issued_on.year + MAX_VALIDITY_YEARS)
    except ValueError:  # issued on 29 February
        return issued_on.replace(year=issued_on.year + MAX_VALIDITY_YEARS, day=28)


def clearance_record(
    *,
    project: Project,
    kind: str,
    number: str,
    issued_by: Organisation,
    actor,
    issued_at: datetime | None = None,
    expires_on: date | None = None,
    announce: bool = True,
) -> Clearance:
    """``clearance_write`` in a transaction (a savepoint in the caller's) of its own."""
    with transaction.atomic():
        return clearance_write(
            project=project,
            kind=kind,
            number=number,
            issued_by=issued_by,
            actor=actor,
            issued_at=issued_at,
            expires_on=expires_on,
            announce=announce,
        )


def clearance_write(
    *,
    project: Project,
    kind: str,
    number: str,
    issued_by: Organisation,
    actor,
    issued_at: datetime | None = None,
    expires_on: date | None = None,
    announce: bool = True,
) -> Clearance:
    """Record a number an authority issued (planning filing, licence, registration, approval),
    in the caller's transaction, which must give up on any error it raises (a decision that
    records the number it approved with).

    Called by the review services when a reviewer approves; the actor must belong to the issuing
    organisation. The number must have its kind's shape (``reviews.clearance_numbers``: the
    issuer's abbreviation and the year of issue for licences and registrations) and is stored
    normalised. A number already in the register for this kind is refused on ``number``, also
    when it is being recorded at the same moment. ``announce=False``: the caller sends the
    ``clearance.issued`` event itself, after the decision that caused it.
    """
    if not any(m.organisation_id == issued_by.pk for m in memberships_of(actor)):
        raise PermissionDenied(
            _("Only a member of the issuing organisation can record its number.")
        )
    issued_at = issued_at or timezone.now()
    issued_on = business_date(issued_at)
    expected_issuer = ISSUER_KIND.get(kind)
    if expected_issuer is not None and issued_by.kind != expected_issuer:
        raise ValidationError(
            {
                "issued_by": _("A %(kind)s is issued by a %(issuer)s.")
                % {
                    "kind": str(Clearance.Kind(kind).label).lower(),
                    "issuer": str(Organisation.Kind(expected_issuer).label).lower(),
                }
            }
        )
    if expected_issuer is not None:
        number = clearance_numbers.validate(
            kind=kind, number=number, issued_by=issued_by, issued_on=issued_on
        )
    if expires_on is not None and expires_on < issued_on:
        raise ValidationError(
            {
                "expires_on": _("A clearance cannot expire before it is issued (%(date)s).")
                % {"date": issued_on.isoformat()}
            }
        )
    if expires_on is not None and expires_on > latest_expiry(issued_on):
        raise ValidationError(
            {
                "expires_on": _(
                    "A clearance expires at most %(years)d years after it is issued, by "
                    "%(date)s; leave the date blank if it does not expire."
                )
                % {"years": MAX_VALIDITY_YEARS, "date": latest_expiry(issued_on).isoformat()}
            }
        )
    clearance = Clearance(
        project=project,
        kind=kind,
        number=(number or "").strip(),
        issued_by=issued_by,
        issued_at=issued_at,
        expires_on=expires_on,
        recorded_by=actor,
    )
    if clearance.number:
        taken = _already_issued(clearance)
        if taken is not None:
            raise taken
    # The related rows are the caller's instances (the locked project, the authority, the
    # acting user): checking that they exist would cost a query each.
    clearance.full_clean(
        exclude=["project", "issued_by", "recorded_by"],
        validate_unique=False,
        validate_constraints=False,
    )
    try:
        clearance.save()
    except IntegrityError as exc:
        # Recorded by another request since the check above. The transaction cannot read any
        # more (the caller gives it up on this error, as on any), so who issued it is not named.
        raise ValidationError(
            {
                "number": _("The %(kind)s %(number)s has just been recorded; check the register.")
                % {"kind": str(clearance.get_kind_display()).lower(), "number": clearance.number}
            }
        ) from exc
    record_status_change(
        clearance,
        from_status="",  # a clearance has no status before it is recorded
        to_status=ISSUED,
        actor=actor,
        organisation=issued_by,
        reason=clearance_reason(clearance),
        project=project,
        at=clearance.created_at,
    )
    _expiry_deadline_keep(clearance, project)
    if announce:
        webhooks.clearance_issued(clearance=clearance, project=project)
    return clearance


def _expiry_deadline_keep(clearance: Clearance, project: Project) -> None:
    """A release clearance that expires opens the project's clearance expiry deadline, due when
    its last valid day ends: the platform must release the title (or get the number renewed)
    before then. A new release clearance renews it: the old deadline is met, the new one opens.
    It closes when the title goes live (``releases``). A planning filing number is not a release
    clearance: its expiry is the production's, not the release's."""
    if clearance.kind == Clearance.Kind.PLANNING_FILING:
        return
    # Expiry deadlines are open only while the project is cleared or taken down: the first
    # release clearance, recorded in the finished-cut review, finds none (and saves the read).
    fresh = project.state not in CLEARANCE_OPEN_STATES
    if fresh and clearance.expires_on is None:
        return
    note = f"clearance:{clearance.pk}"
    kind = DeadlineKind.CLEARANCE_EXPIRY
    if not fresh:  # the clearance it renews was acted on: met (missed if it lapsed meanwhile)
        deadlines_keep(project=project, kind=kind, wanted={}, met={0}, note=note)
    if clearance.expires_on is not None:
        due = Due(
            end_of_day(clearance.expires_on),
            Responsibility(project.platform, Membership.Role.CONTENT_MANAGER),
        )
        deadlines_keep(project=project, kind=kind, wanted={0: due}, note=note, fresh=True)


def _duplicate(clearance: Clearance, issuer: Organisation) -> ValidationError:
    return ValidationError(
        {
            "number": _("%(authority)s has already issued the %(kind)s %(number)s.")
            % {
                "authority": issuer.name,
                "kind": str(clearance.get_kind_display()).lower(),
                "number": clearance.number,
            }
        }
    )


def _already_issued(clearance: Clearance) -> ValidationError | None:
    """The register is one per kind: name whoever issued the number first."""
    taken = (
        Clearance.objects.filter(kind=clearance.kind, number=clearance.number)
        .select_related("issued_by")
        .first()
    )
    return None if taken is None else _duplicate(clearance, taken.issued_by)


def clearance_issuer_for(project: Project, user) -> Organisation | None:
    """The organisation the user issues the project's release clearance for, if an authority."""
    return AUTHORITY.organisation_for(project, user)


@transaction.atomic
def clearance_issue(
    *,
    project: Project,
    actor,
    kind: str,
    number: str,
    expires_on: date | None = None,
) -> Clearance:
    """The finished-cut authority records a new release clearance for a project waiting for one.

    The issuer is the authority the actor acts for (their regulator routed to the project, or
    the platform for an OTHER project); the kind must be the one the project's tier releases
    under.
    """
    locked = project_lock(project.pk)
    issuer = clearance_issuer_for(locked, actor)
    if issuer is None:
        raise PermissionDenied(
            _("Only the finished-cut authority of the project can record its clearance.")
        )
    if locked.state not in CLEARANCE_OPEN_STATES:
        raise ClearanceNotOpen()
    expected = CLEARANCE_KIND_FOR_TIER.get(locked.review_tier)
    if kind != expected:
        raise ValidationError(
            {
                "kind": _("A %(tier)s project is released under a %(kind)s.")
                % {
                    "tier": locked.get_review_tier_display(),
                    "kind": str(Clearance.Kind(expected).label).lower()
                    if expected
                    else _("clearance of its tier"),
                }
            }
        )
    clearance = clearance_record(
        project=locked,
        kind=kind,
        number=number,
        issued_by=issuer,
        actor=actor,
        expires_on=expires_on,
    )
    handoffs.clearance_recorded(clearance=clearance)
    return clearance
