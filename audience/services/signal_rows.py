"""Reading one audience signal row (a CSV line or an API item): columns, times, kinds, fingerprint."""

import hashlib
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from datetime import timezone as dt_timezone
from typing import IO, Any
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audience.models import AudienceSignal
from audience.text import normalise
from common.spreadsheets import csv_dict_rows
from common.values import parse_whole
from workflow.models import Project

# Platform exports give China time; a time without an offset is read as such.
CHINA = ZoneInfo("Asia/Shanghai")


COLUMNS = (
    "platform",
    "kind",
    "episode",
    "clip",
    "posted_at",
    "author_id",
    "text",
    "likes",
    "offset_seconds",
)


REQUIRED_COLUMNS = ("platform", "kind", "posted_at", "author_id", "text")


MAX_TEXT_LENGTH = 5000


MAX_AUTHOR_ID_LENGTH = 200


MAX_PLATFORM_LENGTH = 40


MAX_INT = 2_147_483_647


KIND_ALIASES = {
    "评论": AudienceSignal.Kind.COMMENT,
    "弹幕": AudienceSignal.Kind.DANMU,
    "转发": AudienceSignal.Kind.REPOST,
    "标签": AudienceSignal.Kind.TAG,
}


# A repost may carry no words of its own; the other kinds are their text.
TEXT_OPTIONAL_KINDS = frozenset({AudienceSignal.Kind.REPOST})


_DATETIME = re.compile(
    r"(?P<y>[0-9]{4})[-/](?P<m>[0-9]{1,2})[-/](?P<d>[0-9]{1,2})"
    r"(?:[T ](?P<H>[0-9]{1,2}):(?P<M>[0-9]{2})(?::(?P<S>[0-9]{2})(?:\.(?P<f>[0-9]{1,6}))?)?)?"
    r"\s*(?P<tz>Z|[+-][0-9]{2}:?[0-9]{2})?"
)


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _offset(text: str) -> dt_timezone:
    if text == "Z":
        return UTC
    digits = text[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:])
    if hours > 14 or minutes > 59:
        raise ValueError(text)
    delta = timedelta(hours=hours, minutes=minutes)
    return dt_timezone(-delta if text[0] == "-" else delta)


def parse_posted_at(value: Any, *, now: datetime) -> datetime:
    if isinstance(value, datetime):
        moment = value
    else:
        text = _text(value)
        if not text:
            raise ValidationError(_("This field is required."))
        match = _DATETIME.fullmatch(text)
        message = _(
            "Enter a date and time such as 2026-03-01 20:15 (China time) or 2026-03-01T12:15:00Z."
        )
        if match is None:
            raise ValidationError(message)
        parts = match.groupdict()
        try:
            moment = datetime(  # noqa: DTZ001  (made aware below: its offset, or China time)
                int(parts["y"]),
                int(parts["m"]),
                int(parts["d"]),
                int(parts["H"] or 0),
                int(parts["M"] or 0),
                int(parts["S"] or 0),
                int((parts["f"] or "0").ljust(6, "0")),
            )
            if parts["tz"]:
                moment = moment.replace(tzinfo=_offset(parts["tz"]))
        except ValueError as exc:
            raise ValidationError(message) from exc
    if timezone.is_naive(moment):
        moment = moment.replace(tzinfo=CHINA)
    if moment > now:
        raise ValidationError(_("The time is in the future."))
    return moment


def _optional_whole(value: Any, *, maximum: int = MAX_INT) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return parse_whole(value, maximum=maximum)


@dataclass
class RowTargets:
    """What a row is checked against: the project's episodes and clips, read once."""

    project: Project
    episodes: dict[int, tuple[int, int | None]]  # number -> (id, duration)
    clips: dict[str, int]  # code -> id


