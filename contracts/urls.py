from django.urls import path

from common.routers import Router

from .api import ROUTES
from .views import DocumentDownloadView

router = Router()
for prefix, viewset, basename in ROUTES:
    router.register(prefix, viewset, basename=basename)

urlpatterns = [
    *router.urls,
    # The checked document download (contracts.views): a file, not a JSON resource.
    path("documents/<int:pk>/download/", DocumentDownloadView.as_view(), name="document-download"),
]
