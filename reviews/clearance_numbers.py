"""The shape of clearance numbers, as data: what each kind looks like and who may issue it.

A distribution licence (网络剧片发行许可证) reads ``（总局）网剧审字（2024）第012号`` when the national
administration issues it and ``（沪）网剧审字（2023）第001号`` when a provincial bureau does: the
issuer's abbreviation, the word, the year of issue, the serial. The online filing registration
number of an ORDINARY drama is our assumption of the same shape with 网剧备字
(``（沪）网剧备字（2024）第015号``); change ``PATTERNS`` if the bureaus' practice differs.
Planning filing and platform approval numbers have no fixed shape: each issuer has its own.

Numbers are compared and stored normalised: surrounding whitespace dropped, half-width brackets
``(沪)`` written full-width ``（沪）``, full-width digits ``２０２４`` as ASCII ``2024`` (other
scripts' digits are refused), the serial kept as given (``第012号`` and ``第12号`` are two
numbers, as on paper).
"""

import re
from dataclasses import dataclass
from datetime import date

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from workflow.provinces import Province

NATIONAL_ABBREVIATION = "总局"

# The one-character abbreviation (简称) of each province, as used in licence numbers.
PROVINCE_ABBREVIATIONS: dict[str, str] = {
    Province.BEIJING: "京",
    Province.TIANJIN: "津",
    Province.HEBEI: "冀",
    Province.SHANXI: "晋",
    Province.INNER_MONGOLIA: "蒙",
    Province.LIAONING: "辽",
    Province.JILIN: "吉",
    Province.HEILONGJIANG: "黑",
    Province.SHANGHAI: "沪",
    Province.JIANGSU: "苏",
    Province.ZHEJIANG: "浙",
    Province.ANHUI: "皖",
    Province.FUJIAN: "闽",
    Province.JIANGXI: "赣",
    Province.SHANDONG: "鲁",
    Province.HENAN: "豫",
    Province.HUBEI: "鄂",
    Province.HUNAN: "湘",
    Province.GUANGDONG: "粤",
    Province.GUANGXI: "桂",
    Province.HAINAN: "琼",
    Province.CHONGQING: "渝",
    Province.SICHUAN: "川",
    Province.GUIZHOU: "黔",
    Province.YUNNAN: "滇",
    Province.TIBET: "藏",
    Province.SHAANXI: "陕",
    Province.GANSU: "甘",
    Province.QINGHAI: "青",
    Province.NINGXIA: "宁",
    Province.XINJIANG: "新",
}

FREE_FORM_MIN_LENGTH = 3
FREE_FORM_MAX_LENGTH = 100


@dataclass(frozen=True)
class NumberPattern:
    """A regulator-issued number: （issuer）<word>（year）第<serial>号."""

    word: str

    @property
    def regex(self) -> re.Pattern:
        return re.compile(
            rf"^（(?P<issuer>[^（）\s]{{1,4}})）{self.word}（(?P<year>[0-9]{{4}})）第(?P<serial>[0-9]{{1,4}})号$"
        )

    def example(self, issuer: str, year: int) -> str:
        return f"（{issuer}）{self.word}（{year}）第001号"


# Clearance kind -> the pattern its numbers follow; kinds not named here are free-form.
PATTERNS: dict[str, NumberPattern] = {
    "distribution_licence": NumberPattern(word="网剧审字"),
    "online_registration": NumberPattern(word="网剧备字"),
}

# Brackets are written full-width, digits ASCII (full-width digits are the same number).
CANONICAL_WIDTH = str.maketrans(
    {"(": "（", ")": "）", **{chr(0xFF10 + d): str(d) for d in range(10)}}
)


def issuer_abbreviation(organisation) -> str | None:
    """How a regulator names itself in its numbers; None for anyone else."""
    if organisation.kind != "regulator":
        return None
    if organisation.level == "national":
        return NATIONAL_ABBREVIATION
    return PROVINCE_ABBREVIATIONS.get(organisation.province)


def normalise(kind: str, number: str) -> str:
    number = (number or "").strip()
    if kind in PATTERNS:
        number = number.translate(CANONICAL_WIDTH)
    return number


def validate(*, kind: str, number: str, issued_by, issued_on: date) -> str:
    """The normalised number, or ValidationError on ``number`` saying what was expected."""
    number = normalise(kind, number)
    pattern = PATTERNS.get(kind)
    if pattern is None:
        if not FREE_FORM_MIN_LENGTH <= len(number) <= FREE_FORM_MAX_LENGTH or re.search(
            r"[\r\n\u2028\u2029]", number
        ):
            raise ValidationError(
                {
                    "number": _(
                        "Enter the number as issued: %(min)d to %(max)d characters on one line."
                    )
                    % {"min": FREE_FORM_MIN_LENGTH, "max": FREE_FORM_MAX_LENGTH}
                }
            )
        return number

    abbreviation = issuer_abbreviation(issued_by)
    if abbreviation is None:
        raise ValidationError({"issued_by": _("Only a regulator issues this kind of number.")})
    example = pattern.example(abbreviation, issued_on.year)
    match = pattern.regex.match(number)
    if match is None:
        raise ValidationError(
            {
                "number": _(
                    "Expected a number like %(example)s: the issuer's abbreviation in brackets, "
                    "%(word)s, the year of issue in brackets, then 第, 1 to 4 digits and 号."
                )
                % {"example": example, "word": pattern.word}
            }
        )
    if match["issuer"] != abbreviation:
        raise ValidationError(
            {
                "number": _(
                    "Expected a number like %(example)s: %(issuer)s issues its numbers as "
                    "（%(abbreviation)s）, not （%(given)s）."
                )
                % {
                    "example": example,
                    "issuer": issued_by.name,
                    "abbreviation": abbreviation,
                    "given": match["issuer"],
                }
            }
        )
    if int(match["year"]) != issued_on.year:
        raise ValidationError(
            {
                "number": _(
                    "Expected a number like %(example)s: the year in the number (%(given)s) must "
                    "be the year of issue (%(year)d)."
                )
                % {"example": example, "given": match["year"], "year": issued_on.year}
            }
        )
    return number