def signal_row_parse(
    raw: Mapping[str, Any], *, target: RowTargets, now: datetime
) -> tuple[dict, dict[str, str]]:
    """The row's values and a message per bad field (unknown fields included)."""
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for name in sorted(set(raw) - set(COLUMNS) - {None}, key=str):
        errors[str(name)] = str(_("Unknown field."))
    structured = {name for name in COLUMNS if isinstance(raw.get(name), list | dict | tuple | set)}
    raw = {name: value for name, value in raw.items() if name not in structured}
    if None in raw:  # csv.DictReader puts the values past the last column under None
        errors["row"] = str(_("This line has more values than the header has columns."))

    platform = _text(raw.get("platform")).lower()
    if not platform:
        errors["platform"] = str(_("This field is required."))
    elif len(platform) > MAX_PLATFORM_LENGTH:
        errors["platform"] = str(_("Use at most %(max)d characters.")) % {
            "max": MAX_PLATFORM_LENGTH
        }
    values["platform"] = platform

    kind_text = _text(raw.get("kind"))
    kind = KIND_ALIASES.get(kind_text, kind_text.lower())
    if kind not in AudienceSignal.Kind.values:
        errors["kind"] = str(_("Choose one of: %(kinds)s.")) % {
            "kinds": ", ".join(AudienceSignal.Kind.values)
        }
    values["kind"] = kind

    episode_text, clip_code = _text(raw.get("episode")), _text(raw.get("clip"))
    values["episode_id"] = values["clip_id"] = values["duration"] = None
    values["target"] = ""
    if episode_text and clip_code:
        errors["clip"] = str(_("Give an episode or a test clip, not both."))
    elif not episode_text and not clip_code:
        errors["episode"] = str(_("Give the episode number or the test clip's code."))
    elif episode_text:
        try:
            number = parse_whole(raw.get("episode"), minimum=1, maximum=32767)
        except ValidationError as exc:
            errors["episode"] = " ".join(exc.messages)
        else:
            found = target.episodes.get(number)
            if found is None:
                errors["episode"] = str(_("This project has no episode %(number)d.")) % {
                    "number": number
                }
            else:
                values["episode_id"], values["duration"] = found
                values["target"] = f"episode:{number}"
    else:
        clip_id = target.clips.get(clip_code)
        if clip_id is None:
            errors["clip"] = str(_("This project has no test clip “%(code)s”.")) % {
                "code": clip_code[:50]
            }
        else:
            values["clip_id"] = clip_id
            values["target"] = f"clip:{clip_code}"

    try:
        values["posted_at"] = parse_posted_at(raw.get("posted_at"), now=now)
    except ValidationError as exc:
        errors["posted_at"] = " ".join(exc.messages)

    author_id = _text(raw.get("author_id"))
    if not author_id:
        errors["author_id"] = str(_("This field is required."))
    elif len(author_id) > MAX_AUTHOR_ID_LENGTH:
        errors["author_id"] = str(_("Use at most %(max)d characters.")) % {
            "max": MAX_AUTHOR_ID_LENGTH
        }
    values["author_id"] = author_id

    text = _text(raw.get("text"))
    if not text and kind not in TEXT_OPTIONAL_KINDS:
        errors["text"] = str(_("This field is required (only a repost may have no text)."))
    elif len(text) > MAX_TEXT_LENGTH:
        errors["text"] = str(_("Use at most %(max)d characters.")) % {"max": MAX_TEXT_LENGTH}
    values["text"] = text

    for name in ("likes", "offset_seconds"):
        try:
            values[name] = _optional_whole(raw.get(name))
        except ValidationError as exc:
            errors[name] = " ".join(exc.messages)
    values["likes"] = values.get("likes") or 0
    offset, duration = values.get("offset_seconds"), values["duration"]
    if offset is not None and duration is not None and offset > duration:
        errors["offset_seconds"] = str(
            _("The episode is %(duration)d seconds long; enter 0 to %(duration)d.")
        ) % {"duration": duration}
    return values, errors


def fingerprint(*, platform: str, kind: str, target: str, author: str, posted_at, text: str):
    """The same signal imported twice: same platform, kind, episode or clip, author, time and
    normalised text."""
    moment = posted_at.astimezone(CHINA).isoformat()
    source = "\x1f".join([platform, kind, target, author, moment, normalise(text)])
    return hashlib.sha256(source.encode()).hexdigest()


def _column_name(name: str) -> str:
    return name.strip().lstrip("\ufeff").lower()


def signals_csv_rows(stream: IO[str]) -> Iterator[tuple[int, dict[str, str]]]:
    """The data rows of a signals CSV with the line each starts on (the header is line 1).

    Open the file with ``encoding="utf-8-sig"`` (spreadsheet tools write a byte-order mark).
    The header is checked at once: a missing or unknown column is refused (on ``header``).
    ``episode`` and ``clip`` may either be left out, not both; so may ``likes`` and
    ``offset_seconds``.
    """
    return csv_dict_rows(
        stream,
        columns=COLUMNS,
        required=(*REQUIRED_COLUMNS, ("episode", "clip")),
        normalise=_column_name,
    )
