from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerView,
)
from rest_framework.routers import DefaultRouter

from workflow.api import MeView, ProjectViewSet
from workflow.api_deadlines import DeadlineViewSet
from workflow.api_directory import PlatformViewSet
from workflow.api_keys import ApiKeyViewSet
from workflow.api_notifications import NotificationViewSet
from workflow.api_webhooks import ROUTES as WEBHOOK_ROUTES
from workflow.authentication import AnonymousRateThrottle
from workflow.dashboard import dashboard_view
from workflow.lockout import ObtainAuthTokenWithLockout

router = DefaultRouter()
router.register("projects", ProjectViewSet, basename="project")
router.register("deadlines", DeadlineViewSet, basename="deadline")
router.register("platforms", PlatformViewSet, basename="platform")
router.register("notifications", NotificationViewSet, basename="notification")
router.register("api-keys", ApiKeyViewSet, basename="api-key")
for prefix, viewset, basename in WEBHOOK_ROUTES:
    router.register(prefix, viewset, basename=basename)

api_v1 = [
    path("", include(router.urls)),
    path("", include("reviews.urls")),
    path("", include("budgets.urls")),
    path("", include("contracts.urls")),
    path("", include("audience.urls")),
    path("me/", MeView.as_view(), name="me"),
    # DRF leaves its token view unthrottled; password guessing counts against the client address,
    # and repeated failures lock the username from that address (workflow.lockout).
    path(
        "auth/token/",
        ObtainAuthTokenWithLockout.as_view(throttle_classes=[AnonymousRateThrottle]),
        name="auth-token",
    ),
]

urlpatterns = [
    path("", dashboard_view, name="dashboard"),
    path("i18n/", include("django.conf.urls.i18n")),
    # Old addresses of admin pages whose models moved app (before the admin's own patterns).
    path("admin/", include("mdprod.moved_admin")),
    path("admin/", admin.site.urls),
    path("api/v1/", include((api_v1, "api"), namespace="v1")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    path(
        "api/redoc/",
        SpectacularRedocView.as_view(url_name="schema", template_name="api/redoc.html"),
        name="redoc",
    ),
    path("api/", RedirectView.as_view(pattern_name="swagger-ui", permanent=False)),
]
