"""Issue 13 tests reuse the hand-off fixtures: completed onboardings and a live reference receiver."""
from tests.handoff.conftest import complete_with_credentials, receiver, start_receiver  # noqa: F401
