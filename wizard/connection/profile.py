"""Which permission profile an onboarding's integration needs (``wizard/nmbrs/profiles``)."""
from __future__ import annotations

from flask_babel import get_locale

from wizard.models import Onboarding
from wizard.nmbrs import Profile, load_profile


def profile_for(onboarding: Onboarding) -> Profile:
    """The permission profile this onboarding's integration needs."""
    return load_profile(onboarding.profile)


def purpose_text(purpose: dict | None) -> str:
    """A profile text (``{"nl": ..., "en": ...}``) in the page's language (Dutch as fallback)."""
    purpose = purpose or {}
    return purpose.get(str(get_locale()), purpose.get("nl", ""))
