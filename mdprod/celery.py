import os

from celery import Celery
from celery.signals import before_task_publish, task_postrun, task_prerun

from common import request_id

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mdprod.settings")

app = Celery("mdprod")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# A task queued while a request runs carries the request's X-Request-ID in its message headers;
# the worker logs under it (a task queued by beat or by no request logs under its own task id).
REQUEST_ID_HEADER = "mdprod_request_id"


@before_task_publish.connect(dispatch_uid="mdprod.request_id.publish")
def _send_request_id(headers=None, **kwargs) -> None:
    if headers is not None and (current := request_id.current()):
        headers.setdefault(REQUEST_ID_HEADER, current)


@task_prerun.connect(dispatch_uid="mdprod.request_id.prerun")
def _take_request_id(task_id=None, task=None, **kwargs) -> None:
    if task is None or task.request.is_eager:  # run in the caller's process: its id stays
        return
    sent = getattr(task.request, REQUEST_ID_HEADER, None) or (task.request.headers or {}).get(
        REQUEST_ID_HEADER
    )
    request_id.activate(request_id.accepted(sent) or str(task_id))


@task_postrun.connect(dispatch_uid="mdprod.request_id.postrun")
def _drop_request_id(task=None, **kwargs) -> None:
    if task is not None and not task.request.is_eager:
        request_id.deactivate()
