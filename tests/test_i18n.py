"""The Simplified Chinese catalogue is complete and the UI and API speak it.

The catalogue checks read locale/zh_Hans/LC_MESSAGES/django.po with a small parser of their own,
independent of the polib that compiles it. The rendering checks need the compiled .mo, which is
not in git: tests/conftest.py compiles it once per session (mdprod.catalogues, no gettext needed).
"""

import re
from collections import Counter
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

PO_FILE = Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
PLACEHOLDER = re.compile(r"%\([a-z_]+\)[sd]|%[sd]|\{[a-z_]+\}")
_ESCAPES = {"n": "\n", "t": "\t", '"': '"', "\\": "\\"}


def _unquote(text: str) -> str:
    assert len(text) >= 2, text
    assert text[0] == text[-1] == '"', text
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), m.group(0)), text[1:-1])


def parse_po(path: Path) -> list[dict]:
    """Entries of a .po file: {"flags", "msgid", "msgid_plural", "msgstr": {index: text}}.

    Obsolete entries (#~) and comments other than flags are skipped.
    """
    entries, entry, field = [], None, None

    def finish():
        if entry is not None and "msgid" in entry:
            entries.append(entry)

    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line:
            finish()
            entry, field = None, None
            continue
        if entry is None:
            entry = {"flags": set(), "msgstr": {}}
        if line.startswith("#,"):
            entry["flags"].update(flag.strip() for flag in line[2:].split(","))
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            if isinstance(field, int):
                entry["msgstr"][field] += _unquote(line)
            else:
                entry[field] += _unquote(line)
        else:
            keyword, _, value = line.partition(" ")
            indexed = re.fullmatch(r"msgstr\[(\d+)\]", keyword)
            if indexed:
                field = int(indexed.group(1))
                entry["msgstr"][field] = _unquote(value)
            elif keyword == "msgstr":
                field = 0
                entry["msgstr"][0] = _unquote(value)
            else:
                assert keyword in ("msgid", "msgid_plural", "msgctxt"), raw
                field = keyword
                entry[field] = _unquote(value)
    finish()
    return entries


@pytest.fixture(scope="module")
def catalogue():
    entries = parse_po(PO_FILE)
    header = next(e for e in entries if e["msgid"] == "")
    messages = [e for e in entries if e["msgid"] != ""]
    return header, messages


def test_the_catalogue_header_is_final(catalogue):
    header, _ = catalogue
    assert "fuzzy" not in header["flags"]
    text = header["msgstr"][0]
    assert "Language: zh_Hans\n" in text
    assert "Plural-Forms: nplurals=1; plural=0;\n" in text
    assert "charset=UTF-8" in text


def test_every_message_is_translated_and_none_is_fuzzy(catalogue):
    _, messages = catalogue
    assert len(messages) > 500
    fuzzy = [e["msgid"] for e in messages if "fuzzy" in e["flags"]]
    untranslated = [e["msgid"] for e in messages if not all(e["msgstr"].values())]
    assert fuzzy == []
    assert untranslated == []
    plural = [e for e in messages if "msgid_plural" in e]
    assert plural, "the catalogue has plural messages"
    assert all(set(e["msgstr"]) == {0} for e in plural), "nplurals=1: msgstr[0] only"


def test_translations_keep_every_placeholder(catalogue):
    _, messages = catalogue
    mismatched = []
    for entry in messages:
        source = entry.get("msgid_plural", entry["msgid"])
        expected = Counter(PLACEHOLDER.findall(source))
        for text in entry["msgstr"].values():
            if Counter(PLACEHOLDER.findall(text)) != expected:
                mismatched.append((entry["msgid"], text))
    assert mismatched == []


# Rendering: needs the compiled catalogue -----------------------------------------------------


@pytest.fixture(autouse=True)
def _english_afterwards():
    """Requests activate the language they negotiate; leave English to the next test."""
    with translation.override(settings.LANGUAGE_CODE):
        yield


def test_the_language_switch_sticks(client, world, make_project):
    project = make_project("draft")
    change = reverse("admin:workflow_project_change", args=[project.pk])
    client.force_login(world.producer_a)

    page = client.get(reverse("admin:index")).content.decode()
    assert "Workspace" in page
    # The switch is a plain form: no JavaScript needed.
    assert f'action="{reverse("set_language")}"' in page
    assert '<select name="language"' in page
    assert '<option value="zh-hans"' in page
    assert '<input type="hidden" name="next" value="/admin/">' in page

    response = client.post(reverse("set_language"), {"language": "zh-hans", "next": change})
    assert response.status_code == 302
    assert response.url == change
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "zh-hans"

    page = client.get(change).content.decode()
    assert '<html lang="zh-hans"' in page
    assert "下一步" in page  # Next step
    assert "项目提案" in page  # the Proposal fieldset
    assert "草稿" in page  # the state badge: Draft
    assert "语言" in page  # the switch's own label
    assert client.get(reverse("admin:index")).content.decode().count("工作台") >= 1

    client.post(reverse("set_language"), {"language": "en", "next": "/admin/"})
    page = client.get(reverse("admin:index")).content.decode()
    assert "Workspace" in page
    assert "工作台" not in page


def test_the_browser_language_is_used(client, world, make_project):
    project = make_project("submitted")
    client.force_login(world.producer_a)
    page = client.get(
        reverse("admin:workflow_project_change", args=[project.pk]),
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    ).content.decode()
    assert "已送审" in page  # the state badge: Submitted
    assert "所有操作：您现在能否执行；如不能，原因是什么" in page  # the transition table
    assert "预算与审查级别" in page  # the Budget and review tier fieldset


def test_the_login_page_speaks_chinese(client):
    page = client.get(reverse("admin:login"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "mdprod：微短剧制作管理" in page
    assert 'id="language-form"' not in page  # no user tools before logging in


def test_api_errors_speak_chinese(world, make_project, api):
    submitted = make_project("submitted")
    url = f"/api/v1/projects/{submitted.pk}/"
    client = api(world.producer_a)

    chinese = client.patch(url, {"title": "New"}, format="json", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert chinese.status_code == 409
    assert chinese.json()["code"] == "project_locked"
    assert chinese.json()["detail"] == "项目提案只能在草稿或修改中状态下编辑。"

    english = client.patch(url, {"title": "New"}, format="json")
    assert english.json()["detail"] == (
        "The proposal can only be edited while it is a draft or being revised."
    )
