from common.routers import Router

from .api import ROUTES

router = Router()
for prefix, viewset, basename in ROUTES:
    router.register(prefix, viewset, basename=basename)

urlpatterns = router.urls
