"""Confirm-only steps: tests build small flows from these to check the generic wizard rules."""
from wizard.steps.base import Step


class PlaceholderStep(Step):
    """A step with only a submit button; saving it answers it."""

    template = "onboarding/placeholder.html"

    def __init__(self, name: str, title: str):
        self.name = name
        self.title = title


class FinishingPlaceholderStep(PlaceholderStep):
    completes_onboarding = True
