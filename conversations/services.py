"""Writes: post a comment, edit or delete one's own. One transaction each; the mentions are
notified after the commit, through workflow's notification service.

A mention (``@username``) of someone who cannot read the thread is refused with a 400 naming
them, rather than dropped: the writer expects the person named to be told, and a silent skip
would leave them thinking so. The same words answer for a name nobody has, so the refusal
confirms nothing about who exists outside the writer's view.
"""

import re

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from common.errors import DomainError, NotInScope, PermissionDenied
from workflow import notifications
from workflow.audit import acting_organisation
from workflow.models import Organisation, Project

from .models import BODY_MAX_LENGTH, Comment, Thread
from .selectors import counterpart_choices, reads_thread, thread_readers_among

# ``@name`` not inside a word or an e-mail address; a full stop ends a sentence, not a name.
MENTION = re.compile(r"(?<![\w.+@-])@([\w.+-]*[\w+-])")


class CommentDeleted(DomainError):
    status_code = 409
    code = "comment_deleted"

    def __init__(self) -> None:
        super().__init__(_("This comment was deleted; it cannot be changed."))


def mentioned_usernames(body: str) -> list[str]:
    """The usernames ``body`` mentions, each once, in the order written."""
    return list(dict.fromkeys(MENTION.findall(body)))


def _clean_body(body: str) -> str:
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": [_("Write something before posting.")]})
    if "\x00" in body:
        raise ValidationError({"body": [_("The text cannot contain NUL characters.")]})
    if len(body) > BODY_MAX_LENGTH:
        raise ValidationError(
            {
                "body": [
                    _("Keep it to %(max)d characters (it has %(n)d).")
                    % {"max": BODY_MAX_LENGTH, "n": len(body)}
                ]
            }
        )
    return body


def _mentioned(body: str, *, project: Project, counterpart_id: int) -> list:
    """The users ``body`` mentions, all of whom read the thread; a 400 naming any who don't."""
    names = mentioned_usernames(body)
    if not names:
        return []
    User = get_user_model()
    found = {u.get_username(): u for u in User.objects.filter(username__in=names)}
    readers = thread_readers_among(found.values(), project, counterpart_id)
    refused = [
        name for name in names if (user := found.get(name)) is None or user.pk not in readers
    ]
    if refused:
        raise ValidationError(
            {
                "body": [
                    ngettext(
                        "%(names)s cannot read this conversation, so cannot be told: name "
                        "someone who can, or remove the @.",
                        "%(names)s cannot read this conversation, so cannot be told: name "
                        "people who can, or remove the @.",
                        len(refused),
                    )
                    % {"names": ", ".join(f"@{name}" for name in refused)}
                ]
            }
        )
    return [found[name] for name in names]


def _notify_mentions(comment_id: int, user_ids: list[int]) -> None:
    comment = (
        Comment.objects.select_related("thread__project", "author")
        .filter(pk=comment_id, deleted_at__isnull=True)
        .first()
    )
    if comment is None:
        return
    project = comment.thread.project
    User = get_user_model()
    users = [u for u in User.objects.filter(pk__in=user_ids) if u.pk != comment.author_id]
    # Read again after the commit: someone who left the organisation since is not told.
    readers = thread_readers_among(users, project, comment.thread.counterpart_id)
    author = comment.author.get_full_name() or comment.author.get_username()
    notifications.notify(
        recipients=[u for u in users if u.pk in readers],
        subject=_("[mdprod] %(author)s mentioned you on “%(title)s”")
        % {"author": author, "title": project.title},
        body=comment.body,
        source=f"comment:{comment.pk}:mention",
        project=project,
    )


def _queue_mentions(comment: Comment, users: list) -> None:
    ids = [user.pk for user in users]
    if ids:
        transaction.on_commit(lambda: _notify_mentions(comment.pk, ids))


def comment_post(
    *, project: Project, actor, body: str, counterpart: Organisation | None = None
) -> Comment:
    """Post ``body`` in the thread of ``project`` with ``counterpart`` (by default the actor's
    own: the platform's for its producer, the organisation they act for otherwise).

    ``NotInScope`` (404) for a counterpart the actor cannot write to; a 400 on ``body`` for an
    empty or too long text and for a mention of someone who cannot read the thread.
    """
    choices = counterpart_choices(actor, project)
    if counterpart is None:
        if not choices:
            raise NotInScope("project")
        counterpart = choices[0]
    elif counterpart.pk not in {c.pk for c in choices}:
        raise NotInScope("counterpart")
    body = _clean_body(body)
    with transaction.atomic():
        users = _mentioned(body, project=project, counterpart_id=counterpart.pk)
        thread, _created = Thread.objects.get_or_create(project=project, counterpart=counterpart)
        comment = Comment.objects.create(
            thread=thread,
            author=actor,
            organisation=acting_organisation(actor, project),
            body=body,
        )
        if users:
            comment.mentions.set(users)
        _queue_mentions(comment, users)
    return comment


def _own_for_update(comment: Comment, actor) -> Comment:
    locked = (
        Comment.objects.select_for_update().select_related("thread__project").get(pk=comment.pk)
    )
    if not reads_thread(actor, locked.thread.project, locked.thread.counterpart_id):
        raise NotInScope("comment")
    if locked.author_id != actor.pk:
        raise PermissionDenied(_("Only its author may change a comment."))
    if locked.is_deleted:
        raise CommentDeleted()
    return locked


def comment_edit(*, comment: Comment, actor, body: str) -> Comment:
    """Change one's own comment; those it newly mentions are told (once each per comment)."""
    body = _clean_body(body)
    with transaction.atomic():
        comment = _own_for_update(comment, actor)
        if body == comment.body:
            return comment
        thread = comment.thread
        users = _mentioned(body, project=thread.project, counterpart_id=thread.counterpart_id)
        comment.body = body
        comment.edited_at = timezone.now()
        comment.save(update_fields=["body", "edited_at"])
        comment.mentions.set(users)
        _queue_mentions(comment, users)
    return comment


def comment_delete(*, comment: Comment, actor) -> Comment:
    """Delete one's own comment: its text goes, the row stays (who deleted it, when)."""
    with transaction.atomic():
        comment = _own_for_update(comment, actor)
        comment.body = ""
        comment.deleted_at = timezone.now()
        comment.deleted_by = actor
        comment.save(update_fields=["body", "deleted_at", "deleted_by"])
        comment.mentions.clear()
    return comment
