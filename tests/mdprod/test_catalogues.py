"""The Chinese catalogue compiles in Python, so the UI speaks Chinese on a machine without gettext."""

import gettext
import shutil

from mdprod.catalogues import LOCALE_DIR, compile_catalogues

PO = """\
msgid ""
msgstr ""
"Content-Type: text/plain; charset=UTF-8\\n"
"Plural-Forms: nplurals=1; plural=0;\\n"

msgid "Draft"
msgstr "草稿"

#, fuzzy
msgid "Submitted"
msgstr "已提交"

msgid "Untranslated"
msgstr ""

msgid "%(count)s episode"
msgid_plural "%(count)s episodes"
msgstr[0] "%(count)s 集"
"""


def test_a_catalogue_compiles_to_what_gettext_reads(tmp_path):
    po = tmp_path / "zh_Hans" / "LC_MESSAGES" / "django.po"
    po.parent.mkdir(parents=True)
    po.write_text(PO, encoding="utf-8")

    assert compile_catalogues(tmp_path) == [po.with_suffix(".mo")]

    with po.with_suffix(".mo").open("rb") as mo:
        catalogue = gettext.GNUTranslations(mo)
    assert catalogue.gettext("Draft") == "草稿"
    assert catalogue.ngettext("%(count)s episode", "%(count)s episodes", 3) == "%(count)s 集"
    # As msgfmt does: a fuzzy or empty translation falls back to the English text.
    assert catalogue.gettext("Submitted") == "Submitted"
    assert catalogue.gettext("Untranslated") == "Untranslated"


def test_only_a_stale_catalogue_is_compiled_again(tmp_path):
    locale = tmp_path / "locale"
    shutil.copytree(LOCALE_DIR, locale, ignore=shutil.ignore_patterns("*.mo"))

    assert len(compile_catalogues(locale)) == 1
    assert compile_catalogues(locale) == []
    assert len(compile_catalogues(locale, force=True)) == 1


def test_the_shipped_catalogue_translates_the_ui(tmp_path):
    locale = tmp_path / "locale"
    shutil.copytree(LOCALE_DIR, locale, ignore=shutil.ignore_patterns("*.mo"))
    (mo_path,) = compile_catalogues(locale)

    with mo_path.open("rb") as mo:
        catalogue = gettext.GNUTranslations(mo)
    assert catalogue.gettext("Draft") != "Draft"
