"""Demo data: the organisations of the process, a user in every role and a dozen projects.

Every project reaches its state through ``services.project_transition`` with the actor the state
machine asks for, so the audit trail is the one a real project would leave. Running the command
again creates nothing: organisations are keyed by name, users by username, projects by title and
producer company.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from common.errors import DomainError
from devdata.demo_production import ProductionStage
from workflow import services
from workflow.models import Membership, Organisation, Project

DEMO_PASSWORD = "mdprod-demo"
EMAIL_DOMAIN = "demo.mdprod.example"

Kind = Organisation.Kind
Level = Organisation.Level
R = Membership.Role
F = Membership.RaterFunction

GALAXY = "上海星河影业 Shanghai Galaxy Pictures"
ORANGE = "杭州橙光短剧 Hangzhou Orange Light Dramas"
BAMBOO = "竹幕短剧 Bamboo Screen Shorts"
STARFISH = "海星剧场 Starfish Theatre"
NRTA = "国家广播电视总局 National Radio and Television Administration"
SHANGHAI_BUREAU = "上海市广播电视局 Shanghai Radio and Television Bureau"
ZHEJIANG_BUREAU = "浙江省广播电视局 Zhejiang Radio and Television Bureau"

ORGANISATIONS = [
    {"name": GALAXY, "kind": Kind.PRODUCER, "province": "shanghai"},
    {"name": ORANGE, "kind": Kind.PRODUCER, "province": "zhejiang"},
    {"name": BAMBOO, "kind": Kind.PLATFORM},
    {"name": STARFISH, "kind": Kind.PLATFORM},
    {"name": NRTA, "kind": Kind.REGULATOR, "level": Level.NATIONAL},
    {
        "name": SHANGHAI_BUREAU,
        "kind": Kind.REGULATOR,
        "level": Level.PROVINCIAL,
        "province": "shanghai",
    },
    {
        "name": ZHEJIANG_BUREAU,
        "kind": Kind.REGULATOR,
        "level": Level.PROVINCIAL,
        "province": "zhejiang",
    },
]


@dataclass(frozen=True)
class DemoUser:
    username: str
    first_name: str
    last_name: str
    organisation: str
    role: str
    rater_function: str = ""


USERS = [
    DemoUser("galaxy_producer", "Wei", "Chen", GALAXY, R.PRODUCER),
    DemoUser("galaxy_admin", "Hui", "Lin", GALAXY, R.ORG_ADMIN),
    DemoUser("orange_producer", "Jing", "Zhou", ORANGE, R.PRODUCER),
    DemoUser("orange_admin", "Lei", "Xu", ORANGE, R.ORG_ADMIN),
    DemoUser("bamboo_cm", "Na", "Wang", BAMBOO, R.CONTENT_MANAGER),
    DemoUser("bamboo_admin", "Tao", "Sun", BAMBOO, R.ORG_ADMIN),
    DemoUser("bamboo_rater_content", "Yan", "Liu", BAMBOO, R.RATER, F.CONTENT),
    DemoUser("bamboo_rater_business", "Qiang", "Zhao", BAMBOO, R.RATER, F.BUSINESS),
    DemoUser("bamboo_rater_marketing", "Fang", "Wu", BAMBOO, R.RATER, F.MARKETING),
    DemoUser("starfish_cm", "Min", "Huang", STARFISH, R.CONTENT_MANAGER),
    DemoUser("starfish_admin", "Gang", "He", STARFISH, R.ORG_ADMIN),
    DemoUser("starfish_rater_content", "Li", "Ma", STARFISH, R.RATER, F.CONTENT),
    DemoUser("starfish_rater_business", "Jun", "Guo", STARFISH, R.RATER, F.BUSINESS),
    DemoUser("starfish_rater_marketing", "Ping", "Luo", STARFISH, R.RATER, F.MARKETING),
    DemoUser("nrta_reviewer", "Hong", "Zheng", NRTA, R.REGULATOR_REVIEWER),
    DemoUser("shanghai_reviewer", "Bin", "Tang", SHANGHAI_BUREAU, R.REGULATOR_REVIEWER),
    DemoUser("zhejiang_reviewer", "Xia", "Feng", ZHEJIANG_BUREAU, R.REGULATOR_REVIEWER),
]
SUPERUSER = "admin"


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


REVIEWER_OF = {
    NRTA: "nrta_reviewer",
    SHANGHAI_BUREAU: "shanghai_reviewer",
    ZHEJIANG_BUREAU: "zhejiang_reviewer",
}
FILING_PREFIX = {NRTA: "总局", SHANGHAI_BUREAU: "沪", ZHEJIANG_BUREAU: "浙"}
# Budget split of the planned amount by category (shares of 100).
BUDGET_SPLIT = [
    ("script", 10),
    ("cast", 35),
    ("crew", 20),
    ("equipment", 8),
    ("locations", 7),
    ("post", 12),
    ("music", 3),
    ("marketing", 5),
]


class DevelopmentStage:
    """The seed's "@" steps: each one runs the development-stage services a real user would."""

    def __init__(self, project: Project, users: dict) -> None:
        self.project = project
        self.users = users

    def run(self, action: str, actor, comment: str) -> Project:
        getattr(self, action)(actor, comment)
        return Project.objects.select_related("producer", "platform").get(pk=self.project.pk)

    def _pending_filings(self):
        from reviews.models import RegulatoryReview

        return list(
            RegulatoryReview.objects.filter(project=self.project, status="pending")
            .select_related("authority")
            .order_by("sequence")
        )

    def _approve(self, review) -> None:
        from reviews.services.filings import regulatory_review_decide

        year = review.created_at.year
        regulatory_review_decide(
            review=review,
            actor=self.users[REVIEWER_OF[review.authority.name]],
            outcome="approve",
            filing_number=f"（{FILING_PREFIX[review.authority.name]}）网剧备字（{year}）第{self.project.pk:03d}号",
        )

    def file(self, actor, comment) -> None:
        for review in self._pending_filings():
            self._approve(review)

    def file_first_check(self, actor, comment) -> None:
        self._approve(self._pending_filings()[0])

    def reject_filing(self, actor, comment) -> None:
        from reviews.services.filings import regulatory_review_decide

        [review] = self._pending_filings()
        regulatory_review_decide(review=review, actor=actor, outcome="reject", comment=comment)

    def _evaluation(self):
        from reviews.models import Evaluation

        return Evaluation.objects.get(project=self.project, round=self.project.review_round)

    def rate(self, content_manager, comment) -> None:
        from reviews.services import evaluations

        evaluation = self._evaluation()
        criteria = list(evaluation.rubric.criteria.all())
        raters = Membership.objects.filter(
            organisation=self.project.platform, role=R.RATER
        ).select_related("user")
        # Scores vary by title and rater, deterministically, so the demo shows a spread.
        base = 6 + sum(map(ord, self.project.title)) % 3
        invited = {card.rater_id: card for card in evaluation.scorecards.all()}
        for offset, membership in enumerate(raters):
            # A resubmission re-invites the previous round's raters.
            scorecard = invited.get(membership.user_id) or evaluations.scorecard_invite(
                evaluation=evaluation, rater=membership.user, actor=content_manager
            )
            scores = {c.pk: min(10, base + (offset + i) % 3) for i, c in enumerate(criteria)}
            evaluations.scorecard_submit(
                scorecard=scorecard,
                actor=membership.user,
                scores=scores,
                comment="Strong hook; watch the pacing of the middle episodes.",
            )

    def invite(self, content_manager, comment) -> None:
        """Invite the platform's raters and leave them their scorecards to fill in."""
        from reviews.services import evaluations

        evaluation = self._evaluation()
        for membership in Membership.objects.filter(
            organisation=self.project.platform, role=R.RATER
        ).select_related("user"):
            evaluations.scorecard_invite(
                evaluation=evaluation, rater=membership.user, actor=content_manager
            )

    def overdue(self, actor, comment) -> None:
        """As if the proposal had been submitted weeks ago: its open review deadlines are two
        days overdue, so the reminder sweep reminds and escalates (demo data only)."""
        from datetime import timedelta

        from django.utils import timezone

        from workflow.models import Deadline

        Deadline.objects.filter(project=self.project, status=Deadline.Status.OPEN).update(
            due_at=timezone.now() - timedelta(days=2, hours=1)
        )

    def greenlight(self, content_manager, comment) -> None:
        from reviews.selectors.evaluations import evaluation_aggregate
        from reviews.services import evaluations

        evaluation = self._evaluation()
        grade = evaluation_aggregate(evaluation).suggested_grade or "B"
        evaluations.evaluation_decide(
            evaluation=evaluation,
            actor=content_manager,
            decision="greenlight",
            grade=grade,
            granted_budget=self.project.planned_budget,
            traffic_support=(self.project.planned_budget / 5).quantize(Decimal("1")),
            reason=comment,
        )

    def revise(self, content_manager, comment) -> None:
        from reviews.services import evaluations

        evaluations.evaluation_decide(
            evaluation=self._evaluation(),
            actor=content_manager,
            decision="revise",
            reason=comment,
            feedback_items=[{"text": comment, "category": "content", "severity": "must_fix"}],
        )

    def address(self, producer, comment) -> None:
        from reviews.models import FeedbackItem
        from reviews.services.feedback import feedback_item_respond

        for item in FeedbackItem.objects.filter(
            project=self.project, round=self.project.review_round, status="open"
        ):
            feedback_item_respond(item=item, actor=producer, status="addressed", response=comment)

    def budget(self, producer, comment) -> None:
        from budgets import services as budgets

        planned = self.project.planned_budget
        lines, left = [], planned
        for index, (category, share) in enumerate(BUDGET_SPLIT):
            amount = (
                left
                if index == len(BUDGET_SPLIT) - 1
                else (planned * share / 100).quantize(Decimal("0.01"))
            )
            left -= amount
            lines.append({"category": category, "planned": amount})
        budget = budgets.budget_create(project=self.project, actor=producer)
        budgets.budget_lines_replace(budget=budget, actor=producer, lines=lines)
        budgets.budget_submit(budget=budget, actor=producer)
        content_manager = next(
            m.user
            for m in Membership.objects.filter(
                organisation=self.project.platform, role=R.CONTENT_MANAGER
            ).select_related("user")
        )
        budgets.budget_approve(budget=budget, actor=content_manager)


