from django.urls import include, path

from common.routers import RootRouter

from .api import ROUTES
from .api.projects import MeView
from .authentication import AnonymousRateThrottle
from .lockout import ObtainAuthTokenWithLockout

# The default router also answers /api/v1/ itself, with the core's collections.
router = RootRouter()
for prefix, viewset, basename in ROUTES:
    router.register(prefix, viewset, basename=basename)

urlpatterns = [
    path("", include(router.urls)),
    path("me/", MeView.as_view(), name="me"),
    # DRF leaves its token view unthrottled; password guessing counts against the client address,
    # and repeated failures lock the username from that address (workflow.lockout).
    path(
        "auth/token/",
        ObtainAuthTokenWithLockout.as_view(throttle_classes=[AnonymousRateThrottle]),
        name="auth-token",
    ),
]
