"""The project page's activity feed and comment box (``templatetags/conversations.py``), and the
view the box posts to.

workflow renders the project page but may not import this app, so its template loads the tag
library; the box posts here, and a refused post goes back to the page with the text and the
reason kept in the session for the next render (the tag reads it once).
"""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseRedirect
from django.urls import reverse
from django.utils.html import escape, linebreaks
from django.utils.safestring import mark_safe
from django.utils.text import capfirst, format_lazy
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from common.errors import DomainError
from workflow.admin.common import error_text, transition_labels
from workflow.models import Organisation, ProjectTransition
from workflow.selectors import project_list_for

from . import selectors, services
from .models import BODY_MAX_LENGTH, Comment

FEED_PAGE_SIZE = 30
PAGE_PARAM = "feed_page"
FEED_ANCHOR = "project-history"


def _draft_key(project_id: int) -> str:
    return f"conversations:draft:{project_id}"


def project_url(project_id: int) -> str:
    return reverse("admin:workflow_project_change", args=[project_id])


def _with_mentions(body: str) -> str:
    """The text as HTML, escaped, with each ``@name`` set apart."""
    html = linebreaks(escape(body))
    return mark_safe(  # noqa: S308 - escaped above; only mention markup added  # nosec B308, B703
        services.MENTION.sub(
            lambda m: f'<strong class="mdprod-mention">@{m.group(1)}</strong>', html
        )
    )


def _row(feed_entry, labels: dict) -> dict:
    entry = feed_entry.entry
    row = {"kind": feed_entry.kind, "at": entry.created_at, "organisation": entry.organisation}
    if isinstance(entry, ProjectTransition):
        return row | {
            "actor": entry.actor,
            "what": labels.get(entry.name, entry.name),
            "source": entry.get_source_state_display(),
            "target": entry.get_target_state_display(),
            "round": entry.review_round,
            "comment": entry.comment,
        }
    if isinstance(entry, Comment):
        return row | {
            "id": entry.pk,
            "actor": entry.author,
            "counterpart": entry.thread.counterpart,
            "body": _with_mentions(entry.body) if entry.body else "",
            "edited_at": entry.edited_at,
            "deleted_at": entry.deleted_at,
            "deleted_by": entry.deleted_by,
        }
    return row | {
        "actor": entry.actor,
        "what": f"{capfirst(entry.record_label)} #{entry.record_id}",
        "source": entry.from_label or "—",
        "target": entry.to_label,
        "round": "",
        "comment": entry.reason,
        "reconstructed": entry.reconstructed,
    }


def feed_context(request, project) -> dict:
    """What ``conversations/feed.html`` shows: a page of the feed (the newest by default), the
    threads the user may write to, and a refused post's text and reasons."""
    user = request.user
    paginator = Paginator(selectors.feed_queryset(project, user), FEED_PAGE_SIZE)
    page = paginator.get_page(request.GET.get(PAGE_PARAM) or paginator.num_pages)
    labels = transition_labels()
    rows = [_row(entry, labels) for entry in selectors.feed_entries(page.object_list)]
    for row in rows:
        row["own"] = row["kind"] == "comment" and row["actor"].pk == user.pk
    draft = request.session.pop(_draft_key(project.pk), None) or {}
    choices = selectors.counterpart_choices(user, project)
    if selectors.readable_counterparts(user, project) is None:
        audience = _("Seen by your company and the organisation you choose.")
        if len(choices) == 1:
            audience = format_lazy(_("Seen by your company and {name}."), name=choices[0])
    else:
        audience = format_lazy(
            _("Seen by {producer} and your organisation."), producer=project.producer
        )
    # Several threads: each comment says which it belongs to, and the box asks where to write.
    several = (
        len(choices) > 1 or len({row["counterpart"].pk for row in rows if "counterpart" in row}) > 1
    )
    return {
        "project": project,
        "activity": rows,
        "page": page,
        "page_param": PAGE_PARAM,
        "anchor": FEED_ANCHOR,
        "several_threads": several,
        "counterparts": choices,
        "post_url": reverse("conversations:comment-post", args=[project.pk]),
        "draft_body": draft.get("body", ""),
        "draft_counterpart": draft.get("counterpart"),
        "draft_errors": draft.get("errors", []),
        "audience": audience,
        "body_max_length": BODY_MAX_LENGTH,
        "request": request,
    }


@require_POST
def comment_post_view(request, project_id: int):
    project = project_list_for(request.user).filter(pk=project_id).first()
    if project is None:
        raise Http404
    back = f"{project_url(project.pk)}#{FEED_ANCHOR}"
    body = request.POST.get("body", "")
    raw_counterpart = request.POST.get("counterpart", "")
    counterpart = None
    if raw_counterpart:
        if not (raw_counterpart.isascii() and raw_counterpart.isdigit()):
            raise Http404
        counterpart = Organisation.objects.filter(pk=int(raw_counterpart)).first()
        if counterpart is None:
            raise Http404
    try:
        services.comment_post(
            project=project, actor=request.user, body=body, counterpart=counterpart
        )
    except ValidationError as exc:
        errors = [m for messages_ in exc.message_dict.values() for m in messages_]
        _keep(request, project.pk, body, raw_counterpart, errors)
        return HttpResponseRedirect(back)
    except DomainError as exc:
        if exc.status_code == 404:
            raise Http404 from exc
        _keep(request, project.pk, body, raw_counterpart, [error_text(exc)])
        return HttpResponseRedirect(back)
    messages.success(request, _("Your comment is posted."))
    return HttpResponseRedirect(back)


@require_POST
def comment_delete_view(request, project_id: int, comment_id: int):
    project = project_list_for(request.user).filter(pk=project_id).first()
    comment = (
        None
        if project is None
        else selectors.comment_list_for(request.user, project=project).filter(pk=comment_id).first()
    )
    if comment is None:
        raise Http404
    try:
        services.comment_delete(comment=comment, actor=request.user)
    except DomainError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, _("Your comment is deleted."))
    return HttpResponseRedirect(f"{project_url(project.pk)}#{FEED_ANCHOR}")


def _keep(request, project_id: int, body: str, counterpart: str, errors: list[str]) -> None:
    request.session[_draft_key(project_id)] = {
        "body": body,
        "counterpart": counterpart,
        "errors": [str(error) for error in errors],
    }


comment_post = admin.site.admin_view(comment_post_view)
comment_delete = admin.site.admin_view(comment_delete_view)
