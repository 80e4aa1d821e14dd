"""What the generated data looks like: organisations, people, states and their shares."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password

from reviews.models import Criterion, Rubric
from workflow.models import DeadlineKind, Membership, Organisation, ProjectState

S = ProjectState
R = Membership.Role
PREFIX = "Load"
PASSWORD = "mdprod-load"  # noqa: S105 (every generated user's, for trying the pages by hand)
CHUNK = 2000
LINES_PER_BUDGET = 6
SCORECARDS = 5
DEADLINES = 8
METRIC_EPISODES = 20
METRIC_DAYS = 30
PROVINCES = ("shanghai", "zhejiang", "beijing", "guangdong")
PRODUCERS = 20
PLATFORMS = 5
RATER_FUNCTIONS = ("content", "content", "business", "business", "marketing", "marketing")
CRITERIA = ("Hook", "Story", "Commercial potential")

# The transitions from draft to each state (the shortest usual path).
_CUT = ["submit", "greenlight", "start_production", "submit_cut"]
_FINAL = [*_CUT, "approve_cut"]
_RELEASED = [*_FINAL, "clear", "release"]
PATHS: dict[str, list[str]] = {
    S.DRAFT: [],
    S.SUBMITTED: ["submit"],
    S.REVISING: ["submit", "request_revision"],
    S.GREENLIT: ["submit", "greenlight"],
    S.IN_PRODUCTION: ["submit", "greenlight", "start_production"],
    S.CUT_REVIEW: _CUT,
    S.CUT_CHANGES: [*_CUT, "request_cut_changes"],
    S.FINAL_REVIEW: _FINAL,
    S.FINAL_CHANGES: [*_FINAL, "request_final_changes"],
    S.CLEARED: [*_FINAL, "clear"],
    S.RELEASED: _RELEASED,
    S.TAKEN_DOWN: [*_RELEASED, "take_down"],
    S.COMPLETED: [*_RELEASED, "complete"],
    S.REJECTED: ["submit", "reject"],
    S.WITHDRAWN: ["submit", "request_revision", "withdraw"],
}
# Share of projects per state: most are somewhere in the pipeline, fewer live (each live one
# brings 600 metric rows).
WEIGHTS: dict[str, int] = {
    S.DRAFT: 10,
    S.SUBMITTED: 12,
    S.REVISING: 6,
    S.GREENLIT: 6,
    S.IN_PRODUCTION: 10,
    S.CUT_REVIEW: 6,
    S.CUT_CHANGES: 4,
    S.FINAL_REVIEW: 5,
    S.FINAL_CHANGES: 3,
    S.CLEARED: 4,
    S.RELEASED: 6,
    S.TAKEN_DOWN: 1,
    S.COMPLETED: 3,
    S.REJECTED: 8,
    S.WITHDRAWN: 5,
}
LIVE = frozenset({S.RELEASED, S.TAKEN_DOWN, S.COMPLETED})
CLEARED_ON = frozenset({S.CLEARED, *LIVE})
# Who fires each transition: the producer, the platform's content manager or the regulator.
ACTOR = {
    "submit": "producer",
    "resubmit": "producer",
    "withdraw": "producer",
    "start_production": "producer",
    "submit_cut": "producer",
    "resubmit_cut": "producer",
    "resubmit_final": "producer",
    "greenlight": "platform",
    "request_revision": "platform",
    "reject": "platform",
    "approve_cut": "platform",
    "request_cut_changes": "platform",
    "release": "platform",
    "take_down": "platform",
    "complete": "platform",
    "clear": "regulator",
    "request_final_changes": "regulator",
    "reinstate": "regulator",
}
# The deadline kinds of a project's history, and who answers each.
DEADLINE_KINDS = (
    (DeadlineKind.EVALUATION, "platform", R.CONTENT_MANAGER),
    (DeadlineKind.PLANNING_FILING, "regulator", R.REGULATOR_REVIEWER),
    (DeadlineKind.PRODUCER_RESPONSE, "producer", R.PRODUCER),
    (DeadlineKind.CUT_REVIEW, "platform", R.CONTENT_MANAGER),
    (DeadlineKind.FINAL_REVIEW, "regulator", R.REGULATOR_REVIEWER),
    (DeadlineKind.RELEASE_DATE, "platform", R.CONTENT_MANAGER),
    (DeadlineKind.INSTALLMENT_DUE, "platform", R.CONTENT_MANAGER),
    (DeadlineKind.EXCLUSIVITY_END, "producer", R.PRODUCER),
)
GENRES = ("romance", "CEO", "revenge", "rebirth", "period", "fantasy", "family", "mystery", "urban")
TITLE_A = ("闪婚", "重生", "豪门", "逆袭", "千金", "战神", "神医", "赘婿", "总裁", "萌宝")
TITLE_B = ("归来", "的秘密", "不好惹", "宠上天", "藏不住了", "复仇记", "在身边", "传奇", "有点甜")
BUDGET_SHARES = (
    ("script", Decimal("0.08")),
    ("cast", Decimal("0.30")),
    ("crew", Decimal("0.22")),
    ("locations", Decimal("0.10")),
    ("post", Decimal("0.15")),
)  # the rest: marketing


@dataclass
class Party:
    organisation: Organisation
    users: dict[str, list[int]] = field(default_factory=dict)  # role -> user ids


@dataclass
class Cast:
    """The organisations and people the generated projects are spread over."""

    producers: list[Party]
    platforms: list[Party]
    national: Party
    bureaus: dict[str, Party]  # province -> provincial bureau
    criteria: dict[int, list[int]]  # platform id -> criterion ids of its active rubric


def _user(username: str, password_hash: str):
    User = get_user_model()
    user, _ = User.objects.get_or_create(
        username=username,
        defaults={"password": password_hash, "email": f"{username}@load.mdprod.example"},
    )
    return user.pk


def _party(
    name: str,
    kind: str,
    slug: str,
    roles: Sequence[tuple[str, str]],
    password_hash: str,
    **org_fields,
) -> Party:
    organisation, _ = Organisation.objects.get_or_create(
        name=name, defaults={"kind": kind, **org_fields}
    )
    party = Party(organisation)
    for index, (role, function) in enumerate(roles, start=1):
        user_id = _user(f"load_{slug}_{role}{index}", password_hash)
        Membership.objects.get_or_create(
            user_id=user_id,
            organisation=organisation,
            role=role,
            defaults={"rater_function": function},
        )
        party.users.setdefault(role, []).append(user_id)
    return party


def cast() -> Cast:
    """The organisations, users and rubrics (created once, found again by name)."""
    password_hash = make_password(PASSWORD)
    producers = [
        _party(
            f"{PREFIX} producer {index:02d}",
            Organisation.Kind.PRODUCER,
            f"producer{index:02d}",
            [(R.PRODUCER, ""), (R.PRODUCER, ""), (R.ORG_ADMIN, "")],
            password_hash,
            province=PROVINCES[index % len(PROVINCES)],
        )
        for index in range(1, PRODUCERS + 1)
    ]
    platforms = [
        _party(
            f"{PREFIX} platform {index}",
            Organisation.Kind.PLATFORM,
            f"platform{index}",
            [(R.CONTENT_MANAGER, ""), (R.CONTENT_MANAGER, ""), (R.ORG_ADMIN, "")]
            + [(R.RATER, function) for function in RATER_FUNCTIONS],
            password_hash,
        )
        for index in range(1, PLATFORMS + 1)
    ]
    national = _party(
        f"{PREFIX} national administration",
        Organisation.Kind.REGULATOR,
        "national",
        [(R.REGULATOR_REVIEWER, "")],
        password_hash,
        level=Organisation.Level.NATIONAL,
    )
    bureaus = {
        province: _party(
            f"{PREFIX} bureau {province}",
            Organisation.Kind.REGULATOR,
            f"bureau_{province}",
            [(R.REGULATOR_REVIEWER, "")],
            password_hash,
            level=Organisation.Level.PROVINCIAL,
            province=province,
        )
        for province in PROVINCES
    }
    criteria = {}
    for party in platforms:
        rubric = Rubric.objects.filter(platform=party.organisation, is_active=True).first()
        if rubric is None:
            rubric = Rubric.objects.create(
                platform=party.organisation, name=f"{party.organisation.name} rubric"
            )
            Criterion.objects.bulk_create(
                Criterion(rubric=rubric, name=name, position=position)
                for position, name in enumerate(CRITERIA)
            )
        criteria[party.organisation.pk] = list(
            rubric.criteria.order_by("position", "id").values_list("pk", flat=True)
        )
    return Cast(producers, platforms, national, bureaus, criteria)
