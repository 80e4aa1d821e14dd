from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from workflow.models import Deadline, Membership


@pytest.fixture
def web():
    def client_for(user, language="en"):
        client = Client()
        client.force_login(user)
        client.cookies["django_language"] = language
        return client

    return client_for


@pytest.fixture
def deadline(world):
    def make(project, *, due_in: timedelta, kind="producer_response", paused=False):
        return Deadline.objects.create(
            project=project,
            kind=kind,
            round=project.review_round,
            due_at=timezone.now() + due_in,
            responsible_organisation=project.producer,
            responsible_role=Membership.Role.PRODUCER,
            paused_at=timezone.now() if paused else None,
        )

    return make
