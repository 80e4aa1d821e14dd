from common.routers import Router

router = Router()

urlpatterns = router.urls
