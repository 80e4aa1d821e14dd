"""The demo's projects: a dozen proposals and the steps that take each to its state."""

from dataclasses import dataclass, field
from decimal import Decimal

from devdata.demo_cast import (
    BAMBOO,
    GALAXY,
    ORANGE,
    STARFISH,
)
from workflow.models import Organisation, Project


@dataclass(frozen=True)
class DemoProject:
    title: str
    producer: str
    platform: str
    budget: str
    state: str
    # (transition, actor username, comment), fired in order from draft.
    steps: list[tuple[str, str, str]] = field(default_factory=list)
    genre_tags: tuple[str, ...] = ("romance", "urban")
    logline: str = ""
    synopsis: str = ""
    source: str = Project.Source.ORIGINAL
    rights_holder: str = ""
    episode_count: int = 80
    episode_length_seconds: int = 90
    monetisation: str = Project.Monetisation.PAY_TO_UNLOCK
    free_episodes: int = 10
    homepage_promotion: bool = False

    def proposal(self, platform: Organisation) -> dict:
        paid = self.monetisation in (
            Project.Monetisation.PAY_TO_UNLOCK,
            Project.Monetisation.HYBRID,
        )
        return {
            "title": self.title,
            "logline": self.logline,
            "synopsis": self.synopsis,
            "genre_tags": list(self.genre_tags),
            "source": self.source,
            "rights_holder": self.rights_holder,
            "episode_count": self.episode_count,
            "episode_length_seconds": self.episode_length_seconds,
            "homepage_promotion": self.homepage_promotion,
            "monetisation": self.monetisation,
            "free_episodes": self.free_episodes if paid else 0,
            "paywall_positions": (
                [self.free_episodes + 1, self.episode_count // 2] if paid else []
            ),
            "platform": platform,
            "planned_budget": Decimal(self.budget),
        }


# Reusable stretches of the state graph. A step is (transition, actor username, comment); a step
# whose name starts with "@" is an action run through a stage's services: the development stage's
# below, the production stage's in devdata/demo_production.py.
#   @file      the regulators approve the project's pending planning filings, in sequence
#   @invite    the content manager invites the platform's raters (who have yet to score)
#   @overdue   the project's review clocks ran out two days ago (the demo's late deadlines)
#   @rate      the platform's three raters (one per function) score the proposal
#   @greenlight the content manager decides "greenlight" (which fires the transition)
#   @revise    the content manager decides "revise" with the comment as a must-fix item
#   @address   the producer addresses every open feedback item of the round
#   @budget    the producer files a budget matching the planned one; the platform approves it
#   @contract  the content manager offers a contract from the greenlight, sends it, the producer
#              signs and the content manager countersigns (production needs it active)
def _submit(producer: str) -> list[tuple[str, str, str]]:
    return [("submit", producer, "Proposal, budget and sample script attached.")]


def _greenlight(producer: str, cm: str) -> list[tuple[str, str, str]]:
    return [
        *_submit(producer),
        ("@file", "", ""),
        ("@rate", cm, ""),
        ("@greenlight", cm, "Raters agree: standard traffic support."),
    ]


def _to_cut_review(producer: str, cm: str) -> list[tuple[str, str, str]]:
    return [
        *_greenlight(producer, cm),
        ("@budget", producer, ""),
        ("@contract", cm, ""),
        ("start_production", producer, "Contract signed; shooting starts Monday."),
        ("@deliver", producer, "Rough cut of all episodes uploaded."),
    ]


def _to_final_review(producer: str, cm: str) -> list[tuple[str, str, str]]:
    return [
        *_to_cut_review(producer, cm),
        ("@approve_cut", cm, "Cut approved; sending to finished-cut review."),
    ]


def _to_cleared(producer: str, cm: str) -> list[tuple[str, str, str]]:
    return [
        *_to_final_review(producer, cm),
        ("@final", "", "Finished cut approved; clearance number issued."),
    ]


def _to_released(producer: str, cm: str) -> list[tuple[str, str, str]]:
    return [
        *_to_cleared(producer, cm),
        ("@credits", producer, ""),
        ("release", cm, "Clearance number confirmed in the opening credits; live at 20:00."),
        ("@metrics", "", ""),
        ("@settle", "", ""),
    ]


GP, OP = "galaxy_producer", "orange_producer"
BCM, SCM = "bamboo_cm", "starfish_cm"

PROJECTS = [
    DemoProject(
        title="闪婚后，总裁他藏不住了 Flash Marriage: The CEO Can't Hide It",
        producer=GALAXY,
        platform=BAMBOO,
        budget="450000",
        state="draft",
        logline="She marries a stranger to dodge a blind date; he owns the company she works for.",
        synopsis=(
            "Xu Ran, a junior designer, marries a quiet man she met twice. At the Monday meeting "
            "the new chairman walks in: her husband, who has decided not to tell her yet."
        ),
        genre_tags=("romance", "CEO", "urban"),
    ),
    DemoProject(
        title="重生之我在横店当替身 Reborn as a Stunt Double in Hengdian",
        producer=ORANGE,
        platform=BAMBOO,
        budget="1200000",
        state="submitted",
        steps=[*_submit(OP), ("@invite", BCM, ""), ("@overdue", "", "")],
        logline="A fallen action star wakes up ten years younger, working as his rival's double.",
        synopsis=(
            "Betrayed by his agent, action star Lu Feng dies on set and wakes up in 2015 as an "
            "unknown stunt double. This time he knows every trap in the studio town."
        ),
        genre_tags=("rebirth", "showbiz", "revenge"),
    ),
    DemoProject(
        title="千金归来 The Heiress Returns",
        producer=GALAXY,
        platform=STARFISH,
        budget="280000",
        state="revising",
        steps=[
            *_submit(GP),
            ("@rate", SCM, ""),
            (
                "@revise",
                SCM,
                "Strong hook, but the paywall at episode 11 comes before the first reveal. "
                "Move the reveal earlier and tighten episodes 5-10.",
            ),
        ],
        logline="Swapped at birth, the real heiress comes home to a family that prefers the fake.",
        synopsis=(
            "Raised in a fishing village, Su Wan is brought back to the Su family at twenty-two. "
            "The adopted daughter has no intention of giving up her place."
        ),
        genre_tags=("family", "revenge"),
        episode_count=70,
    ),
    DemoProject(
        title="外卖小哥是战神 The Delivery Rider Is a War God",
        producer=ORANGE,
        platform=STARFISH,
        budget="650000",
        state="greenlit",
        steps=_greenlight(OP, SCM),
        logline="A retired special-forces legend delivers noodles, until someone threatens his daughter.",
        synopsis=(
            "Ye Chen hides from his past behind a delivery scooter in Hangzhou. When a loan shark "
            "targets his daughter's school, the city learns who he was."
        ),
        genre_tags=("action", "urban", "family"),
        episode_count=90,
        monetisation=Project.Monetisation.HYBRID,
    ),
    DemoProject(
        title="弄堂里的咖啡馆 The Café in the Lane",
        producer=GALAXY,
        platform=BAMBOO,
        budget="180000",
        state="in_production",
        steps=[
            *_greenlight(GP, BCM),
            ("@budget", GP, ""),
            ("@contract", BCM, ""),
            ("start_production", GP, "Contract signed; shooting in Jing'an next week."),
        ],
        logline="A barista in an old Shanghai lane brews one cup that lets customers relive a day.",
        synopsis=(
            "Every regular at Auntie Mei's café has one day they would change. Her grand-niece "
            "Xiaoyu inherits the shop, and the rule that each day can be relived only once."
        ),
        genre_tags=("healing", "fantasy", "slice of life"),
        episode_count=60,
        episode_length_seconds=120,
        monetisation=Project.Monetisation.FREE_AD,
    ),
    DemoProject(
        title="逆袭：从保安到董事长 From Security Guard to Chairman",
        producer=ORANGE,
        platform=BAMBOO,
        budget="520000",
        state="cut_review",
        steps=_to_cut_review(OP, BCM),
        logline="The night guard everyone mocks holds 40% of the company's shares.",
        synopsis=(
            "Zhang Hao took the guard's job to find out who ruined his father. The board is about "
            "to vote, and he has the deciding shares."
        ),
        genre_tags=("underdog", "business", "revenge"),
        episode_count=100,
        episode_length_seconds=75,
    ),
    DemoProject(
        title="九霄龙吟 Dragon's Cry Over the Nine Heavens",
        producer=GALAXY,
        platform=STARFISH,
        budget="1500000",
        state="cut_changes",
        steps=[
            *_to_cut_review(GP, SCM),
            (
                "@cut_findings",
                SCM,
                "12 00:41 The subtitles drift out of sync from here to the end of episode 18.\n"
                "40 01:02 The dragon effect is unfinished (grey-box render).\n"
                "Suggestion: 1 The cold open could be ten seconds shorter.",
            ),
        ],
        logline="A disgraced sword disciple bonds with the last dragon of a fallen sect.",
        synopsis=(
            "Expelled from Mount Yunxiao, Shen Yao finds a dragon egg in the ruins of the sect "
            "that was wiped out for sheltering it. Both sects want it back."
        ),
        genre_tags=("xianxia", "fantasy", "adventure"),
        source=Project.Source.ADAPTATION,
        rights_holder="云阅文学 Cloudread Literature",
        episode_count=96,
    ),
    DemoProject(
        title="替嫁新娘 The Substitute Bride",
        producer=ORANGE,
        platform=BAMBOO,
        budget="380000",
        state="final_review",
        steps=[
            *_to_cut_review(OP, BCM),
            ("@cut_findings", BCM, "3 00:12 The dialogue audio clips.\n27 01:05 The music clips."),
            ("@fix", OP, "Audio remixed from the stems."),
            ("@deliver", OP, "Audio remixed; both must-fix items addressed."),
            ("@approve_cut", BCM, "Cut approved; sending to the provincial bureau."),
        ],
        logline="Forced to marry in her sister's place, she finds the groom was expecting her.",
        synopsis=(
            "When her sister runs away the night before the wedding, Lin Xi wears the veil. The "
            "groom, a disfigured heir, knows at once, and asks her to stay anyway."
        ),
        genre_tags=("romance", "period"),
    ),
    DemoProject(
        title="西湖有约 A Date by West Lake",
        producer=ORANGE,
        platform=STARFISH,
        budget="720000",
        state="final_changes",
        steps=[
            *_to_final_review(OP, SCM),
            (
                "@final_changes",
                "zhejiang_reviewer",
                "9 00:30 A brand logo is visible on the cup.\n"
                "22 The drink-driving scene must go, or show its consequences.",
            ),
        ],
        logline="Two rival tea-house owners are matched by the same dating app, every single time.",
        synopsis=(
            "On the shore of West Lake, Qiao Yi and Fang Zheng run competing tea houses. An app "
            "keeps matching them, and the neighbourhood starts placing bets."
        ),
        genre_tags=("romance", "comedy"),
        episode_count=60,
    ),
    DemoProject(
        title="神医小娇妻 The Miracle Doctor's Wife",
        producer=GALAXY,
        platform=BAMBOO,
        budget="250000",
        state="cleared",
        # Tier OTHER: the platform's content manager is the finished-cut authority.
        steps=[*_to_cleared(GP, BCM), ("@credits", GP, ""), ("@schedule", BCM, "")],
        logline="A village doctor's acupuncture saves a tycoon; his family wants her gone.",
        synopsis=(
            "Ye Qing treats the man who collapsed at her clinic and ends up married into the Gu "
            "family, whose illnesses all seem to have the same cause."
        ),
        genre_tags=("medical", "romance", "family"),
    ),
    DemoProject(
        title="霸总的第99次求婚 The CEO's 99th Proposal",
        producer=GALAXY,
        platform=BAMBOO,
        budget="1100000",
        state="released",
        steps=[
            *_submit(GP),
            ("@file", "", ""),
            ("@rate", BCM, ""),
            (
                "@revise",
                BCM,
                "Episodes 30-45 repeat the same conflict; merge them and raise the stakes.",
            ),
            ("@address", GP, "Episodes 30-45 merged into 30-38; new rival introduced at 39."),
            ("resubmit", GP, "Episodes 30-45 merged into 30-38; new rival introduced at 39."),
            ("@rate", BCM, ""),
            ("@greenlight", BCM, "Home-page promotion and lead ad-sales title."),
            ("@budget", GP, ""),
            ("@contract", BCM, ""),
            ("start_production", GP, "Contract signed; budget approved."),
            ("@deliver", GP, "Fine cut uploaded."),
            ("@approve_cut", BCM, "Cut approved; sending to the Shanghai bureau."),
            ("@final", "", "Licence issued after the national re-review of a home-page title."),
            ("@credits", GP, ""),
            ("release", BCM, "Licence number confirmed in the credits; premiere Friday 20:00."),
            ("@audience", GP, ""),
            ("@metrics", "", ""),
            ("@settle", "", ""),
        ],
        homepage_promotion=True,
        logline="He has proposed 98 times. She said no to every one, for a reason he forgot.",
        synopsis=(
            "Tech CEO Lu Chen cannot understand why his childhood friend keeps turning him down. "
            "The answer is a promise he made at twelve and broke at thirteen."
        ),
        genre_tags=("romance", "CEO", "comedy"),
        episode_count=90,
    ),
    DemoProject(
        title="外滩钟声 Bells on the Bund",
        producer=GALAXY,
        platform=STARFISH,
        budget="800000",
        state="taken_down",
        steps=[
            *_to_released(GP, SCM),
            (
                "take_down",
                "shanghai_reviewer",
                "Complaints about the depiction of a real 1930s figure; offline pending review.",
            ),
        ],
        logline="A 1930s telegraph girl on the Bund decodes a message meant for someone else.",
        synopsis=(
            "Shanghai, 1936. Telegraphist Wen Su intercepts a coded order to kill the man she is "
            "meant to marry, and has one night to find out who sent it."
        ),
        genre_tags=("period", "suspense"),
        episode_count=72,
    ),
    DemoProject(
        title="穿越之我是皇后 Time-Travelling Empress",
        producer=ORANGE,
        platform=BAMBOO,
        budget="1800000",
        state="rejected",
        steps=[
            *_submit(OP),
            ("@file_first_check", "", ""),
            (
                "@reject_filing",
                "nrta_reviewer",
                "Planning filing not approved: the proposal distorts documented history.",
            ),
        ],
        logline="A history student wakes up as an empress the night before a palace coup.",
        synopsis=(
            "Graduate student Li Ruo knows exactly how the coup ends: badly for the empress. "
            "She now has to rewrite a dynasty's history without a single ally."
        ),
        genre_tags=("time travel", "palace", "history"),
        episode_count=100,
    ),
    DemoProject(
        title="小镇奶茶店 The Small-Town Milk Tea Shop",
        producer=GALAXY,
        platform=STARFISH,
        budget="120000",
        state="withdrawn",
        steps=[
            *_submit(GP),
            ("@rate", SCM, ""),
            ("@revise", SCM, "Too slow for the format: the first hook comes at 3 minutes."),
            ("withdraw", GP, "Withdrawn: the lead actress is no longer available."),
        ],
        logline="A burnt-out programmer opens a milk tea shop in her hometown.",
        synopsis=(
            "After her layoff, Chen Xi goes home to Anji and opens a tea shop. Her first customer "
            "is the boy who used to copy her homework, now the town's youngest mayor."
        ),
        genre_tags=("healing", "romance", "small town"),
        episode_count=50,
        monetisation=Project.Monetisation.FREE_AD,
    ),
    DemoProject(
        title="归途 The Way Home",
        producer=ORANGE,
        platform=STARFISH,
        budget="260000",
        state="completed",
        steps=[
            *_to_released(OP, SCM),
            ("complete", SCM, "Licence period over; residual statements settled."),
        ],
        logline="Three strangers share a car home for Spring Festival and one of them is lying.",
        synopsis=(
            "A ride-share from Hangzhou to Chongqing the week before Spring Festival: a nurse, a "
            "student and a man who says he is a teacher. The police are looking for one of them."
        ),
        genre_tags=("suspense", "road trip", "family"),
        episode_count=60,
        monetisation=Project.Monetisation.MEMBERSHIP,
    ),
]
