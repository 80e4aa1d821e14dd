from rest_framework.routers import SimpleRouter

from .api import evaluations, feedback, filings, rubrics

router = SimpleRouter()
for module in (evaluations, filings, feedback, rubrics):
    for prefix, viewset, basename in module.ROUTES:
        router.register(prefix, viewset, basename=basename)

urlpatterns = router.urls
