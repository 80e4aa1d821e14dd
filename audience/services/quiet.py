"""Quiet mode: the writing team locks episodes, ends a lock, and each writer reveals for themselves.

Rules are the producer side's (the writing team: producers and org admins of the producer
company). A reveal is personal: the writer who reveals sees what the rule hides, the rest of the
team still does not. See ``audience.selectors.quiet`` for what a rule hides.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from audience.models import QuietReveal, QuietRule
from audience.selectors import is_writing_team
from common.errors import DomainError, PermissionDenied
from workflow.models import Project


class QuietRuleEnded(DomainError):
    status_code = 409
    code = "quiet_rule_ended"
    default_detail = _("This quiet mode rule has ended.")


def _require_writing_team(project: Project, actor) -> None:
    if not is_writing_team(actor, project):
        raise PermissionDenied(
            _("Only the writing team (the producer company's producers) manages quiet mode.")
        )


@transaction.atomic
def quiet_rule_create(
    *,
    project: Project,
    actor,
    first_episode: int | None = None,
    last_episode: int | None = None,
    note: str = "",
) -> QuietRule:
    """Lock episodes ``first_episode``..``last_episode`` of ``project`` (open ends: from the
    first or to the last episode; both open: the whole project, test clips included)."""
    _require_writing_team(project, actor)
    errors = {}
    for name, value in (("first_episode", first_episode), ("last_episode", last_episode)):
        if value is not None and value > project.episode_count:
            errors[name] = _("The project has %(count)d episodes.") % {
                "count": project.episode_count
            }
    if (
        not errors
        and first_episode is not None
        and last_episode is not None
        and last_episode < first_episode
    ):
        errors["last_episode"] = _("The last episode comes before the first.")
    if errors:
        raise ValidationError(errors)
    rule = QuietRule(
        project=project,
        first_episode=first_episode,
        last_episode=last_episode,
        note=note,
        created_by=actor,
    )
    rule.full_clean()
    rule.save()
    return rule


def _lock(rule: QuietRule) -> QuietRule:
    return (
        QuietRule.objects.select_for_update(of=("self",)).select_related("project").get(pk=rule.pk)
    )


@transaction.atomic
def quiet_rule_end(*, rule: QuietRule, actor) -> QuietRule:
    """Stop hiding: the episodes are shown to the whole writing team again."""
    locked = _lock(rule)
    _require_writing_team(locked.project, actor)
    if not locked.active:
        raise QuietRuleEnded()
    locked.active = False
    locked.save(update_fields=["active", "updated_at"])
    return locked


@transaction.atomic
def quiet_rule_reveal(*, rule: QuietRule, actor) -> QuietReveal:
    """``actor`` chooses to see what ``rule`` hides; the rest of the team still does not.
    Revealing twice keeps the first reveal."""
    locked = _lock(rule)
    if not is_writing_team(actor, locked.project):
        raise PermissionDenied(_("Quiet mode hides nothing from you: there is nothing to reveal."))
    if not locked.active:
        raise QuietRuleEnded()
    reveal, _created = QuietReveal.objects.get_or_create(rule=locked, user=actor)
    return reveal
