"""Rules count days in China's calendar, whatever zone the reader chose for display."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.utils import timezone

from common.clock import business_date
from workflow.models import ProjectTransition
from workflow.selectors import went_live_on

# 06:30 on 2 March in Shanghai is still 1 March in Los Angeles.
MOMENT = datetime(2026, 3, 2, 6, 30, tzinfo=ZoneInfo("Asia/Shanghai"))


def test_the_business_day_does_not_move_with_the_readers_zone():
    with timezone.override(ZoneInfo("America/Los_Angeles")):
        assert timezone.localdate(MOMENT) == date(2026, 3, 1)
        assert business_date(MOMENT) == date(2026, 3, 2)


def test_a_titles_release_day_is_chinas_for_a_reader_elsewhere(world, make_project):
    project = make_project("released")
    ProjectTransition.objects.create(
        project=project,
        name="release",
        source_state="cleared",
        target_state="released",
        actor=world.content_manager,
        created_at=MOMENT,
    )

    with timezone.override(ZoneInfo("America/Los_Angeles")):
        assert went_live_on(project.pk) == date(2026, 3, 2)
