"""The demo's conversations: a few comments on projects, posted through the service (mentions
notify as they would). Idempotent: a comment is keyed by its project, author and text."""

from conversations.models import Comment
from conversations.selectors import counterpart_choices
from conversations.services import comment_post
from devdata.demo_cast import GALAXY, ORANGE, SHANGHAI_BUREAU
from workflow.models import Organisation, Project

CAFE = "弄堂里的咖啡馆 The Café in the Lane"
CEO = "霸总的第99次求婚 The CEO's 99th Proposal"
RIDER = "外卖小哥是战神 The Delivery Rider Is a War God"
STUNT = "重生之我在横店当替身 Reborn as a Stunt Double in Hengdian"

# (producer company, title, author, counterpart or None for the author's default thread, text)
COMMENTS = [
    (
        GALAXY,
        CAFE,
        "galaxy_producer",
        None,
        "@bamboo_cm 外景改到周四拍，第 1–12 集粗剪周五发。"
        " / The location shoot moved to Thursday; the rough cut of episodes 1–12 follows Friday.",
    ),
    (
        GALAXY,
        CAFE,
        "bamboo_cm",
        None,
        "收到。@galaxy_producer 第 3 集咖啡馆招牌请避开真实品牌。"
        " / Thanks. Please keep the real brand on the café sign out of shot in episode 3.",
    ),
    (
        GALAXY,
        CAFE,
        "galaxy_producer",
        None,
        "好的，已让美术换成自制招牌。 / Will do: the art department is making our own sign.",
    ),
    (
        GALAXY,
        CEO,
        "bamboo_cm",
        None,
        "@galaxy_producer 首周完播率 38%，第 9 集流失最多，能否把第 10 集的反转提前？"
        " / Week one completion is 38%, with most viewers lost at episode 9: can the twist of"
        " episode 10 come earlier?",
    ),
    (
        GALAXY,
        CEO,
        "galaxy_producer",
        SHANGHAI_BUREAU,
        "片头已标注许可证号，截图见合规清单。"
        " / The licence number is in the opening credits; screenshots are in the checklist.",
    ),
    (
        GALAXY,
        CEO,
        "shanghai_reviewer",
        None,
        "已核对，无需补充材料。 / Checked; nothing more is needed.",
    ),
    (
        ORANGE,
        RIDER,
        "orange_producer",
        None,
        "@starfish_cm 合同第 4 条的独家期能否改为 18 个月？"
        " / Could the exclusivity in clause 4 be 18 months?",
    ),
    (
        ORANGE,
        RIDER,
        "starfish_cm",
        None,
        "可以，我们下周发新版本。 / Yes; we will send a new version next week.",
    ),
    (
        ORANGE,
        STUNT,
        "bamboo_cm",
        None,
        "@orange_producer 评分会定在周三，请补充第 20 集付费点的说明。"
        " / Scoring is on Wednesday; please explain the paywall at episode 20.",
    ),
]


def seed_conversations(organisations: dict[str, Organisation], users: dict) -> int:
    """Post the demo comments not posted yet; returns how many were posted."""
    posted = 0
    for producer, title, author, counterpart_name, body in COMMENTS:
        project = (
            Project.objects.select_related("producer", "platform")
            .filter(title=title, producer=organisations[producer])
            .first()
        )
        actor = users[author]
        if (
            project is None
            or Comment.objects.filter(thread__project=project, author=actor, body=body).exists()
        ):
            continue
        counterpart = None
        if counterpart_name is not None:
            counterpart = organisations[counterpart_name]
            if counterpart not in counterpart_choices(actor, project):
                continue  # the demo routed the project elsewhere
        comment_post(project=project, actor=actor, body=body, counterpart=counterpart)
        posted += 1
    return posted
