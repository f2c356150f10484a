"""Compile every locale's .po into .mo with polib, so installing guanxi needs no gettext.

The compiled .mo files are committed next to their .po files.
"""

from __future__ import annotations

import pathlib
import sys

import polib

ROOT = pathlib.Path(__file__).resolve().parent.parent / "src" / "guanxi" / "locale"


def main() -> int:
    missing = 0
    for po_path in sorted(ROOT.glob("*/LC_MESSAGES/*.po")):
        po = polib.pofile(str(po_path))
        untranslated = [e.msgid for e in po.untranslated_entries()]
        fuzzy = [e.msgid for e in po.fuzzy_entries()]
        po.save_as_mofile(str(po_path.with_suffix(".mo")))
        print(
            f"{po_path.relative_to(ROOT)}: {po.percent_translated()}% translated, "
            f"{len(untranslated)} untranslated, {len(fuzzy)} fuzzy"
        )
        missing += len(untranslated) + len(fuzzy)
    return 1 if "--strict" in sys.argv and missing else 0


if __name__ == "__main__":
    sys.exit(main())
