"""The seed's audience story for the released KEY title: comment -> change -> outcome.

``@audience`` (a ``ProductionStage`` step, run after the release and before ``@metrics``):

- the producer adds the episodes and releases them in two batches: 1-45 when the title went
  live, 46-90 a week later;
- the platform's export of batch 1's comments and danmu (40 rows, Chinese and English) is
  imported through ``audience.services.signals.signals_import``: it hashes the authors, redacts a
  phone number and an e-mail address, flags an exact duplicate and a bot burst (the same text
  from eight accounts within minutes); one loud account posts six times;
- on day 5 the writers record a pacing revision for episodes 46-55, citing the terms "拖沓" and
  "slow" and the two most-liked complaints (``audience.services.revisions.revision_record``);
  a few comments come after it (the dashboard shows them as new);
- a week after batch 2 went live, its comments are imported (``BATCH_2_COMMENTS``): the rival
  and the pace are the rising terms against batch 1.

``metric_plan`` then tells ``@metrics`` when each episode went live (its batch) and which
episodes the revision changed, whose figures get the lift the demo shows as the outcome: fewer
viewers reach episode 50 than episode 40, but those who do like, comment and finish more.

workflow does not depend on audience: everything here imports it lazily, and only the seed runs it.
"""

from datetime import datetime, timedelta
from decimal import Decimal

AFFECTED = range(46, 56)
# (batch number, its first episode, the day it went live); batch 2 runs to the last episode.
BATCHES = ((1, 1, 0), (2, 46, 7))
DECIDED_ON_DAY = 5
LIFT = {
    "likes": Decimal("1.35"),
    "comments": Decimal("1.5"),
    "shares": Decimal("1.2"),
    "completion": Decimal("0.06"),
}

# (day, hour, episode, platform, kind, author, text, likes)
COMMENTS = [
    (0, 21, 3, "douyin", "comment", "u01", "女主好美，男主演技在线", 120),
    (0, 21, 5, "douyin", "danmu", "u02", "这个反转太爽了", 15),
    (0, 22, 8, "kuaishou", "comment", "u03", "Lu Chen is hilarious, proposal #12 killed me", 44),
    (1, 9, 12, "douyin", "comment", "u04", "节奏很快，一口气看完", 30),
    (1, 10, 15, "douyin", "repost", "u25", "转发给姐妹们", 0),
    (1, 12, 18, "douyin", "tag", "u26", "甜宠", 0),
    (1, 20, 22, "bilibili", "comment", "u22", "The CEO finally did something romantic", 9),
    (1, 21, 25, "douyin", "comment", "u20", "有没有一起追剧的 加我 138 1234 5678", 0),
    (
        1,
        22,
        27,
        "douyin",
        "comment",
        "u21",
        "谁有高清资源发我邮箱 dramafan2026@example.com 谢谢",
        0,
    ),
    (2, 20, 30, "douyin", "comment", "u18", "30集以后有点拖沓，但女主好看", 48),
    (2, 21, 31, "douyin", "comment", "u05", "中间太拖沓了，又是求婚被拒", 210),
    (2, 21, 31, "douyin", "comment", "u05", "中间太拖沓了，又是求婚被拒", 210),  # sent twice
    (2, 22, 32, "douyin", "danmu", "u06", "拖沓", 3),
    (
        3,
        9,
        33,
        "kuaishou",
        "comment",
        "u07",
        "The middle is so slow, same scene again and again",
        96,
    ),
    (3, 12, 34, "douyin", "comment", "u08", "第34集节奏太慢，快进了", 58),
    (3, 20, 35, "douyin", "danmu", "u09", "又拖沓了", 2),
    (3, 21, 36, "bilibili", "comment", "u10", "too slow, where is the rival?", 37),
    (4, 8, 37, "douyin", "comment", "u11", "情敌什么时候出场？节奏拖沓", 75),
    (4, 9, 38, "douyin", "comment", "u12", "女主的台词好戳心", 41),
    (4, 11, 40, "kuaishou", "comment", "u13", "slow, but the ending of 40 is good", 12),
    (4, 20, 41, "douyin", "danmu", "u14", "拖沓拖沓", 1),
    (4, 21, 42, "douyin", "comment", "u15", "求更新！第二批什么时候上", 19),
    (4, 22, 44, "douyin", "comment", "u16", "男主的回忆杀太虐了", 66),
    # The loud account: six posts, one voice.
    (1, 13, 10, "douyin", "comment", "u99", "男主演技太尬了", 2),
    (1, 14, 12, "douyin", "comment", "u99", "男主演技还是尬", 1),
    (2, 9, 15, "douyin", "comment", "u99", "第15集男主演技尬", 0),
    (2, 10, 16, "douyin", "danmu", "u99", "男主演技尬到脚趾抠地", 3),
    (3, 11, 19, "douyin", "comment", "u99", "演技尬，弃剧", 0),
    (3, 12, 20, "douyin", "comment", "u99", "男主演技太尬了!!!", 1),
    # After the decision (day 5, 10:00).
    (5, 20, 39, "douyin", "comment", "u23", "节奏拖沓，建议剪短", 88),
    (6, 9, 43, "bilibili", "comment", "u24", "Skip to 45, 41-44 drag", 14),
    (6, 10, 45, "douyin", "comment", "u17", "Cliffhanger at 45, need batch 2 now", 23),
]
# Batch 2 (episodes 46-90, live on day 7): the week after, the writers import its comments and
# see whether the change was noticed: "情敌" (the rival) and "节奏" (pace) rise against batch 1.
BATCH_2_COMMENTS = [
    (8, 21, 46, "douyin", "comment", "u30", "情敌终于出场了，节奏快多了", 150),
    (8, 21, 46, "douyin", "danmu", "u31", "情敌来了！", 12),
    (8, 22, 47, "kuaishou", "comment", "u32", "Much faster now, the rival is great", 64),
    (9, 9, 48, "douyin", "comment", "u33", "节奏终于快了，一集比一集好看", 95),
    (9, 20, 50, "douyin", "comment", "u34", "情敌和男主的对手戏好看", 70),
    (9, 21, 52, "bilibili", "comment", "u10", "The pace is so much better, binge-worthy", 18),
    (10, 10, 55, "douyin", "comment", "u18", "节奏刚好，女主好看", 33),
    (10, 11, 53, "douyin", "comment", "u35", "情敌一出场就不一样了", 41),
]
# A bot burst: the same text from eight accounts within four minutes of day 2, 20:00.
BOT_TEXT = "关注主页领取全集免费资源"
BOTS = [(2, 20, 20, "douyin", "danmu", f"bot{n:02d}", BOT_TEXT, 0) for n in range(1, 9)]

