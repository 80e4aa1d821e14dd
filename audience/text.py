"""Text of audience signals: personal data redacted, authors pseudonymised, terms extracted.

Viewers post phone numbers, ID-card numbers and e-mail addresses in comments; none of them is
stored. Detection runs on the NFKC form of the text (full-width digits and ＠ written with a
Chinese input method become ASCII), and the matches are replaced in the text as posted.
"""

import hashlib
import hmac
import logging
import re
import tempfile
import threading
import unicodedata
from functools import cache
from pathlib import Path

from django.conf import settings

DATA_DIR = Path(__file__).resolve().parent / "data"

PHONE, ID_CARD, EMAIL = "[phone]", "[id]", "[email]"
PLACEHOLDERS = (PHONE, ID_CARD, EMAIL)

# A mainland mobile number: 1[3-9] and 9 more digits, spaces or dashes allowed between digits,
# with an optional +86 / 0086 / 86 country code. Not inside a longer run of digits (an order
# number, a timestamp).
_PHONE = re.compile(
    r"(?<![0-9])"
    r"(?:\(?(?:\+|00)86\)?[ \-]?|86[ \-]?)?"
    r"1[3-9](?:[ \-]?[0-9]){9}"
    r"(?![0-9])"
)
# Resident ID: 6-digit area, birth date, 3-digit sequence, check digit (0-9 or X); the 15-digit
# cards before 1999 have a 2-digit year and no check digit.
_ID_18 = re.compile(
    r"(?<![0-9])"
    r"[1-9][0-9]{5}[ \-]?(?:18|19|20)[0-9]{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])"
    r"[ \-]?[0-9]{3}[0-9Xx]"
    r"(?![0-9A-Za-z])"
)
_ID_15 = re.compile(
    r"(?<![0-9])"
    r"[1-9][0-9]{5}[0-9]{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])[0-9]{3}"
    r"(?![0-9])"
)
# ASCII local part and domain: a Chinese word right before or after ("邮箱abc@qq.com谢谢") is not
# part of the address.
_EMAIL = re.compile(
    r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}(?![A-Za-z0-9\-])"
)
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def id_checksum_ok(number: str) -> bool:
    """GB 11643: the 18th character is the check digit of the first 17."""
    digits = re.sub(r"[ \-]", "", number).upper()
    if len(digits) != 18 or not digits[:17].isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(digits[:17], _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11] == digits[17]


def _normalised_with_positions(text: str) -> tuple[str, list[int]]:
    """The NFKC form of ``text`` and, for each of its characters, the index it came from."""
    parts, positions = [], []
    for index, char in enumerate(text):
        form = unicodedata.normalize("NFKC", char) if not char.isascii() else char
        parts.append(form)
        positions.extend([index] * len(form))
    return "".join(parts), positions


def redact(text: str) -> tuple[str, int]:
    """``text`` with phone numbers, ID-card numbers and e-mail addresses replaced by
    ``[phone]``, ``[id]`` and ``[email]``, and how many were replaced."""
    if not text:
        return text, 0
    normal, positions = _normalised_with_positions(text)
    found: list[tuple[int, int, str]] = []
    for match in _ID_18.finditer(normal):
        if id_checksum_ok(match.group()):
            found.append((match.start(), match.end(), ID_CARD))
    found += [(m.start(), m.end(), ID_CARD) for m in _ID_15.finditer(normal)]
    found += [(m.start(), m.end(), PHONE) for m in _PHONE.finditer(normal)]
    found += [(m.start(), m.end(), EMAIL) for m in _EMAIL.finditer(normal)]
    if not found:
        return text, 0
    # Leftmost first, the longest of those starting together (an e-mail whose local part is a
    # phone number is one e-mail address).
    found.sort(key=lambda span: (span[0], -span[1]))
    pieces, cursor, count, taken_until = [], 0, 0, -1
    for start, end, placeholder in found:
        if start < taken_until:
            continue
        taken_until = end
        original_start, original_end = positions[start], positions[end - 1] + 1
        pieces += [text[cursor:original_start], placeholder]
        cursor = original_end
        count += 1
    pieces.append(text[cursor:])
    return "".join(pieces), count


# Authors ----------------------------------------------------------------------------------------


def _author_key() -> bytes:
    configured = getattr(settings, "AUDIENCE_AUTHOR_HASH_KEY", "")
    if configured:
        return configured.encode()
    # Derived, so that the hash of one account stays the same across imports; rotating
    # SECRET_KEY without setting AUDIENCE_AUTHOR_HASH_KEY splits every author in two.
    return hashlib.sha256(b"mdprod.audience.author-hash:" + settings.SECRET_KEY.encode()).digest()


def hash_author(platform: str, author_id: str) -> str:
    """The author as 64 hex characters: a keyed hash of platform and account id (the raw id is
    never stored; without the key it cannot be recovered by hashing guessed ids)."""
    message = f"{platform.strip().lower()}\x00{author_id.strip()}".encode()
    return hmac.new(_author_key(), message, hashlib.sha256).hexdigest()


