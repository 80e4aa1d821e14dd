"""The release gate's guards and effects. Imported by ``ReleasesConfig.ready()``.

``release`` needs a clearance of the tier's kind (distribution licence for KEY, online filing
registration for ORDINARY, the platform's approval for OTHER) that has not expired, and the
producer's confirmation that its number is shown in the opening credits. ``reinstate`` needs the
same for a clearance recorded after the latest take-down: the old one is what was taken down.
"""

from django.utils import timezone
from django.utils.translation import gettext as _

from common.clock import business_date
from reviews.models import CLEARANCE_KIND_FOR_TIER, Clearance
from workflow.effects import after
from workflow.guards import guard
from workflow.models import ProjectState, ProjectTransition

from .models import Release
from .services import release_deadlines_close, release_open, release_record_live


def clearance_reasons(project, *, since=None) -> list[str]:
    """Why the project cannot go live now; ``since``: only clearances recorded after it count."""
    kind = CLEARANCE_KIND_FOR_TIER.get(project.review_tier)
    if kind is None:
        return [_("The project has no review tier, so no clearance can release it.")]
    label = str(Clearance.Kind(kind).label).lower()
    clearances = Clearance.objects.filter(project_id=project.pk, kind=kind)
    if since is not None:
        clearances = clearances.filter(created_at__gt=since)
    clearances = list(clearances.order_by("-issued_at", "-id"))
    if not clearances:
        if since is not None:
            return [
                _("No new %(kind)s has been recorded since the take-down on %(date)s.")
                % {"kind": label, "date": business_date(since).isoformat()}
            ]
        return [_("No %(kind)s has been recorded for this project.") % {"kind": label}]
    today = business_date()
    valid = [c for c in clearances if c.is_valid_on(today)]
    if not valid:
        latest = clearances[0]
        return [
            _("The %(kind)s %(number)s expired on %(date)s; a new one is needed.")
            % {"kind": label, "number": latest.number, "date": latest.expires_on.isoformat()}
        ]
    gate = Release.objects.filter(project_id=project.pk).only("clearance_id").first()
    if gate is None or gate.clearance_id not in {c.pk for c in valid}:
        return [
            _(
                "The producer has not confirmed that the %(kind)s %(number)s is shown in the "
                "opening credits."
            )
            % {"kind": label, "number": valid[0].number}
        ]
    return []


@guard("release", order=330)
def release_clearance_confirmed(project) -> list[str]:
    return clearance_reasons(project)


@guard("reinstate", order=330)
def reinstate_new_clearance_confirmed(project) -> list[str]:
    taken_down_at = (
        ProjectTransition.objects.filter(project_id=project.pk, name="take_down")
        .order_by("-created_at", "-id")
        .values_list("created_at", flat=True)
        .first()
    )
    return clearance_reasons(project, since=taken_down_at)


@after("release", "reinstate", order=320)
def record_live(project, *, entry=None, **context) -> None:
    release_record_live(
        project=project, at=entry.created_at if entry else timezone.now(), entry=entry
    )


@after("clear", order=320)
def open_release_gate(project, **context) -> None:
    release_open(project=project)


@after("complete", order=330)
def close_release_deadlines(project, *, entry=None, **context) -> None:
    """A title completed while taken down no longer waits on its new clearance's expiry."""
    if entry is not None and entry.source_state != ProjectState.TAKEN_DOWN:
        return
    release_deadlines_close(
        project=project, at=entry.created_at if entry else timezone.now(), met=False
    )
