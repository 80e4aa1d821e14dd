from rest_framework.routers import SimpleRouter

from .api import checklists, cuts, evaluations, feedback, filings, finals, rubrics, scorecards

router = SimpleRouter()
for module in (evaluations, scorecards, filings, feedback, rubrics, cuts, finals, checklists):
    for prefix, viewset, basename in module.ROUTES:
        router.register(prefix, viewset, basename=basename)

urlpatterns = router.urls
