"""The inbox page at ``/inbox/``: the landing page after sign-in."""

from django.contrib import admin
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .selectors import inbox_for


def _inbox(request):
    at = timezone.now()
    items = inbox_for(request.user, at=at)
    context = {
        **admin.site.each_context(request),
        "title": _("Inbox"),
        "items": items,
        "overdue_count": sum(1 for item in items if item.overdue),
        "time_zone": timezone.get_current_timezone_name(),
    }
    return render(request, "inbox/index.html", context)


def inbox_view(request, *args, **kwargs):
    """Signed-in members only: the admin's own check (anonymous users and non-members go to the
    sign-in page with ``?next=/inbox/``)."""
    return admin.site.admin_view(_inbox)(request, *args, **kwargs)