REVISION = {
    "kind": "pacing",
    "summary": "Tighten episodes 46-55: cut the repeated proposal scenes, bring the rival in at 46",
    "description": (
        "Batch 1's viewers call episodes 30-45 slow (拖沓): the same rejected proposal, again. "
        "Episodes 46-55 are re-edited from the rushes: two proposal scenes cut, the rival's "
        "entrance moved from 52 to 46, cliffhangers kept at the paywall positions."
    ),
    "terms": ["拖沓", "slow"],
}
CITED = ("中间太拖沓了，又是求婚被拒", "The middle is so slow, same scene again and again")


def _at(went_live: datetime, day: int, hour: int, minute: int = 0) -> datetime:
    """China time on the title's ``day`` (0: the day it went live)."""
    from django.utils import timezone

    start = timezone.localtime(went_live).replace(hour=0, minute=0, second=0, microsecond=0)
    return start + timedelta(days=day, hours=hour, minutes=minute)


def audience_story(project, producer, *, went_live: datetime) -> None:
    """Episodes in two batches, batch 1's comments imported, the revision recorded."""
    from audience.models import AudienceSignal, ReleaseBatch, SignalImport
    from audience.services.batches import release_batch_create, release_batch_release
    from audience.services.episodes import episodes_bulk_create
    from audience.services.revisions import revision_record
    from audience.services.signals import signals_import

    episodes_bulk_create(
        project=project, actor=producer, first=1, last=project.episode_count, skip_existing=True
    )
    ends = [first - 1 for _number, first, _day in BATCHES[1:]] + [project.episode_count]
    for (number, first, day), last in zip(BATCHES, ends, strict=True):
        if ReleaseBatch.objects.filter(project=project, number=number).exists():
            continue
        batch = release_batch_create(
            project=project, actor=producer, number=number, episodes=range(first, last + 1)
        )
        release_batch_release(batch=batch, actor=producer, released_at=_at(went_live, day, 20))

    if SignalImport.objects.filter(project=project).exists():
        return  # told already

    def export(comments):
        rows = []
        for index, (day, hour, episode, platform, kind, author, text, likes) in enumerate(comments):
            minute = int(author[3:]) % 4 if author.startswith("bot") else 0
            rows.append(
                (
                    index,
                    {
                        "platform": platform,
                        "kind": kind,
                        "episode": episode,
                        "posted_at": _at(went_live, day, hour, minute),
                        "author_id": author,
                        "text": text,
                        "likes": likes,
                    },
                )
            )
        return rows

    signals_import(
        project=project,
        rows=export([*COMMENTS, *BOTS]),
        source="csv",
        filename="batch-1-export.csv",
        user=producer,
    )

    cited = [
        AudienceSignal.objects.filter(project=project, text=text, is_duplicate=False)
        .order_by("pk")
        .values_list("pk", flat=True)
        .first()
        for text in CITED
    ]
    revision_record(
        project=project,
        actor=producer,
        episodes=list(AFFECTED),
        signals=[pk for pk in cited if pk is not None],
        decided_at=_at(went_live, DECIDED_ON_DAY, 10),
        **REVISION,
    )
    signals_import(
        project=project,
        rows=export(BATCH_2_COMMENTS),
        source="csv",
        filename="batch-2-export.csv",
        user=producer,
    )


def metric_plan(project, went_live_day) -> dict[int, tuple[int, dict | None]]:
    """``{episode: (the day it went live, counted from the title's first day; the lift of its
    figures or None)}``; empty for a title without episodes in the audience app."""
    from django.utils import timezone

    from audience.models import Episode

    plan = {}
    episodes = Episode.objects.filter(project=project).select_related("batch")
    for episode in episodes.prefetch_related("revisions"):
        start = 0
        if episode.batch is not None and episode.batch.released_at is not None:
            start = max(0, (timezone.localdate(episode.batch.released_at) - went_live_day).days)
        revised = bool(episode.revisions.all())
        plan[episode.number] = (start, LIFT if revised else None)
    return plan
