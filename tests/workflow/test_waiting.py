import pytest

from workflow.models import ProjectState, ReviewTier
from workflow.waiting import Party, waiting_on


def test_every_state_waits_on_someone_or_nobody():
    for state in ProjectState:
        assert waiting_on(state, ReviewTier.KEY) in Party


@pytest.mark.parametrize(
    ("state", "tier", "party"),
    [
        (ProjectState.DRAFT, ReviewTier.KEY, Party.PRODUCER),
        (ProjectState.SUBMITTED, ReviewTier.ORDINARY, Party.PLATFORM),
        (ProjectState.FINAL_REVIEW, ReviewTier.KEY, Party.REGULATOR),
        # An OTHER-tier cut is reviewed by the platform itself.
        (ProjectState.FINAL_REVIEW, ReviewTier.OTHER, Party.PLATFORM),
        (ProjectState.RELEASED, ReviewTier.KEY, Party.NOBODY),
    ],
)
def test_waiting_on(state, tier, party):
    assert waiting_on(state, tier) == party
