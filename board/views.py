"""The board page and its bulk actions (export, remind): the admin's look, no JavaScript needed."""

from urllib.parse import urlencode

from django.contrib import admin, messages
from django.http import Http404, HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST, require_safe

from common.errors import NotInScope
from common.spreadsheets import csv_text
from workflow.admin.common import state_badge
from workflow.templatetags.money import cny

from . import selectors, services
from .forms import BoardFilterForm, SelectionForm


def zone_name() -> str:
    return timezone.get_current_timezone_name()


def local_due(moment) -> str:
    """A due time in the active zone, labelled with the zone."""
    if moment is None:
        return ""
    text = formats.date_format(timezone.localtime(moment), "SHORT_DATETIME_FORMAT")
    return f"{text} ({zone_name()})"


def _query(filters: selectors.BoardFilters, **changes) -> str:
    values = {
        "platform": filters.platform_id or "",
        "tier": filters.tier,
        "overdue": "1" if filters.overdue else "",
        "closed": "1" if filters.closed else "",
    } | changes
    return urlencode({name: value for name, value in values.items() if value})


def _card_context(card: selectors.Card) -> dict:
    project = card.project
    change_url = reverse("admin:workflow_project_change", args=[project.pk])
    transitions = [
        {
            "name": t.name,
            "label": t.label,
            "destructive": t.destructive,
            "decided_by": t.decided_by,
            # A decision-only transition is made on its review's page, reached from the project.
            "url": change_url
            if t.decided_by
            else reverse("admin:workflow_project_transition", args=[project.pk, t.name]),
        }
        for t in card.transitions
    ]
    return {
        "project": project,
        "url": change_url,
        "tier": card.tier_label,
        "waiting_on": card.waiting_on.label,
        "due": local_due(card.next_due_at),
        "overdue": card.overdue,
        "budget": cny(project.planned_budget),
        "transitions": [t for t in transitions if not t["destructive"]],
        "destructive": [t for t in transitions if t["destructive"]],
    }


def _changelist_url(state: str, filters: selectors.BoardFilters) -> str:
    """The project list with the column's state and the board's platform and tier."""
    query = {"state__exact": state}
    if filters.platform_id:
        query["platform__id__exact"] = filters.platform_id
    if filters.tier:
        query["review_tier__exact"] = filters.tier
    return f"{reverse('admin:workflow_project_changelist')}?{urlencode(query)}"


def _board(request):
    form = BoardFilterForm(request.GET or None)
    if form.is_bound:
        form.is_valid()
    filters = form.filters()
    board = selectors.board_for(request.user, filters)
    columns = [
        {
            "state": column.state.value,
            "label": column.label,
            "badge": state_badge(column.state),
            "count": column.count,
            "terminal": column.terminal,
            "more": column.more,
            "more_url": _changelist_url(column.state, filters),
            "cards": [_card_context(card) for card in column.cards],
        }
        for column in board.columns
    ]
    context = {
        **admin.site.each_context(request),
        "title": _("Board"),
        # The columns need the width; the admin's model list is one click away in the header.
        "is_nav_sidebar_enabled": False,
        "board": board,
        "columns": columns,
        "form": form,
        "query": _query(filters),
        "closed_toggle": _query(filters, closed="" if filters.closed else "1"),
        "zone": zone_name(),
    }
    return render(request, "board/index.html", context)


def _back(form_data) -> str:
    """The board with the filters it was sent from, read again as filters (nothing else of
    what the form carried goes into the address)."""
    form = BoardFilterForm(QueryDict((form_data or {}).get("filters", "")))
    form.is_valid()
    query = _query(form.filters())
    url = reverse("board")
    return f"{url}?{query}" if query else url


def _export(cards: list[selectors.Card]) -> HttpResponse:
    zone = zone_name()
    header = [
        gettext("id"),
        gettext("title"),
        gettext("state"),
        gettext("review tier"),
        gettext("producer company"),
        gettext("commissioning platform"),
        gettext("waiting on"),
        gettext("planned budget"),
        format_lazy(_("next due ({zone})"), zone=zone),
        gettext("overdue"),
    ]
    rows = [
        [
            card.project.pk,
            card.project.title,
            card.project.get_state_display(),
            card.tier_label,
            card.project.producer.name,
            card.project.platform.name,
            card.waiting_on.label,
            cny(card.project.planned_budget),
            timezone.localtime(card.next_due_at).isoformat(timespec="minutes")
            if card.next_due_at
            else "",
            gettext("yes") if card.overdue else gettext("no"),
        ]
        for card in cards
    ]
    response = HttpResponse(csv_text(header, rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="board.csv"'
    return response


def _remind(request, ids: list[int]) -> None:
    outcome = services.board_reminders_send(actor=request.user, project_ids=ids)
    sent = len(outcome.sent)
    messages.add_message(
        request,
        messages.SUCCESS if sent else messages.WARNING,
        ngettext(
            "Reminder sent for %(count)d project.",
            "Reminders sent for %(count)d projects.",
            sent,
        )
        % {"count": sent},
    )
    for refused in outcome.not_sent:
        messages.warning(
            request,
            gettext("Not reminded: “%(title)s”, %(reason)s.")
            % {"title": refused.project.title, "reason": refused.reason},
        )


def _action(request):
    form = SelectionForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return HttpResponseRedirect(_back(form.data))
    ids = form.cleaned_data["project"]
    if form.cleaned_data["action"] == "export":
        cards = selectors.board_cards(request.user, ids)
        if len(cards) != len(ids):
            raise Http404(NotInScope("project").detail)
        return _export(cards)
    try:
        _remind(request, ids)
    except NotInScope as exc:
        raise Http404(exc.detail) from exc
    return HttpResponseRedirect(_back(form.cleaned_data))


@require_safe
def board_view(request, *args, **kwargs):
    """Signed-in members only (the admin's own check, as for the dashboard)."""
    return admin.site.admin_view(_board)(request, *args, **kwargs)


@require_POST
def board_action_view(request, *args, **kwargs):
    return admin.site.admin_view(_action)(request, *args, **kwargs)
