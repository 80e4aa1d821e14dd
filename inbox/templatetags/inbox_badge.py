"""The header's unread-notification badge, on every admin page (``templates/admin/base_site.html``).

One query per page at most (kept on the request), and never the reason a page fails: when the
count cannot be read the badge is left out.
"""

import logging

from django import template
from django.db import DatabaseError
from django.urls import reverse

from workflow.notifications import unread_count

register = template.Library()
logger = logging.getLogger(__name__)

_ATTR = "_mdprod_unread_notifications"


def unread_for(request) -> int | None:
    """The signed-in user's unread notifications, once per request; None when unknown."""
    if request is None:
        return None
    if hasattr(request, _ATTR):
        return getattr(request, _ATTR)
    user = getattr(request, "user", None)
    count = None
    if user is not None and user.is_authenticated:
        try:
            count = unread_count(user)
        except DatabaseError:
            logger.warning("The unread-notification badge could not be read", exc_info=True)
    setattr(request, _ATTR, count)
    return count


@register.inclusion_tag("inbox/badge.html", takes_context=True)
def unread_badge(context):
    request = context.get("request")
    count = unread_for(request)
    return {
        "count": count,
        "url": reverse("admin:workflow_notification_changelist") + "?read=no",
    }
