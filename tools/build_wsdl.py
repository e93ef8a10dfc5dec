"""Write wizard/nmbrs/wsdl/<Service>.wsdl from wizard/nmbrs/contract.py.

Run after changing the contract: ``.venv/bin/python tools/build_wsdl.py``.
A test fails when the shipped files and the contract disagree.
"""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from wizard.nmbrs.contract import SERVICES, render_wsdl  # noqa: E402
from wizard.nmbrs.wsdl import wsdl_path  # noqa: E402


def main() -> None:
    for service in SERVICES:
        path = wsdl_path(service)
        path.write_text(render_wsdl(service), encoding="utf-8")
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
