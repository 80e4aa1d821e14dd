"""The demo's cast: the organisations of the process and a user in every role."""

from dataclasses import dataclass

from workflow.models import Membership, Organisation

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


def login_rows() -> list[tuple[str, str, str]]:
    """(username, organisation, role) for every demo login, superuser first."""
    rows = [(SUPERUSER, "-", "superuser (Django admin)")]
    for user in USERS:
        role = Membership.Role(user.role).label
        if user.rater_function:
            role = f"{role} ({Membership.RaterFunction(user.rater_function).label.lower()})"
        rows.append((user.username, user.organisation, str(role).lower()))
    return rows
