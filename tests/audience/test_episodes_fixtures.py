from tests.audience.conftest import BATCH_1_RELEASED_AT, BATCH_2_RELEASED_AT


def test_episodes_fixture_has_two_released_batches_of_ten(episodes, audience_project):
    assert [e.number for e in episodes] == list(range(1, 21))
    assert {e.batch.number for e in episodes[:10]} == {1}
    assert {e.batch.number for e in episodes[10:]} == {2}
    assert episodes[0].batch.released_at == BATCH_1_RELEASED_AT
    assert episodes[10].batch.released_at == BATCH_2_RELEASED_AT
    assert audience_project.state == "released"
    assert audience_project.review_tier == "ORDINARY"
