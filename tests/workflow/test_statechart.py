"""The state machine drawn as SVG on the project page."""

import re

from django.utils import translation

from workflow.models import Project, ProjectState
from workflow.statechart import statechart_svg


def state_group(svg: str, state: str) -> str:
    match = re.search(rf'<g class="([^"]*)" data-state="{state}"([^>]*)>', svg)
    assert match, state
    return match.group(1) + match.group(2)


def test_every_state_and_transition_is_drawn():
    svg = str(statechart_svg(ProjectState.DRAFT))

    for state in ProjectState:
        assert f'data-state="{state.value}"' in svg
        assert f">{state.label}</text>" in svg
    field = Project._meta.get_field("state")
    for transition in field.get_all_transitions(Project):
        assert f'data-transition="{transition.name}"' in svg


def test_current_state_is_highlighted_and_marked_for_assistive_technology():
    svg = str(statechart_svg(ProjectState.CUT_REVIEW))

    current = state_group(svg, "cut_review")
    assert "mdprod-sc-current" in current
    assert 'aria-current="step"' in current
    assert svg.count('aria-current="step"') == 1
    assert "mdprod-sc-current" not in state_group(svg, "draft")


def test_transitions_open_to_the_viewer_are_emphasised():
    svg = str(statechart_svg(ProjectState.SUBMITTED, {"greenlight"}))

    assert re.search(
        r'class="mdprod-sc-edge mdprod-sc-available"[^>]*data-transition="greenlight"', svg
    )
    assert not re.search(r'mdprod-sc-available"[^>]*data-transition="reject"', svg)
    assert "mdprod-sc-reachable" in state_group(svg, "greenlit")
    assert "mdprod-sc-reachable" not in state_group(svg, "rejected")


def test_a_transition_not_leaving_the_current_state_is_not_emphasised():
    svg = str(statechart_svg(ProjectState.DRAFT, {"greenlight"}))

    assert not re.search(r'class="[^"]*mdprod-sc-available', svg)


def test_labels_follow_the_active_language():
    with translation.override("zh-hans"):
        chinese = str(statechart_svg(ProjectState.DRAFT))
        draft_label = str(ProjectState.DRAFT.label)
    english = str(statechart_svg(ProjectState.DRAFT))

    assert f">{draft_label}</text>" in chinese
    assert ">Draft</text>" in english
    assert draft_label != "Draft"  # the catalogue translates the states
    assert ">Draft</text>" not in chinese
