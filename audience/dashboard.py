"""The audience panels on the dashboard, for the writing team (registered with workflow.dashboard
from ``AudienceConfig.ready()``):

- "Audience since your last revision": projects whose viewers spoke (unflagged signals, counted
  by distinct authors) since the last revision was recorded, or at all where none was;
- "Revision outcomes ready": revisions whose outcome became measurable (every compared episode
  has its first 7 days of metrics) in the last 30 days.

Each panel runs a fixed number of queries whatever the number of projects and revisions.
"""

from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext, ngettext

from audience.selectors.revisions import (
    DEFAULT_DAYS,
    episode_numbers,
    episode_ranges,
    measurable_revisions_for,
    projects_with_new_signals_for,
)
from workflow.dashboard import PRODUCER, Item, Panel, admin_url, panel, when

LIMIT = 20


def _signals_url(project) -> str:
    return f"{reverse('admin:audience_audiencesignal_changelist')}?project__id__exact={project.pk}"


@panel(PRODUCER, order=80)
def new_signals_panel(user) -> Panel:
    items = []
    for project in projects_with_new_signals_for(user)[:LIMIT]:
        voices = gettext("%(viewers)s in %(signals)s") % {
            "viewers": ngettext("%(n)d viewer", "%(n)d viewers", project.new_authors)
            % {"n": project.new_authors},
            "signals": ngettext("%(n)d signal", "%(n)d signals", project.new_signals)
            % {"n": project.new_signals},
        }
        if project.last_revision_at is None:
            detail = gettext("%(voices)s; no revision yet") % {"voices": voices}
        else:
            detail = gettext("%(voices)s since the revision of %(when)s") % {
                "voices": voices,
                "when": when(project.last_revision_at),
            }
        items.append(Item(label=project.title, url=_signals_url(project), detail=detail))
    return Panel(
        key="audience_new_signals",
        title=gettext("Audience since your last revision"),
        items=items,
        empty=gettext("No new audience signals."),
    )


@panel(PRODUCER, order=81)
def measurable_revisions_panel(user) -> Panel:
    items = [
        Item(
            label=f"{revision.project.title}: {revision.summary}",
            url=admin_url(revision),
            detail=gettext(
                "outcome measurable since %(day)s (episodes %(episodes)s, first %(days)d days)"
            )
            % {
                "day": date_format(day, "SHORT_DATE_FORMAT"),
                "episodes": episode_ranges(episode_numbers(revision)),
                "days": DEFAULT_DAYS,
            },
        )
        for revision, day in measurable_revisions_for(user, limit=LIMIT)
    ]
    return Panel(
        key="revision_outcomes",
        title=gettext("Revision outcomes ready"),
        items=items,
        empty=gettext("No revision outcome became measurable lately."),
    )
