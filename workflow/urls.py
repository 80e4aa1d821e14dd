from django.urls import include, path

from common.routers import RootRouter

from .api import ROUTES
from .api.auth import TokenView
from .api.projects import MeView
from .authentication import AnonymousRateThrottle

# The default router also answers /api/v1/ itself, with the core's collections.
router = RootRouter()
for prefix, viewset, basename in ROUTES:
    router.register(prefix, viewset, basename=basename)

urlpatterns = [
    path("", include(router.urls)),
    path("me/", MeView.as_view(), name="me"),
    # DRF leaves its token view unthrottled; password guessing counts against the client address,
    # and repeated failures lock the username from that address (workflow.lockout). DELETE
    # revokes the caller's token (workflow.tokens).
    path(
        "auth/token/",
        TokenView.as_view(throttle_classes=[AnonymousRateThrottle]),
        name="auth-token",
    ),
]
