"""Admin pages of models that moved to another app: their old addresses redirect (301).

Bookmarks and links in old e-mails keep working: ``/admin/contracts/budget/7/change/`` answers
with ``/admin/budgets/budget/7/change/`` (the query string kept).
"""

from django.urls import re_path
from django.views.generic import RedirectView

# (old app label, model) -> new app label
MOVED = {
    ("contracts", "budget"): "budgets",
    ("contracts", "tierpolicy"): "budgets",
    ("contracts", "episodemetric"): "audience",
    ("contracts", "clearance"): "reviews",
    ("contracts", "release"): "releases",
}


def _redirect(old_app: str, model: str, new_app: str):
    return re_path(
        rf"^{old_app}/{model}/(?P<rest>.*)$",
        RedirectView.as_view(
            url=f"/admin/{new_app}/{model}/%(rest)s", permanent=True, query_string=True
        ),
    )


urlpatterns = [_redirect(old, model, new) for (old, model), new in MOVED.items()]
