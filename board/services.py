"""The board's bulk action that writes: a reminder to the party the selected projects wait on.

Each project is reminded at most once a day (China's day, the same for everyone, whoever sends
it): the notification's source names the project and the day, and a notification is unique per
(recipient, source), so two people pressing the button at once still notify each person once.
"""

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from common.clock import business_date
from common.errors import NotInScope
from workflow import notifications
from workflow.models import Membership, Notification, Organisation, Project
from workflow.routing import is_routed_to
from workflow.selectors import project_list_for
from workflow.visibility import memberships_of
from workflow.waiting import Party, waiting_on

# The most projects one request reminds (a board column's worth).
MAX_PROJECTS = 200

REASONS = {
    "waits_on_nobody": _("waits on nobody"),
    "waits_on_you": pgettext_lazy("board reminder", "waits on your own organisation"),
    "nobody_to_notify": _("nobody to notify"),
    "already_reminded": _("already reminded today"),
}

# Who is told, for each party: the members of the organisation in this role.
_ROLES = {
    Party.PRODUCER: Membership.Role.PRODUCER,
    Party.PLATFORM: Membership.Role.CONTENT_MANAGER,
    Party.REGULATOR: Membership.Role.REGULATOR_REVIEWER,
}


@dataclass(frozen=True)
class NotSent:
    project: Project
    code: str

    @property
    def reason(self) -> str:
        return str(REASONS[self.code])


@dataclass
class ReminderOutcome:
    sent: list[Project] = field(default_factory=list)
    not_sent: list[NotSent] = field(default_factory=list)


def reminder_day(now: datetime):
    return business_date(now)


def reminder_source(project_id: int, now: datetime) -> str:
    return f"board-reminder:{project_id}:{reminder_day(now).isoformat()}"


def _organisations_waited_on(project: Project, party: Party, regulators: list) -> list[int]:
    if party == Party.PRODUCER:
        return [project.producer_id]
    if party == Party.PLATFORM:
        return [project.platform_id]
    return [r.pk for r in regulators if is_routed_to(project, r)]


def _message(project: Project, actor, *, recipient_id: int, email: str, source: str):
    with translation.override(settings.LANGUAGE_CODE):
        values = {
            "title": project.title,
            "state": project.get_state_display(),
            "who": actor.get_full_name() or actor.get_username(),
        }
        subject = gettext("[mdprod] Reminder: “%(title)s” waits on you") % values
        body = (
            gettext("%(who)s asks you to take the next step on “%(title)s” (now %(state)s).")
            % values
        )
    return notifications.Message(
        recipient_id=recipient_id,
        subject=subject,
        body=body,
        source=source,
        project_id=project.pk,
        email=email,
    )


def board_reminders_send(
    *, actor, project_ids: Collection[int], now: datetime | None = None
) -> ReminderOutcome:
    """Remind the party each selected project waits on (its producers, its platform's content
    managers, or the reviewers of the regulators it is routed to), once a day per project.

    Raises ``NotInScope`` when an id names no project the actor sees (nothing is sent then).
    A project is not reminded when it waits on nobody, waits on the actor's own organisation,
    has nobody to notify, or was reminded today; the outcome says which and why.
    """
    now = now or timezone.now()
    wanted = set(project_ids)
    projects = list(project_list_for(actor).filter(pk__in=wanted).order_by("title", "pk"))
    if len(projects) != len(wanted):
        raise NotInScope("projects")

    own = {membership.organisation_id for membership in memberships_of(actor)}
    parties = {p.pk: waiting_on(p.state, p.review_tier) for p in projects}
    regulators = []
    if Party.REGULATOR in parties.values():
        regulators = list(Organisation.objects.filter(kind=Organisation.Kind.REGULATOR))
    outcome = ReminderOutcome()
    targets: dict[int, list[int]] = {}
    for project in projects:
        party = parties[project.pk]
        if party == Party.NOBODY:
            outcome.not_sent.append(NotSent(project, "waits_on_nobody"))
            continue
        organisation_ids = _organisations_waited_on(project, party, regulators)
        if own & set(organisation_ids):
            outcome.not_sent.append(NotSent(project, "waits_on_you"))
            continue
        targets[project.pk] = organisation_ids

    members: dict[tuple[int, str], list[tuple[int, str]]] = {}
    if targets:
        rows = Membership.objects.filter(
            organisation_id__in={pk for ids in targets.values() for pk in ids},
            role__in=set(_ROLES.values()),
            user__is_active=True,
        ).values_list("organisation_id", "role", "user_id", "user__email")
        for organisation_id, role, user_id, email in rows:
            members.setdefault((organisation_id, role), []).append((user_id, email))

    with transaction.atomic():
        sources = {pk: reminder_source(pk, now) for pk in targets}
        done = set(
            Notification.objects.filter(source__in=sources.values()).values_list(
                "source", flat=True
            )
        )
        messages = []
        for project in projects:
            if project.pk not in targets:
                continue
            role = _ROLES[parties[project.pk]]
            recipients = {
                user_id: email
                for organisation_id in targets[project.pk]
                for user_id, email in members.get((organisation_id, role), ())
            }
            if not recipients:
                outcome.not_sent.append(NotSent(project, "nobody_to_notify"))
            elif sources[project.pk] in done:
                outcome.not_sent.append(NotSent(project, "already_reminded"))
            else:
                messages += [
                    _message(
                        project,
                        actor,
                        recipient_id=user_id,
                        email=email or "",
                        source=sources[project.pk],
                    )
                    for user_id, email in sorted(recipients.items())
                ]
        inserted = notifications.deliver(messages)
        delivered = set(
            Notification.objects.filter(pk__in=inserted).values_list("source", flat=True)
            if inserted
            else ()
        )
    for project in projects:
        if project.pk not in targets or any(n.project == project for n in outcome.not_sent):
            continue
        if sources[project.pk] in delivered:
            outcome.sent.append(project)
        else:  # another request reminded it in the meantime
            outcome.not_sent.append(NotSent(project, "already_reminded"))
    return outcome
