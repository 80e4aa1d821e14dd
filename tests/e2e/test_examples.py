"""The examples/ a tool author starts from work against a running server."""

import os
import subprocess
import sys
from pathlib import Path

from workflow import keys
from workflow.models import Project

CLIENT = Path(__file__).resolve().parents[2] / "examples" / "client.py"


def test_the_example_client_creates_and_submits_a_proposal_with_an_api_key(http_server, world):
    key = keys.api_key_create(
        actor=world.admin_a,
        organisation=world.studio_a,
        name="Example client",
        scopes=["read", "write", "transition"],
    )
    env = {**os.environ, "MDPROD_URL": http_server, "MDPROD_API_KEY": key.token}
    run = subprocess.run(  # noqa: S603 (our own example, our interpreter)
        [sys.executable, str(CLIENT)], env=env, capture_output=True, text=True, timeout=60
    )
    assert run.returncode == 0, run.stdout + run.stderr
    project = Project.objects.get(title="Demo from the API client")
    assert (project.state, project.producer, str(project.planned_budget)) == (
        "submitted",
        world.studio_a,
        "260000.00",
    )
    assert "submitted: submitted" in run.stdout
    assert project.transitions.get().actor == key.user
