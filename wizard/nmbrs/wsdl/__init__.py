"""The WSDL files we ship, one per Nmbrs service (generated from ``wizard.nmbrs.contract``)."""
from __future__ import annotations

from pathlib import Path

WSDL_DIR = Path(__file__).resolve().parent


def wsdl_path(service: str) -> Path:
    """Where the packaged WSDL of ``service`` lives."""
    return WSDL_DIR / f"{service}.wsdl"
