"""Versioned terms documents that clients accept in the wizard's first step.

Each version is a folder ``v<version>/`` in this package holding one HTML
fragment per language (``nl.html``, ``en.html``). ``TERMS_VERSION`` in the
config names the version clients must accept; publishing new terms is adding
a folder and raising that setting.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from flask import current_app
from markupsafe import Markup

from wizard.config import ConfigurationError

TERMS_DIR = Path(__file__).resolve().parent
LANGUAGES = ("nl", "en")


@dataclass(frozen=True)
class TermsDocument:
    version: str
    language: str
    html: Markup


def _path(version: str, language: str) -> Path:
    return TERMS_DIR / f"v{version}" / f"{language}.html"


def available_versions() -> list[str]:
    """Every version that has a document in each language, oldest first."""
    return sorted(folder.name[1:] for folder in TERMS_DIR.glob("v*")
                  if all(_path(folder.name[1:], lang).is_file() for lang in LANGUAGES))


def check_terms_available(version: str) -> None:
    """Refuse to start when the configured terms version has no documents."""
    if version not in available_versions():
        raise ConfigurationError(
            f"WIZARD_TERMS_VERSION={version!r} has no terms documents; "
            f"available: {', '.join(available_versions()) or 'none'}")


def current_terms_version() -> str:
    """The version clients must have accepted to pass the terms step."""
    return current_app.config["TERMS_VERSION"]


@lru_cache(maxsize=16)
def terms_document(version: str, language: str) -> TermsDocument:
    """The terms of ``version`` in ``language`` (Dutch when that language has none)."""
    path = _path(version, language if language in LANGUAGES else "nl")
    # Our own packaged files, reviewed like code: trusted HTML.
    return TermsDocument(version, path.stem, Markup(path.read_text("utf-8")))