def login_rows() -> list[tuple[str, str, str]]:
    """(username, organisation, role) for every demo login, superuser first."""
    rows = [(SUPERUSER, "-", "superuser (Django admin)")]
    for user in USERS:
        role = Membership.Role(user.role).label
        if user.rater_function:
            role = f"{role} ({Membership.RaterFunction(user.rater_function).label.lower()})"
        rows.append((user.username, user.organisation, str(role).lower()))
    return rows


class Command(BaseCommand):
    help = (
        f"Create demo organisations, users (password {DEMO_PASSWORD}) and projects in every "
        "state. Idempotent: what already exists is left as it is."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--force",
            action="store_true",
            help="Seed even with DEBUG off. The demo users have a published password.",
        )
        parser.add_argument(
            "--logins",
            action="store_true",
            help="Only print the demo logins; change nothing.",
        )

    def handle(self, *args, force: bool = False, logins: bool = False, **options):
        if logins:
            self._print_logins()
            return
        if not settings.DEBUG and not force:
            raise CommandError(
                "seed_demo creates a superuser and users with a published password, so it runs "
                "only with DJANGO_DEBUG=1 (make run sets it) or with --force."
            )
        with transaction.atomic():
            organisations, new_orgs = self._organisations()
            users, new_users = self._users(organisations)
            new_projects = self._projects(organisations, users)
        # The reminders the beat would send now (late deadlines included); idempotent.
        from workflow.reminders import reminders_sweep

        reminders = reminders_sweep()
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data: {new_orgs} organisations, {new_users} users and "
                f"{len(new_projects)} projects created "
                f"({len(ORGANISATIONS)}, {len(USERS) + 1} and {len(PROJECTS)} in the demo set)."
            )
        )
        for title, state in new_projects:
            self.stdout.write(f"  {state:<14} {title}")
        self.stdout.write(f"Reminders sent now: {reminders}.")
        self._print_logins()

    def _print_logins(self) -> None:
        rows = login_rows()
        width = max(len(username) for username, _, _ in rows)
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for username, organisation, role in rows:
            self.stdout.write(f"  {username:<{width}}  {role}, {organisation}")

    def _organisations(self) -> tuple[dict[str, Organisation], int]:
        organisations, created = {}, 0
        for spec in ORGANISATIONS:
            organisation = Organisation.objects.filter(name=spec["name"]).first()
            if organisation is None:
                organisation = Organisation(**spec)
                organisation.full_clean()
                organisation.save()
                created += 1
            organisations[spec["name"]] = organisation
        return organisations, created

    def _users(self, organisations: dict[str, Organisation]) -> tuple[dict, int]:
        User = get_user_model()
        created = 0
        if not User.objects.filter(username=SUPERUSER).exists():
            User.objects.create_superuser(
                SUPERUSER, email=f"{SUPERUSER}@{EMAIL_DOMAIN}", password=DEMO_PASSWORD
            )
            created += 1
        for spec in USERS:
            user, made = User.objects.get_or_create(
                username=spec.username,
                defaults={
                    "first_name": spec.first_name,
                    "last_name": spec.last_name,
                    "email": f"{spec.username.replace('_', '.')}@{EMAIL_DOMAIN}",
                },
            )
            if made:
                user.set_password(DEMO_PASSWORD)
                user.save(update_fields=["password"])
                created += 1
            membership = Membership(
                user=user,
                organisation=organisations[spec.organisation],
                role=spec.role,
                rater_function=spec.rater_function,
            )
            if not Membership.objects.filter(
                user=user, organisation=membership.organisation, role=spec.role
            ).exists():
                membership.full_clean()
                membership.save()
        # Fresh user objects: the permission checks cache memberships per user object.
        users = {
            u.username: u for u in User.objects.filter(username__in=[s.username for s in USERS])
        }
        return users, created

    def _projects(self, organisations: dict[str, Organisation], users: dict) -> list:
        created = []
        producer_of = {GALAXY: GP, ORANGE: OP}
        for spec in PROJECTS:
            producer = organisations[spec.producer]
            if Project.objects.filter(title=spec.title, producer=producer).exists():
                continue
            try:
                project = services.project_create(
                    actor=users[producer_of[spec.producer]],
                    producer=producer,
                    data=spec.proposal(organisations[spec.platform]),
                )
                for name, username, comment in spec.steps:
                    actor = users.get(username)
                    if name.startswith("@"):
                        action = name[1:]
                        stage = (
                            DevelopmentStage
                            if hasattr(DevelopmentStage, action)
                            else ProductionStage
                        )
                        project = stage(project, users).run(action, actor, comment)
                    else:
                        project = services.project_transition(
                            project=project, name=name, actor=actor, comment=comment
                        )
            except DomainError as exc:
                details = "; ".join([exc.detail, *exc.reasons])
                raise CommandError(f"Could not seed “{spec.title}”: {details}") from exc
            except ValidationError as exc:
                raise CommandError(f"Could not seed “{spec.title}”: {exc.messages}") from exc
            if project.state != spec.state:
                raise CommandError(
                    f"“{spec.title}” ended in {project.state}, expected {spec.state}."
                )
            created.append((spec.title, project.state))
        return created
