"""Fill English translations from a JSON file and report what is still missing.

Usage: .venv/bin/python tools/fill_translations.py translations.json
The JSON maps a Dutch msgid to its English text; for a plural message, key on the
singular msgid and give a list ``[singular, plural]``.
"""
import json
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

CATALOG = Path(__file__).resolve().parent.parent / "wizard/translations/en/LC_MESSAGES/messages.po"


def main(source: str) -> int:
    translations = json.loads(Path(source).read_text())
    with CATALOG.open("rb") as handle:
        catalog = read_po(handle, locale="en")
    for message in catalog:
        key = message.id[0] if isinstance(message.id, tuple) else message.id
        if key and key in translations:
            value = translations[key]
            message.string = tuple(value) if isinstance(message.id, tuple) else value
            message.flags.discard("fuzzy")
    with CATALOG.open("wb") as handle:
        write_po(handle, catalog, sort_output=True, width=100)
    missing = [m.id for m in catalog if m.id and not (all(m.string) if isinstance(m.string, tuple) else m.string)]
    for msgid in missing:
        print("missing:", msgid)
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
