"""Shortcuts for the conversation tests."""

from conversations import services
from workflow.models import Notification

COMMENTS = "/api/v1/comments/"
ACTIVITY = "/api/v1/projects/{}/activity/"


def post(project, user, body, counterpart=None):
    return services.comment_post(project=project, actor=user, body=body, counterpart=counterpart)


def bodies(api, user, **params):
    response = api(user).get(COMMENTS, params)
    assert response.status_code == 200, response.json()
    return [row["body"] for row in response.json()["results"]]


def mentioned(user) -> list[str]:
    return list(
        Notification.objects.filter(recipient=user, source__endswith=":mention").values_list(
            "body", flat=True
        )
    )
