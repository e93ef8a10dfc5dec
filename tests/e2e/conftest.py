"""Browser fixtures: Debian's chromium through Playwright, and axe-core on every page."""
from __future__ import annotations

import shutil

import pytest
from axe_playwright_python.sync_playwright import Axe

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
BLOCKING_IMPACTS = {"serious", "critical"}

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Playwright cannot download browsers here: launch the system chromium, offline."""
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "headless": True,
        "args": ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--disable-dev-shm-usage"],
    }


class AccessibilityAudit:
    """Runs axe-core on each page a test visits; serious or critical findings fail the test."""

    def __init__(self):
        self.axe = Axe()
        self.findings: list[str] = []
        self.audited: list[str] = []
        self.running = 0

    def note_policy_violation(self, message) -> None:
        """The browser refused something our Content-Security-Policy does not allow."""
        text = message.text
        if "Content Security Policy" in text or "Content-Security-Policy" in text:
            self.findings.append(f"CSP violation: {text[:300]}")

    def check(self, page) -> None:
        self.running += 1
        try:
            results = self.axe.run(page)
        finally:
            self.running -= 1
        self.audited.append(page.url)
        for violation in results.response["violations"]:
            if violation["impact"] in BLOCKING_IMPACTS:
                targets = [", ".join(node["target"]) for node in violation["nodes"]][:5]
                self.findings.append(
                    f"{page.url}: {violation['impact']} {violation['id']} "
                    f"({violation['help']}) at {targets}")


@pytest.fixture
def axe():
    audit = AccessibilityAudit()
    yield audit
    assert audit.audited, "the test visited no page that axe-core checked"
    assert not audit.findings, "axe-core violations:\n" + "\n".join(audit.findings)


@pytest.fixture
def audited_page(page, axe):
    """A page that axe-core checks after every document it loads, automatically."""
    page.on("load", axe.check)
    page.on("console", axe.note_policy_violation)
    yield page
    # A check runs in Playwright's event dispatch and may still be busy when the test ends
    # (slow under load): let it finish before the audit counts the pages it checked.
    if not page.is_closed():
        page.wait_for_load_state("load")
        page.evaluate("0")  # lets Playwright deliver a "load" event still queued
    while axe.running and not page.is_closed():
        page.wait_for_timeout(50)
