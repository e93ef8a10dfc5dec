"""Which permission profile an onboarding's integration needs (``wizard/nmbrs/profiles``)."""
from __future__ import annotations

from wizard.models import Onboarding
from wizard.nmbrs import Profile, load_profile


def profile_for(onboarding: Onboarding) -> Profile:
    """The permission profile this onboarding's integration needs."""
    return load_profile(onboarding.profile)
