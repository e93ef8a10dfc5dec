"""Fill English msgstrs from a JSON dict {msgid: msgstr}; usage: fill_en.py file.json"""
import json, sys
from babel.messages.pofile import read_po, write_po
path = "wizard/translations/en/LC_MESSAGES/messages.po"
tr = json.load(open(sys.argv[1]))
with open(path, "rb") as f:
    cat = read_po(f, locale="en")
n = 0
for msg in cat:
    if msg.id and msg.id in tr:
        msg.string = tr[msg.id]; msg.flags.discard("fuzzy"); n += 1
with open(path, "wb") as f:
    write_po(f, cat, sort_output=True, omit_header=False, width=100)
missing = [m.id for m in cat if m.id and not m.string]
print("filled", n, "missing", len(missing)); [print(" ", repr(m)) for m in missing]
