"""The audience panels on the dashboard, for the writing team (registered with workflow.dashboard
from ``AudienceConfig.ready()``):

- "Audience since your last revision": projects whose viewers spoke (unflagged signals, counted
  by distinct authors) since the last revision was recorded, or at all where none was;
- "Revision outcomes ready": revisions whose outcome became measurable (every compared episode
  has its first 7 days of metrics) in the last 30 days.

and the audience charts, for the writing team and the platform's content managers (who read
the figures): plays per day since release, retention by episode (3, 5, 10 s) and the top terms
over episodes.

Each panel runs a fixed number of queries whatever the number of projects and revisions.
"""

from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext, ngettext

from audience.selectors.charts import (
    plays_per_day_since_release,
    retention_by_episode,
    terms_over_episodes,
)
from audience.selectors.revisions import (
    DEFAULT_DAYS,
    episode_numbers,
    episode_ranges,
    measurable_revisions_for,
    projects_with_new_signals_for,
)
from workflow.charts import Chart
from workflow.dashboard import CONTENT_MANAGER, PRODUCER, Item, Panel, admin_url, panel, when

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


# Charts ------------------------------------------------------------------------------------------


def _plays_chart(user) -> Panel:
    plays = plays_per_day_since_release(user)
    chart = Chart(
        key="plays-per-day",
        kind="line",
        title=gettext("Plays per day since release"),
        label_heading=gettext("Day"),
        series=tuple(plays.titles),
        rows=[(str(day), tuple(values)) for day, values in plays.days],
    )
    return Panel(
        key="chart_plays",
        title=chart.title,
        chart=chart,
        empty=gettext("No release has figures yet."),
    )


def _retention_chart(user) -> Panel:
    curve = retention_by_episode(user)
    title = gettext("Retention by episode")
    if curve is not None:
        title = gettext("Retention by episode: %(title)s") % {"title": curve.title}
    chart = Chart(
        key="retention",
        kind="line",
        title=title,
        label_heading=gettext("Episode"),
        series=(gettext("3 s"), gettext("5 s"), gettext("10 s")),
        rows=[
            (str(episode), tuple(None if rate is None else rate * 100 for rate in rates))
            for episode, rates in (curve.episodes if curve else [])
        ],
        unit="%",
    )
    return Panel(
        key="chart_retention",
        title=chart.title,
        chart=chart,
        empty=gettext("No release has figures yet."),
    )


def _terms_chart(user) -> Panel:
    found = terms_over_episodes(user)
    if found is not None and not found.terms:
        found = None
    title = gettext("Audience terms over episodes")
    if found is not None:
        title = gettext("Audience terms over episodes: %(title)s") % {"title": found.title}
    chart = Chart(
        key="terms-over-episodes",
        kind="line",
        title=title,
        label_heading=gettext("Episode"),
        series=tuple(found.terms) if found else (),
        rows=[
            (str(first) if first == last else f"{first}–{last}", tuple(counts))
            for first, last, counts in (found.episodes if found else [])
        ],
    )
    return Panel(
        key="chart_terms",
        title=chart.title,
        chart=chart,
        empty=gettext("No audience signal yet."),
    )


for _role in (PRODUCER, CONTENT_MANAGER):
    panel(_role, order=240)(_plays_chart)
    panel(_role, order=241)(_retention_chart)
    panel(_role, order=242)(_terms_chart)
