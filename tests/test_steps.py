"""The step machine's ordering rules, without HTTP."""
from types import SimpleNamespace

import pytest

from wizard.models import JourneyKind, OnboardingStatus
from wizard.models.answers import Answers
from wizard.steps.base import Role, Step, StepMachine
from wizard.steps.flow import STEPS, machine


class FlagStep(Step):
    template = "unused.html"

    def __init__(self, name, applies=True):
        self.name = self.title = name
        self._applies = applies

    def applies(self, onboarding):
        return self._applies


def onboarding(*answered, status=OnboardingStatus.IN_PROGRESS):
    return SimpleNamespace(answers=Answers({name: {"at": "2026-11-01T00:00:00+00:00"}
                                            for name in answered}), status=status,
                           kind=JourneyKind.NEW, credential=None)


@pytest.fixture
def three():
    return StepMachine([FlagStep("a"), FlagStep("skipped", applies=False), FlagStep("b"), FlagStep("c")])


def test_first_unfinished_is_the_current_step(three):
    assert three.first_unfinished(onboarding()).name == "a"
    assert three.first_unfinished(onboarding("a")).name == "b"
    assert three.first_unfinished(onboarding("a", "b", "c")).name == "c"  # all done: last step


def test_a_step_is_available_only_after_every_earlier_step(three):
    assert three.is_available(onboarding(), three.get("a"))
    assert not three.is_available(onboarding(), three.get("b"))
    assert three.is_available(onboarding("a"), three.get("b"))
    assert not three.is_available(onboarding("a"), three.get("c"))
    # A later answer does not unlock a step whose predecessor is missing.
    assert not three.is_available(onboarding("b"), three.get("c"))


def test_steps_that_do_not_apply_are_skipped(three):
    assert not three.is_available(onboarding("a"), three.get("skipped"))
    assert three.next(onboarding(), three.get("a")).name == "b"
    assert three.previous(onboarding(), three.get("b")).name == "a"
    assert three.previous(onboarding(), three.get("a")) is None
    assert three.next(onboarding(), three.get("c")) is None


def test_states_describe_the_progress_indicator(three):
    states = three.states(onboarding("a"), three.get("b"))
    assert [(s.step.name, s.number, s.complete, s.available, s.current) for s in states] == [
        ("a", 1, True, True, False),
        ("b", 2, False, True, True),
        ("c", 3, False, False, False),
    ]


def test_duplicate_step_names_are_refused():
    with pytest.raises(ValueError):
        StepMachine([FlagStep("a"), FlagStep("a")])


def test_declared_flow_follows_the_seed_and_ends_in_done(app, make_onboarding):
    contact = machine.for_role(Role.CONTACT)
    first_onboarding = [s for s in contact.steps if s.applies(make_onboarding()[0])]
    assert first_onboarding[0].name == "terms"
    assert STEPS[-1].name == "done"
    assert machine.get("done").is_complete(onboarding(status=OnboardingStatus.COMPLETED))
    assert not machine.get("done").is_complete(onboarding())
    finishing = [s for s in STEPS if s.completes_onboarding]
    assert len(finishing) == 1 and STEPS[STEPS.index(finishing[0]) + 1].name == "done"


def test_the_nmbrs_administrator_walks_only_the_nmbrs_part():
    admin = [s.name for s in machine.for_role(Role.NMBRS_ADMIN).steps]
    assert admin == ["briefing", "method", "consent", "credentials", "validation", "handback"]
    contact = [s.name for s in machine.for_role(Role.CONTACT).steps]
    assert "briefing" not in contact and "handback" not in contact
    assert {"terms", "package", "entities", "done"}.isdisjoint(admin)


def test_a_flow_every_role_walks_whole_is_its_own_machine(three):
    assert three.for_role(Role.CONTACT) is three
    assert [s.name for s in three.for_role(Role.NMBRS_ADMIN).steps] == []


def _modules_loaded_by(statement: str) -> set[str]:
    """The wizard modules a fresh interpreter has loaded after ``statement``."""
    import subprocess
    import sys

    code = f"{statement}; import sys; print('\\n'.join(m for m in sys.modules if m.startswith('wizard')))"
    output = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return set(output.stdout.split())


def test_the_step_contract_imports_no_step_module():
    loaded = _modules_loaded_by("import wizard.steps.base")
    steps = {m for m in loaded if m.startswith("wizard.steps.") and m != "wizard.steps.base"}
    assert steps == set()


def test_domain_code_does_not_load_the_web_layer():
    loaded = _modules_loaded_by("import wizard.lifecycle, wizard.invites, wizard.steps.flow")
    assert not {m for m in loaded if m.startswith("wizard.onboarding")}
