from types import SimpleNamespace

import pytest
from django.db import connection
from django.utils import translation
from rest_framework.test import APIClient

from mdprod.catalogues import compile_catalogues, reload_translations
from mdprod.celery import app as celery_app
from tests.factories import MembershipFactory, OrganisationFactory, ProjectFactory, UserFactory
from workflow.models import Membership, Project


def _vendor() -> str:
    return connection.vendor


def pytest_report_header(config):
    return f"mdprod test database: {_vendor()}"


def pytest_collection_modifyitems(config, items):
    if _vendor() == "postgresql":
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL: set DATABASE_URL (see README)")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    vendor = _vendor()
    terminalreporter.write_line(f"mdprod test database: {vendor}")
    if vendor != "postgresql":
        skipped = [
            r for r in terminalreporter.stats.get("skipped", []) if "PostgreSQL" in str(r.longrepr)
        ]
        if skipped:
            terminalreporter.write_line(
                f"WARNING: {len(skipped)} PostgreSQL-only tests (row locks, real concurrency) "
                "were skipped because the suite ran on SQLite. Set DATABASE_URL to run them.",
                yellow=True,
                bold=True,
            )


@pytest.fixture(scope="session", autouse=True)
def _compiled_catalogue():
    """The Chinese UI needs the compiled catalogue (.mo files are build output, not in git): any
    test may render it, and each must pass when run alone."""
    if compile_catalogues():
        reload_translations()


@pytest.fixture(autouse=True)
def _default_language():
    """A page answered in Chinese leaves Chinese active in the thread: without this, a test of
    English messages fails when it happens to run after one."""
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _celery_eager():
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = False


@pytest.fixture
def world(db):
    """Two producer companies, two platforms, the national administration and two provincial
    bureaus, with a user in every role."""
    w = SimpleNamespace()
    w.studio_a = OrganisationFactory(name="Studio A", province="shanghai")
    w.studio_b = OrganisationFactory(name="Studio B", province="zhejiang")
    w.platform = OrganisationFactory(name="Platform P", platform=True)
    w.other_platform = OrganisationFactory(name="Platform Q", platform=True)
    w.nrta = OrganisationFactory(name="National administration", national_administration=True)
    w.shanghai = OrganisationFactory(
        name="Shanghai bureau", provincial_bureau=True, province="shanghai"
    )
    w.zhejiang = OrganisationFactory(
        name="Zhejiang bureau", provincial_bureau=True, province="zhejiang"
    )

    def member(username, organisation, role, **extra):
        user = UserFactory(username=username)
        MembershipFactory(user=user, organisation=organisation, role=role, **extra)
        return user

    R = Membership.Role
    w.producer_a = member("producer_a", w.studio_a, R.PRODUCER)
    w.admin_a = member("admin_a", w.studio_a, R.ORG_ADMIN)
    w.producer_b = member("producer_b", w.studio_b, R.PRODUCER)
    w.content_manager = member("cm_p", w.platform, R.CONTENT_MANAGER)
    w.other_content_manager = member("cm_q", w.other_platform, R.CONTENT_MANAGER)
    w.rater = member("rater_p", w.platform, R.RATER, rater_function="business")
    w.shanghai_reviewer = member("reviewer_sh", w.shanghai, R.REGULATOR_REVIEWER)
    w.zhejiang_reviewer = member("reviewer_zj", w.zhejiang, R.REGULATOR_REVIEWER)
    w.national_reviewer = member("reviewer_nrta", w.nrta, R.REGULATOR_REVIEWER)
    w.outsider = UserFactory(username="outsider")
    return w


def put_in_state(project: Project, state: str, *, tier: str = "ORDINARY") -> Project:
    """Place a project in a state directly, as if it had travelled there (tests only)."""
    from django.utils import timezone

    fields = {"state": state}
    if state != "draft":
        fields.update(review_tier=tier, submitted_at=timezone.now(), review_round=1)
    Project.objects.filter(pk=project.pk).update(**fields)
    return Project.objects.select_related("producer", "platform").get(pk=project.pk)


@pytest.fixture
def make_project(world):
    def make(state="draft", *, tier="ORDINARY", producer=None, **fields):
        project = ProjectFactory(
            producer=producer or world.studio_a,
            platform=fields.pop("platform", world.platform),
            **fields,
        )
        return put_in_state(project, state, tier=tier)

    return make


@pytest.fixture
def api():
    def client_for(user=None):
        client = APIClient()
        if user is not None:
            client.force_authenticate(user)
        return client

    return client_for


def fire_transition(*, project, name: str, actor, comment: str = ""):
    """Fire a transition as the test's shortcut: the generic service, or for a decision-only
    transition (clear, reject, request_revision, request_final_changes) the path a decision
    takes, with a stand-in for the decision record."""
    from django.db import transaction

    from workflow import services
    from workflow.selectors import decided_by

    if not decided_by(name):
        return services.project_transition(project=project, name=name, actor=actor, comment=comment)
    with transaction.atomic():
        locked = services.project_lock(project.pk)
        return services.transition_fire(
            project=locked, name=name, actor=actor, comment=comment, decision=object()
        )
