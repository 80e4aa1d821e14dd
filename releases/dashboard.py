"""The release gate's dashboard panel: releases scheduled and not yet live. Registered with
``workflow.dashboard`` from ``ReleasesConfig.ready()``."""

from django.utils.formats import date_format
from django.utils.translation import gettext

from releases.selectors import release_list_for
from workflow.dashboard import CONTENT_MANAGER, Item, Panel, admin_url, panel
from workflow.dashboard_selectors import manager_platform_ids
from workflow.models import ProjectState

LIMIT = 20


def scheduled_releases_for(user):
    """Cleared projects of the user's platforms with a release date set, soonest first."""
    return (
        release_list_for(user)
        .filter(
            project__platform_id__in=manager_platform_ids(user),
            project__state=ProjectState.CLEARED,
            scheduled_for__isnull=False,
        )
        .order_by("scheduled_for", "pk")
    )


@panel(CONTENT_MANAGER, order=55)
def scheduled_releases_panel(user) -> Panel:
    items = [
        Item(
            label=release.project.title,
            url=admin_url(release),
            detail=gettext("scheduled for %(day)s")
            % {"day": date_format(release.scheduled_for, "SHORT_DATE_FORMAT")},
        )
        for release in scheduled_releases_for(user)[:LIMIT]
    ]
    return Panel(
        key="scheduled_releases",
        title=gettext("Scheduled releases"),
        items=items,
        empty=gettext("No release is scheduled."),
    )
