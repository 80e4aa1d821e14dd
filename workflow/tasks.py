from celery import shared_task
from django.core.mail import send_mass_mail
from django.utils.translation import gettext as _

from .models import Membership, ProjectTransition


def _recipients(entry: ProjectTransition) -> list[str]:
    """The other side of a decision: producers hear of the platform's and regulators' moves,
    the platform's content managers of the producer's."""
    project = entry.project
    acted_as_producer = entry.organisation_id == project.producer_id
    if acted_as_producer:
        organisation_id, role = project.platform_id, Membership.Role.CONTENT_MANAGER
    else:
        organisation_id, role = project.producer_id, Membership.Role.PRODUCER
    emails = (
        Membership.objects.filter(organisation_id=organisation_id, role=role, user__is_active=True)
        .exclude(user__email="")
        .values_list("user__email", flat=True)
    )
    return sorted(set(emails))


@shared_task(name="workflow.notify_project_transition", ignore_result=True)
def notify_project_transition(transition_id: int) -> int:
    """E-mail the other side about a transition. Returns the number of messages sent."""
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
    messages = [(subject, body, None, [address]) for address in recipients]
    return send_mass_mail(messages, fail_silently=False)
