from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularRedocView, SpectacularSwaggerView

from inbox.views import inbox_view
from mdprod.schema import CachedSchemaView
from workflow.admin.preferences import my_settings_view
from workflow.dashboard import dashboard_view

# Each app registers its routes (its api package's ROUTES) in its urls.py; the core's come first.
api_v1 = [
    path("", include("workflow.urls")),
    path("", include("reviews.urls")),
    path("", include("budgets.urls")),
    path("", include("releases.urls")),
    path("", include("contracts.urls")),
    path("", include("audience.urls")),
    path("", include("conversations.urls")),
    path("", include("inbox.urls")),
    path("", include("board.urls")),
]

urlpatterns = [
    path("", dashboard_view, name="dashboard"),
    path("inbox/", inbox_view, name="inbox"),
    path("board/", include("board.pages")),
    path("my-settings/", my_settings_view, name="my-settings"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("conversations.web_urls")),
    # Old addresses of admin pages whose models moved app (before the admin's own patterns).
    path("admin/", include("mdprod.moved_admin")),
    path("admin/", admin.site.urls),
    path("api/v1/", include((api_v1, "api"), namespace="v1")),
    path("api/schema/", CachedSchemaView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    path(
        "api/redoc/",
        SpectacularRedocView.as_view(url_name="schema", template_name="api/redoc.html"),
        name="redoc",
    ),
    path("api/", RedirectView.as_view(pattern_name="swagger-ui", permanent=False)),
]
