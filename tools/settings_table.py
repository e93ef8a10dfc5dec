"""Rewrite the README's settings table from wizard.config.SETTINGS (run after adding a setting)."""
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from wizard.config import SETTINGS  # noqa: E402

README = ROOT / "README.md"
START, END = "<!-- settings:start -->", "<!-- settings:end -->"


def table() -> str:
    rows = ["| Variable | Default | Required in production | Meaning |", "|---|---|---|---|"]
    for s in SETTINGS:
        default = f"`{s.default}`" if s.default not in (None, "") else "—"
        required = "yes" if s.required_in_production else "no"
        rows.append(f"| `WIZARD_{s.name}` | {default} | {required} | {s.help} |")
    return "\n".join(rows)


if __name__ == "__main__":
    text = README.read_text()
    if START in text:
        text = re.sub(re.escape(START) + ".*?" + re.escape(END),
                      f"{START}\n{table()}\n{END}", text, flags=re.S)
    else:
        text = re.sub(r"\| Variable \| Default.*?\n(?=\n)", f"{START}\n{table()}\n{END}\n", text,
                      flags=re.S)
    README.write_text(text)
