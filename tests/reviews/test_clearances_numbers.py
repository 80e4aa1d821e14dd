"""Clearance numbers: the shape of each kind, the issuer and the year in it, one register per kind."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from reviews import clearance_numbers
from reviews.models import Clearance
from reviews.services.clearances import clearance_record
from tests.factories import OrganisationFactory
from workflow.provinces import Province

SHANGHAI_TIME = ZoneInfo("Asia/Shanghai")
ISSUED = datetime(2024, 6, 1, 10, 0, tzinfo=SHANGHAI_TIME)


def record(world, project, number, *, kind="distribution_licence", issuer=None, actor=None, **kw):
    return clearance_record(
        project=project,
        kind=kind,
        number=number,
        issued_by=issuer or world.shanghai,
        actor=actor or world.shanghai_reviewer,
        issued_at=kw.pop("issued_at", ISSUED),
        **kw,
    )


def refusal(world, project, number, **kw) -> dict:
    with pytest.raises(ValidationError) as excinfo:
        record(world, project, number, **kw)
    assert not Clearance.objects.filter(project=project).exists()
    return excinfo.value.message_dict


@pytest.mark.parametrize(
    "given",
    [
        "（沪）网剧审字（2024）第012号",
        "(沪)网剧审字(2024)第012号",
        "  (沪)网剧审字（2024)第012号\n",
    ],
)
def test_a_provincial_licence_is_stored_with_full_width_brackets(world, make_project, given):
    clearance = record(world, make_project("final_review", tier="KEY"), given)

    assert clearance.number == "（沪）网剧审字（2024）第012号"
    assert Clearance.objects.get().number == "（沪）网剧审字（2024）第012号"


def test_the_national_administration_signs_its_licences_zongju(world, make_project):
    project = make_project("final_review", tier="KEY")
    clearance = record(
        world,
        project,
        "(总局)网剧审字(2024)第7号",
        issuer=world.nrta,
        actor=world.national_reviewer,
    )
    assert clearance.number == "（总局）网剧审字（2024）第7号"  # the serial is kept as given

    errors = refusal(
        world,
        make_project("final_review", tier="KEY"),
        "（沪）网剧审字（2024）第8号",
        issuer=world.nrta,
        actor=world.national_reviewer,
    )
    assert "（总局）网剧审字（2024）第001号" in errors["number"][0]


def test_an_online_registration_number_has_the_bei_word(world, make_project):
    clearance = record(
        world, make_project("final_review"), "(沪)网剧备字(2024)第015号", kind="online_registration"
    )
    assert clearance.number == "（沪）网剧备字（2024）第015号"

    errors = refusal(
        world,
        make_project("final_review"),
        "（沪）网剧审字（2024）第016号",
        kind="online_registration",
    )
    assert errors["number"][0].startswith("Expected a number like （沪）网剧备字（2024）第001号")


def test_a_wrong_year_is_refused(world, make_project):
    errors = refusal(
        world, make_project("final_review", tier="KEY"), "（沪）网剧审字（2023）第012号"
    )

    assert "（沪）网剧审字（2024）第001号" in errors["number"][0]
    assert "2023" in errors["number"][0]


def test_the_year_is_the_issue_date_in_china(world, make_project):
    # 31 December 2024, 20:00 UTC is already 1 January 2025 in Shanghai.
    new_year = datetime(2024, 12, 31, 20, 0, tzinfo=ZoneInfo("UTC"))
    project = make_project("final_review", tier="KEY")

    clearance = record(world, project, "（沪）网剧审字（2025）第001号", issued_at=new_year)

    assert clearance.number.endswith("（2025）第001号")


def test_another_issuers_abbreviation_is_refused(world, make_project):
    errors = refusal(
        world, make_project("final_review", tier="KEY"), "（浙）网剧审字（2024）第012号"
    )

    assert "Shanghai bureau issues its numbers as （沪）, not （浙）" in errors["number"][0]


@pytest.mark.parametrize(
    "given",
    [
        "沪网剧审字（2024）第012号",  # no brackets
        "（沪）网剧审字（2024）012号",  # no 第
        "（沪）网剧审字（2024）第12345号",  # five digits
        "（沪）网剧审字（24）第012号",  # two-digit year
        "（沪）网剧许字（2024）第012号",  # another word
        "",
    ],
)
def test_a_licence_of_another_shape_is_refused_with_the_expected_pattern(
    world, make_project, given
):
    errors = refusal(world, make_project("final_review", tier="KEY"), given)

    assert errors["number"][0].startswith("Expected a number like （沪）网剧审字（2024）第001号")


def test_a_licence_is_issued_by_a_regulator(world, make_project):
    errors = refusal(
        world,
        make_project("final_review", tier="KEY"),
        "（沪）网剧审字（2024）第012号",
        issuer=world.platform,
        actor=world.content_manager,
    )
    assert list(errors) == ["issued_by"]


def test_every_province_has_its_abbreviation(world):
    assert set(clearance_numbers.PROVINCE_ABBREVIATIONS) == set(Province)
    assert len(set(clearance_numbers.PROVINCE_ABBREVIATIONS.values())) == len(Province)
    guangdong = OrganisationFactory(
        name="Guangdong bureau", provincial_bureau=True, province="guangdong"
    )
    assert clearance_numbers.issuer_abbreviation(guangdong) == "粤"
    assert clearance_numbers.issuer_abbreviation(world.nrta) == "总局"
    assert clearance_numbers.issuer_abbreviation(world.platform) is None


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("  沪网剧备字（2025）第0417号 ", "沪网剧备字（2025）第0417号"),
        ("SH-2025-7", "SH-2025-7"),
        ("(沪)网剧备字(2026)第017号", "(沪)网剧备字(2026)第017号"),  # free-form: kept as given
    ],
)
def test_planning_filing_numbers_are_free_form(world, make_project, given, stored):
    clearance = record(world, make_project("submitted"), given, kind="planning_filing")
    assert clearance.number == stored


@pytest.mark.parametrize("given", ["SH", "  ", "A" * 101, "SH-2025\n-7"])
def test_free_form_numbers_are_3_to_100_characters_on_one_line(world, make_project, given):
    errors = refusal(world, make_project("submitted"), given, kind="planning_filing")
    assert "3 to 100 characters on one line" in errors["number"][0]


def test_the_platform_records_its_own_approval_numbers(world, make_project):
    project = make_project("final_review", tier="OTHER")
    clearance = record(
        world,
        project,
        " PP-APPROVAL-2024-88 ",
        kind="platform_approval",
        issuer=world.platform,
        actor=world.content_manager,
    )
    assert clearance.number == "PP-APPROVAL-2024-88"

    errors = refusal(
        world,
        make_project("final_review", tier="OTHER"),
        "PP-APPROVAL-2024-89",
        kind="platform_approval",
    )
    assert list(errors) == ["issued_by"]


def test_a_number_is_unique_per_kind_whoever_issued_it(world, make_project):
    record(world, make_project("submitted"), "SH-2024-001", kind="planning_filing")

    errors = refusal(
        world,
        make_project("submitted", producer=world.studio_b),
        "SH-2024-001",
        kind="planning_filing",
        issuer=world.zhejiang,
        actor=world.zhejiang_reviewer,
    )
    assert errors == {
        "number": ["Shanghai bureau has already issued the planning filing number SH-2024-001."]
    }
    # The same text under another kind is another number.
    record(world, make_project("submitted"), "SH-2024-001", kind="platform_approval",
           issuer=world.platform, actor=world.content_manager)  # fmt: skip
    assert Clearance.objects.count() == 2


def test_a_duplicate_written_half_width_is_the_same_number(world, make_project):
    record(world, make_project("final_review", tier="KEY"), "（沪）网剧审字（2024）第012号")

    errors = refusal(world, make_project("final_review", tier="KEY"), "(沪)网剧审字(2024)第012号")

    assert "has already issued" in errors["number"][0]


def test_full_width_digits_are_the_same_number(world, make_project):
    first = record(
        world, make_project("final_review", tier="KEY"), "（沪）网剧审字（２０２４）第０１２号"
    )
    assert first.number == "（沪）网剧审字（2024）第012号"

    errors = refusal(
        world, make_project("final_review", tier="KEY"), "（沪）网剧审字（2024）第012号"
    )

    assert "has already issued" in errors["number"][0]


def test_other_scripts_digits_are_not_a_licence_number(world, make_project):
    errors = refusal(
        world, make_project("final_review", tier="KEY"), "（沪）网剧审字（٢٠٢٤）第012号"
    )

    assert "Expected a number like" in errors["number"][0]


def test_expiry_cannot_precede_the_issue_date(world, make_project):
    project = make_project("final_review", tier="KEY")
    errors = refusal(
        world,
        project,
        "（沪）网剧审字（2024）第012号",
        expires_on=ISSUED.date() - timedelta(days=1),
    )
    assert list(errors) == ["expires_on"]

    clearance = record(world, project, "（沪）网剧审字（2024）第012号", expires_on=ISSUED.date())
    assert clearance.expires_on == ISSUED.date()


def test_the_issuing_organisation_still_records_its_own_numbers(world, make_project):
    from common.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        record(
            world,
            make_project("final_review", tier="KEY"),
            "（沪）网剧审字（2024）第012号",
            actor=world.zhejiang_reviewer,
        )
    assert not Clearance.objects.exists()


def test_the_demo_seeds_planning_filing_numbers_are_valid(world, make_project):
    """The seed records （沪）网剧备字（<year>）第<id>号 as planning filing numbers."""
    year = timezone.localdate().year
    for issuer, actor, prefix in [
        (world.shanghai, world.shanghai_reviewer, "沪"),
        (world.nrta, world.national_reviewer, "总局"),
    ]:
        project = make_project("submitted")
        number = f"（{prefix}）网剧备字（{year}）第{project.pk:03d}号"
        clearance = clearance_record(
            project=project,
            kind="planning_filing",
            number=number,
            issued_by=issuer,
            actor=actor,
        )
        assert clearance.number == number
