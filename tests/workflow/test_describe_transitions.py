"""``docs/transitions.md`` is what ``manage.py describe_transitions`` prints, and says what the
transition service really checks and does."""

from io import StringIO
from pathlib import Path

from django.conf import settings
from django.core.management import call_command

from workflow import effects, guards
from workflow.selectors import transition_names

DOC = Path(settings.BASE_DIR) / "docs" / "transitions.md"


def describe() -> str:
    out = StringIO()
    call_command("describe_transitions", stdout=out)
    return out.getvalue()


def test_the_checked_in_description_is_current():
    assert DOC.read_text(encoding="utf-8") == describe(), (
        "docs/transitions.md is stale: run `make transitions` and commit it."
    )


def test_every_transition_is_described_with_its_guards_and_effects_in_order():
    text = describe()
    for name in transition_names():
        section = text.split(f"\n## {name}: ", 1)[1].split("\n## ", 1)[0]
        positions = [
            section.index(f"`{func.__module__}.{func.__qualname__}`")
            for _order, func in [*guards.registered(name), *effects.registered(name)]
        ]
        assert positions == sorted(positions), name


def test_decision_only_transitions_say_where_they_are_decided():
    text = describe()
    clear = text.split("\n## clear: ", 1)[1].split("\n## ", 1)[0]
    assert "decision-only: yes, through the finished-cut review's decision" in clear
    assert "POST /api/v1/final-reviews/{id}/decide/" in clear
    greenlight = text.split("\n## greenlight: ", 1)[1].split("\n## ", 1)[0]
    assert "decision-only: no" in greenlight