# Normalised text (duplicates, automation) -------------------------------------------------------


def normalise(text: str) -> str:
    """Letters and digits only, case-folded, NFKC: "好看！！" and "好看" are the same text, and so
    are "More please" and "more please :)"."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return "".join(char for char in folded if unicodedata.category(char)[0] in "LN")


def text_key(text: str) -> str:
    """The hash of ``normalise(text)`` (64 hex characters; "" for a text with no letter or
    digit): signals with the same key say the same thing."""
    key = normalise(text)
    return hashlib.sha256(key.encode()).hexdigest() if key else ""


# Terms ------------------------------------------------------------------------------------------

TERM_MAX_LENGTH = 50
_PLACEHOLDER_RE = re.compile(r"\[(?:phone|id|email)\]")
_APOSTROPHE_RE = re.compile(r"(?<=[a-z])['’](?=[a-z])")
_HAN_RE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN_RE = re.compile(r"[a-z]")
_ANY_RE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaffa-z]")
_tokenizer_lock = threading.Lock()
_tokenizer_instance = None


def _words(name: str) -> frozenset[str]:
    lines = (DATA_DIR / name).read_text(encoding="utf-8").splitlines()
    return frozenset(
        line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")
    )


@cache
def stop_words() -> frozenset[str]:
    return _words("stopwords_zh.txt") | _words("stopwords_en.txt")


@cache
def romanised_name_syllables() -> frozenset[str]:
    lines = (DATA_DIR / "romanised_names.txt").read_text(encoding="utf-8").splitlines()
    return frozenset(
        word for line in lines if not line.lstrip().startswith("#") for word in line.split()
    )


@cache
def _dictionary_words() -> frozenset[str]:
    lines = (DATA_DIR / "userdict.txt").read_text(encoding="utf-8").splitlines()
    return frozenset(line.split()[0] for line in lines if line.strip())


# jieba's own dictionary has "太帅" and "好爽": counted apart from "帅" and "爽", the same
# reaction would be split over its degrees. A degree adverb before one of our words goes.
_DEGREE_PREFIXES = ("太", "很", "好", "真", "超", "挺", "最", "巨")


def _without_degree(token: str) -> str:
    if len(token) > 1 and token.startswith(_DEGREE_PREFIXES) and token[1:] in _dictionary_words():
        return token[1:]
    return token


def _cache_dir() -> str:
    var_dir = getattr(settings, "VAR_DIR", None)
    if var_dir is not None:
        path = Path(var_dir) / "jieba"
        try:
            path.mkdir(parents=True, exist_ok=True)
        except OSError:
            pass
        else:
            return str(path)
    return tempfile.gettempdir()


def _tokenizer():
    """jieba's tokenizer with the micro-drama dictionary, built once per process on first use
    (about a second: it reads its dictionary, or its cache in ``VAR_DIR/jieba``)."""
    global _tokenizer_instance
    if _tokenizer_instance is None:
        with _tokenizer_lock:
            if _tokenizer_instance is None:
                import jieba

                jieba.setLogLevel(logging.WARNING)  # it logs every dictionary load to stderr
                tokenizer = jieba.Tokenizer()
                tokenizer.tmp_dir = _cache_dir()
                tokenizer.load_userdict(str(DATA_DIR / "userdict.txt"))
                _tokenizer_instance = tokenizer
    return _tokenizer_instance


def is_noise(token: str) -> bool:
    """A token that says nothing about the drama on its own: a stop word (English or Chinese), a
    single character (one letter, or one Chinese character that is not one of the dictionary's
    reactions such as 爽, 虐, 甜), or a fragment of a romanised name ("chen" of "Lu Chen")."""
    if token in stop_words():
        return True
    if _HAN_RE.search(token):
        return len(token) == 1 and token not in _dictionary_words()
    if not _LATIN_RE.search(token) or len(token) == 1:
        return True
    return token in romanised_name_syllables()


def terms(text: str) -> set[str]:
    """The distinct terms of ``text``: Chinese segmented by jieba (with the micro-drama
    dictionary; without its HMM guesses, which glue "太" to "甜"), English words lower-cased;
    noise (``is_noise``), numbers, punctuation and the redaction placeholders left out."""
    if not text:
        return set()
    cleaned = _PLACEHOLDER_RE.sub(" ", unicodedata.normalize("NFKC", text).lower())
    cleaned = _APOSTROPHE_RE.sub("", cleaned)
    if not _ANY_RE.search(cleaned):
        return set()
    found = set()
    for token in _tokenizer().cut(cleaned, HMM=False):
        token = _without_degree(token.strip())
        if token and len(token) <= TERM_MAX_LENGTH and not is_noise(token):
            found.add(token)
    return found
