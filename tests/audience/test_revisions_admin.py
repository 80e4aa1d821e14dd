"""The revision log in the admin: recording through the service, the read-only page with the
evidence then and now and the outcome, and the scope."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audience.models import QuietRule, Revision
from audience.services.revisions import revision_record
from tests.audience.revision_helpers import Signals, worked_metrics

CHANGELIST = reverse("admin:audience_revision_changelist")
ADD = reverse("admin:audience_revision_add")


def change_url(revision, **params):
    url = reverse("admin:audience_revision_change", args=[revision.pk])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in params.items()) if params else "")


@pytest.fixture
def voices(audience_project, episodes, producer_user):
    signals = Signals(audience_project, producer_user)
    return {
        "slow": signals.add("第三集太拖沓了 too slow", ("拖沓", "slow"), episode=3, likes=40),
        "slow_b": signals.add("拖沓", ("拖沓",), episode=4, author="b"),
        "signals": signals,
    }


def record(project, user, voices, **overrides):
    fields = {
        "project": project,
        "actor": user,
        "kind": "pacing",
        "summary": "Tighter middle",
        "episodes": [11, 12],
        "signals": [voices["slow"].pk],
        "terms": ["拖沓"],
    }
    fields.update(overrides)
    return revision_record(**fields)


def test_the_writer_records_a_revision_on_the_add_page(
    client, audience_project, producer_user, voices
):
    client.force_login(producer_user)
    form = client.get(ADD, {"project": audience_project.pk, "signals": voices["slow"].pk})
    assert form.status_code == 200
    assert form.context["form"].initial["signals"] == str(voices["slow"].pk)

    response = client.post(
        ADD,
        {
            "project": audience_project.pk,
            "kind": "pacing",
            "summary": "Tighter middle",
            "description": "",
            "episodes": "11-13, 15",
            "signals": str(voices["slow"].pk),
            "terms": "拖沓， Slow",
        },
    )

    revision = Revision.objects.get()
    assert response.status_code == 302
    assert response["Location"] == change_url(revision)
    assert sorted(e.number for e in revision.episodes.all()) == [11, 12, 13, 15]
    assert {(e.term, e.mentions, e.distinct_authors) for e in revision.evidence.all()} == {
        ("", 0, 0),
        ("拖沓", 2, 2),
        ("slow", 1, 1),
    }


def test_the_service_messages_show_on_the_form(client, audience_project, producer_user, voices):
    client.force_login(producer_user)

    response = client.post(
        ADD,
        {
            "project": audience_project.pk,
            "kind": "pacing",
            "summary": "Tighter middle",
            "episodes": "11, 44",
            "signals": "",
            "terms": "",
        },
    )

    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["episodes"] == ["This project has no episode 44."]
    assert form.non_field_errors() == ["Cite the evidence: at least one signal or one term."]
    assert not Revision.objects.exists()


def test_the_platform_may_not_record_here(client, audience_project, platform_cm, voices):
    client.force_login(platform_cm)

    assert client.get(ADD).status_code == 403


def test_the_page_shows_the_chain(client, audience_project, producer_user, voices):
    worked_metrics(audience_project)
    revision = record(audience_project, producer_user, voices)
    voices["signals"].add("还是拖沓", ("拖沓",), episode=5, author="c")
    client.force_login(producer_user)

    page = client.get(change_url(revision, days=3)).content.decode()

    assert "第三集太拖沓了 too slow" in page
    assert "2 mentions by 2 people" in page  # then
    assert "3 mentions by 3 people" in page  # now
    assert "Episodes 11-12 against episodes 9-10" in page
    assert "+29.3 %" in page  # likes, worked by hand in test_revisions_outcome
    assert "+8.75 pp" in page  # completion 42.25 % -> 51.00 %
    waiting = client.get(change_url(revision, days=4)).content.decode()
    assert "Not enough data yet" in waiting


def test_quiet_mode_hides_the_outcome_from_a_writer_who_has_not_looked(
    client, audience_project, producer_user, platform_cm, voices
):
    worked_metrics(audience_project)
    revision = record(audience_project, producer_user, voices)
    QuietRule.objects.create(
        project=audience_project, first_episode=11, last_episode=20, created_by=producer_user
    )

    client.force_login(producer_user)
    page = client.get(change_url(revision, days=3)).content.decode()
    assert "Hidden by quiet mode: episodes 11-12" in page
    assert "+29.3 %" not in page
    client.force_login(platform_cm)
    assert "+29.3 %" in client.get(change_url(revision, days=3)).content.decode()


def test_the_list_shows_whether_the_outcome_is_measurable_and_the_signals_side(
    client, audience_project, producer_user, voices
):
    worked_metrics(audience_project)
    ready = record(audience_project, producer_user, voices, summary="Ready")
    record(audience_project, producer_user, voices, summary="Waiting", episodes=[13], signals=[])
    client.force_login(producer_user)

    response = client.get(CHANGELIST)
    page = response.content.decode()

    assert response.status_code == 200
    # A 7-day window: no episode has 7 days of metrics in the worked example.
    assert page.count("not enough data yet") == 2
    citing = client.get(CHANGELIST, {"signal": voices["slow"].pk})
    assert [r.pk for r in citing.context["cl"].result_list] == [ready.pk]


@pytest.mark.parametrize("who", ["rater_user", "regulator_user", "other_producer_user"])
def test_outsiders_do_not_see_the_log(
    request, client, audience_project, producer_user, voices, who
):
    revision = record(audience_project, producer_user, voices)
    client.force_login(request.getfixturevalue(who))

    assert client.get(change_url(revision)).status_code in (403, 404)
    listing = client.get(CHANGELIST)
    assert listing.status_code == 403 or list(listing.context["cl"].result_list) == []


def test_nothing_can_be_changed_or_deleted(client, audience_project, producer_user, voices):
    revision = record(audience_project, producer_user, voices)
    client.force_login(producer_user)

    page = client.get(change_url(revision)).content.decode()
    assert 'name="_save"' not in page
    delete = reverse("admin:audience_revision_delete", args=[revision.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert Revision.objects.filter(pk=revision.pk).exists()


def test_the_changelist_costs_the_same_queries_whatever_the_rows(
    client, audience_project, producer_user, voices
):
    worked_metrics(audience_project)
    record(audience_project, producer_user, voices)
    client.force_login(producer_user)
    with CaptureQueriesContext(connection) as few:
        assert client.get(CHANGELIST).status_code == 200
    for n in range(5):
        record(audience_project, producer_user, voices, summary=f"Change {n}", episodes=[11 + n])

    with CaptureQueriesContext(connection) as many:
        assert client.get(CHANGELIST).status_code == 200

    assert len(many) == len(few)


def test_the_signal_page_names_the_revisions_citing_it(
    client, audience_project, producer_user, platform_cm, voices
):
    revision = record(audience_project, producer_user, voices)
    signal_page = reverse("admin:audience_audiencesignal_change", args=[voices["slow"].pk])
    other_page = reverse("admin:audience_audiencesignal_change", args=[voices["slow_b"].pk])
    client.force_login(platform_cm)

    page = client.get(signal_page).content.decode()

    assert f'href="{change_url(revision)}">Tighter middle</a>' in page
    assert "Tighter middle" not in client.get(other_page).content.decode()


@pytest.mark.parametrize(
    ("numbers", "signals", "field"),
    [("11-x", "", "episodes"), ("15-11", "", "episodes"), ("11", "3-4", "signals")],
)
def test_unreadable_numbers_are_refused_on_their_field(
    client, audience_project, producer_user, voices, numbers, signals, field
):
    client.force_login(producer_user)

    response = client.post(
        ADD,
        {
            "project": audience_project.pk,
            "kind": "edit",
            "summary": "x",
            "episodes": numbers,
            "signals": signals,
            "terms": "拖沓",
        },
    )

    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not Revision.objects.exists()


# From what the audience says to a recorded revision -----------------------------------------------


def test_the_feedback_page_links_a_term_to_its_signals_and_to_citing_it(
    client, audience_project, producer_user, platform_cm, voices
):
    feedback = reverse("admin:audience_feedback")
    client.force_login(producer_user)

    page = client.get(feedback, {"project": audience_project.pk})

    assert page.status_code == 200
    html = page.content.decode()
    signals = reverse("admin:audience_audiencesignal_changelist")
    behind = (
        f"{signals}?project__id__exact={audience_project.pk}&amp;flagged=no&amp;terms__term=slow"
    )
    assert behind in html
    assert f"{ADD}?project={audience_project.pk}&amp;terms=slow" in html
    listed = client.get(behind.replace("&amp;", "&"))
    assert [s.pk for s in listed.context["cl"].result_list] == [voices["slow"].pk]
    form = client.get(ADD, {"project": audience_project.pk, "terms": "slow"})
    assert form.context["form"].initial == {"project": str(audience_project.pk), "terms": "slow"}

    # The platform reads the feedback but does not record revisions: no "cite" link.
    client.force_login(platform_cm)
    assert ADD not in client.get(feedback, {"project": audience_project.pk}).content.decode()


def test_the_signals_list_cites_selected_signals_in_a_new_revision(
    client, audience_project, producer_user, platform_cm, voices
):
    signals = reverse("admin:audience_audiencesignal_changelist")
    chosen = sorted([voices["slow"].pk, voices["slow_b"].pk])
    client.force_login(producer_user)

    response = client.post(
        signals, {"action": "cite_in_revision", "_selected_action": [str(pk) for pk in chosen]}
    )

    assert response.status_code == 302
    form = client.get(response["Location"])
    assert form.context["form"].initial["project"] == str(audience_project.pk)
    assert form.context["form"].initial["signals"] == ",".join(str(pk) for pk in chosen)
    page = client.get(reverse("admin:audience_audiencesignal_change", args=[chosen[0]]))
    assert "Cite it in a new revision" in page.content.decode()

    client.force_login(platform_cm)
    assert client.get(signals).context["action_form"] is None  # no action for the platform
    page = client.get(reverse("admin:audience_audiencesignal_change", args=[chosen[0]]))
    assert "Cite it in a new revision" not in page.content.decode()


def test_an_odd_days_value_on_the_revision_page_falls_back_to_the_default(
    client, audience_project, producer_user, voices
):
    revision = record(audience_project, producer_user, voices)
    client.force_login(producer_user)

    response = client.get(change_url(revision, days="²"))

    assert response.status_code == 200
