"""Celery tasks: thin, named, take ids, re-fetch, and return quietly when there is nothing to do."""

import logging
from collections.abc import Iterable

from celery import shared_task
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from kombu.exceptions import OperationalError as BrokerUnreachable

from . import notifications, reminders
from .models import Membership, ProjectState, ProjectTransition, ReviewTier
from .selectors import regulators_for
from .visibility import organisation_sees_project
from .waiting import Party, waiting_on

logger = logging.getLogger(__name__)

EMAIL_ERRORS = notifications.EMAIL_ERRORS
FILED_TIERS = (ReviewTier.KEY, ReviewTier.ORDINARY)


def delay_each_or_run_here(task, ids: Iterable[int]) -> None:
    """Queue ``task(pk)`` for each id; if the broker cannot be reached, run the rest here.

    Called after commit: the change is saved, and with the broker down (restart, failover) a
    queued message would be lost with nothing left to redo it, while raising would turn a
    committed change into an error for the caller. Running the idempotent task in this process
    delivers it now; the broker is not tried again for the rest of the batch.
    """
    ids = list(ids)
    for index, pk in enumerate(ids):
        try:
            task.delay(pk)
        except BrokerUnreachable:
            logger.warning(
                "broker unreachable: running %s here for %d id(s)", task.name, len(ids) - index
            )
            for rest in ids[index:]:
                result = task.apply(args=(rest,))
                if result.failed():
                    logger.error("%s(%s) failed: %r", task.name, rest, result.result)
            return


def _recipients(entry: ProjectTransition) -> list:
    """The other side of a decision (producers hear of the platform's and regulators' moves,
    the platform's content managers of the producer's), and the party whose move comes next
    when that is someone else: the authority reviewing a filing or a finished cut, the platform
    that releases a cleared title."""
    project = entry.project
    acted_as_producer = entry.organisation_id == project.producer_id
    if acted_as_producer:
        users = notifications.members(project.platform_id, Membership.Role.CONTENT_MANAGER)
    else:
        users = notifications.members(project.producer_id, Membership.Role.PRODUCER)
    for organisation_id, role in _next_movers(project, entry.target_state):
        users += notifications.members(organisation_id, role)
    return sorted(set(users), key=lambda user: user.pk)


def _next_movers(project, state: str) -> list[tuple[int, str]]:
    """Who must act on a project that has just entered ``state`` (organisation id, role)."""
    party = waiting_on(state, project.review_tier)
    if party == Party.PRODUCER:
        return [(project.producer_id, Membership.Role.PRODUCER)]
    movers = []
    if party == Party.PLATFORM:
        movers.append((project.platform_id, Membership.Role.CONTENT_MANAGER))
    # The provincial bureau files the plan (KEY and ORDINARY) and reviews the finished cut first;
    # a national re-check is told when the bureau's step is approved.
    filing = state == ProjectState.SUBMITTED and project.review_tier in FILED_TIERS
    if (party == Party.REGULATOR and state == ProjectState.FINAL_REVIEW) or filing:
        bureau = regulators_for(project).bureau
        if bureau is not None and organisation_sees_project(bureau, project):
            movers.append((bureau.pk, Membership.Role.REGULATOR_REVIEWER))
    return movers


NEXT_STEP = {
    ProjectState.SUBMITTED: gettext_lazy(
        "Evaluate the proposal (and, by its tier, file its plan)."
    ),
    ProjectState.REVISING: gettext_lazy("Answer the feedback and resubmit the proposal."),
    ProjectState.GREENLIT: gettext_lazy("Sign the contract and start production."),
    ProjectState.IN_PRODUCTION: gettext_lazy("Deliver the cut."),
    ProjectState.CUT_REVIEW: gettext_lazy("Review the cut."),
    ProjectState.CUT_CHANGES: gettext_lazy("Fix the must-fix items and resubmit the cut."),
    ProjectState.FINAL_REVIEW: gettext_lazy("Review the finished cut."),
    ProjectState.FINAL_CHANGES: gettext_lazy(
        "Fix the must-fix items and resubmit the finished cut."
    ),
    ProjectState.CLEARED: gettext_lazy("Confirm the credits, then schedule or release the title."),
}


