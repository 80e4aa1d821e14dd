"""Compile the translation catalogues (locale/*/LC_MESSAGES/*.po -> .mo) in Python.

Django's `compilemessages` needs gettext's msgfmt, which a fresh machine often lacks; without the
.mo files the UI silently stays in English. polib reads and writes the same formats, so
`make messages`, the test suite and the screenshot script compile with it on any machine.

    python -m mdprod.catalogues        # compile what is stale, print what was compiled
"""

from __future__ import annotations

import sys
from pathlib import Path

import polib

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"


def compile_catalogues(locale_dir: Path = LOCALE_DIR, *, force: bool = False) -> list[Path]:
    """Write each .po's .mo beside it when missing or older; return the .mo files written.

    Fuzzy, obsolete and untranslated entries are left out, as msgfmt does.
    """
    written = []
    for po_path in sorted(locale_dir.glob("*/LC_MESSAGES/*.po")):
        mo_path = po_path.with_suffix(".mo")
        if not force and mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        catalogue = polib.pofile(str(po_path))
        # Write next to the target and rename, so a server reading the catalogue never sees half.
        partial = mo_path.with_suffix(".mo.partial")
        catalogue.save_as_mofile(str(partial))
        partial.replace(mo_path)
        written.append(mo_path)
    return written


def reload_translations() -> None:
    """Forget the catalogues this process has already loaded (before the .mo existed)."""
    from django.utils.translation import trans_real

    trans_real._translations = {}
    trans_real._default = None
    trans_real.translation_catalog_exists.cache_clear()


def main(argv: list[str]) -> int:
    written = compile_catalogues(force="--force" in argv)
    for path in written:
        print(f"compiled {path.relative_to(LOCALE_DIR.parent)}")
    if not written:
        print("catalogues: up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
