"""What a page costs the server: the answers it asks once, not per question (issue 12)."""
from __future__ import annotations

import gc
from contextlib import contextmanager

from flask import render_template_string
from flask_babel import force_locale
from sqlalchemy import event

from wizard.catalogue import current_catalogue
from wizard.config import engine_options
from wizard.extensions import db
from wizard.heap import settle_startup_heap
from wizard.invites.delegation_links import current_delegation
from wizard.models import Delegation
from wizard.models.base import utcnow
from wizard.steps.flow import current_machine
from wizard.steps.base import Role


@contextmanager
def statements():
    """The SQL statements run inside the block."""
    seen: list[str] = []

    def record(_conn, _cursor, statement, *_):
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


def _delegate(onboarding) -> Delegation:
    delegation = Delegation(onboarding=onboarding, email="beheer@devries.example",
                            created_at=utcnow(), expires_at=utcnow())
    db.session.add(delegation)
    return delegation


def test_the_step_machine_asks_the_database_about_the_delegation_once_per_page(make_onboarding):
    onboarding, _ = make_onboarding()
    machine = current_machine(Role.CONTACT)
    with statements() as seen:
        for _ in range(4):  # what one page asks: available, states, previous, may delegate
            machine.applicable(onboarding)
    assert sum("FROM delegation" in statement for statement in seen) == 1


def test_a_delegation_added_or_taken_back_is_seen_at_once(make_onboarding):
    onboarding, _ = make_onboarding()
    assert current_delegation(onboarding) is None  # remembered ...
    delegation = _delegate(onboarding)  # ... and forgotten when one is added, before any flush
    assert current_delegation(onboarding) is delegation
    db.session.commit()
    assert current_delegation(onboarding) is delegation
    delegation.revoked_at = utcnow()  # taking it back, not yet written
    assert current_delegation(onboarding) is None
    db.session.rollback()  # the take-back was never written: the delegation stands
    assert current_delegation(onboarding) == delegation


def test_template_strings_follow_a_forced_locale_inside_a_request(app):
    with app.test_request_context("/", headers={"Accept-Language": "nl"}):
        assert render_template_string("{{ _('Voortgang') }}") == "Voortgang"
        with force_locale("en"):  # an email in the recipient's language
            assert render_template_string("{{ _('Voortgang') }}") == "Progress"
            assert current_catalogue().ugettext("Voortgang") == "Progress"
        assert render_template_string("{{ _('Voortgang') }}") == "Voortgang"


def test_template_plurals_and_formatting_keep_jinjas_rules(app):
    with app.test_request_context("/"), force_locale("en"):
        rendered = render_template_string(
            "{% trans count=n %}{{ count }} bedrijf{% pluralize %}{{ count }} bedrijven{% endtrans %}"
            "|{{ _('Stap %(current)s van %(total)s', current=2, total='<b>') }}", n=3)
    assert rendered == "3 bedrijven|Step 2 of &lt;b&gt;"


def test_start_up_objects_are_left_out_of_later_collections():
    try:
        assert settle_startup_heap() == gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()


def test_only_a_database_server_has_connections_to_check_before_use():
    assert engine_options("sqlite:////srv/wizard.sqlite3")["pool_pre_ping"] is False
    assert engine_options("postgresql+psycopg://wizard@db/wizard")["pool_pre_ping"] is True
    assert engine_options("sqlite://")["hide_parameters"] is True