# Idempotent: the notification is unique per (recipient, "transition:<id>"), and only new ones
# are e-mailed, so a redelivered or retried run adds nothing.
@shared_task(name="workflow.notify_project_transition", ignore_result=True, acks_late=True)
def notify_project_transition(transition_id: int) -> int:
    """Notify the other side of a transition (in the app and by e-mail). Returns how many
    notifications were new."""
    entry = (
        ProjectTransition.objects.select_related("project", "actor", "organisation")
        .filter(pk=transition_id)
        .first()
    )
    if entry is None:
        return 0
    recipients = _recipients(entry)
    if not recipients:
        return 0
    with translation.override(notifications.notification_language()):
        return _notify_transition(entry, recipients)


def _notify_transition(entry: ProjectTransition, recipients: list) -> int:
    project = entry.project
    subject = _("[mdprod] %(title)s: %(source)s → %(target)s") % {
        "title": project.title,
        "source": entry.get_source_state_display(),
        "target": entry.get_target_state_display(),
    }
    body = _("%(actor)s (%(org)s) moved “%(title)s” from %(source)s to %(target)s.") % {
        "actor": entry.actor.get_full_name() or entry.actor.get_username(),
        "org": entry.organisation or "-",
        "title": project.title,
        "source": entry.get_source_state_display(),
        "target": entry.get_target_state_display(),
    }
    if entry.comment:
        body += "\n\n" + entry.comment
    step = NEXT_STEP.get(entry.target_state)
    if step:
        body += "\n\n" + _("Next: %(step)s") % {"step": step}
    return notifications.notify(
        recipients=recipients,
        subject=subject,
        body=body,
        source=f"transition:{entry.pk}",
        project=project,
    )


# acks_late: the send is claimed and marked in one transaction, so a redelivered message finds
# nothing pending; a message lost with a worker is picked up by ``sweep_pending_emails``.
@shared_task(
    name="workflow.send_notification_email",
    ignore_result=True,
    acks_late=True,
    autoretry_for=EMAIL_ERRORS,
    retry_backoff=True,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=5,
)
def send_notification_email(notification_id: int) -> int:
    """E-mail one notification to its recipient. Returns the number of messages sent."""
    return notifications.notification_email_send(notification_id=notification_id)


@shared_task(name="workflow.sweep_pending_emails", ignore_result=True, acks_late=True)
def sweep_pending_emails() -> int:
    """Beat, every minute: send the notification e-mails whose task was lost."""
    return notifications.pending_emails_sweep()


# Idempotent (unique reminder rows, skip-locked claims): safe to redeliver.
@shared_task(name="workflow.sweep_reminders", ignore_result=True, acks_late=True)
def sweep_reminders() -> int:
    """Beat, every few minutes: send the reminders now due. Returns how many were sent."""
    return reminders.reminders_sweep()


# Idempotent (the row is locked while sent, and only a due, unsent delivery is sent): safe to
# redeliver. A failed attempt schedules the next in the row; the minute's sweep enqueues it.
@shared_task(name="workflow.deliver_webhook", ignore_result=True, acks_late=True)
def deliver_webhook(delivery_id: int) -> str | None:
    """Attempt one webhook delivery. Returns its new status, or None if nothing was due."""
    from . import webhooks

    return webhooks.webhook_delivery_attempt(delivery_id=delivery_id)


@shared_task(name="workflow.retry_webhooks", ignore_result=True, acks_late=True)
def retry_webhooks() -> int:
    """Beat, every minute: enqueue the webhook deliveries now due. Returns how many."""
    from . import webhooks

    return webhooks.webhooks_retry_due()


# Idempotent: deleting what has expired twice deletes nothing the second time.
@shared_task(name="workflow.sweep_idempotency_records", ignore_result=True, acks_late=True)
def sweep_idempotency_records() -> int:
    """Beat, every hour: forget the Idempotency-Key answers past their 24 hours."""
    from .idempotency import idempotency_records_sweep

    return idempotency_records_sweep()
