"""``keys rotate``: every stored secret re-encrypted under the newest key; old keys can go."""
from __future__ import annotations

from cryptography.fernet import Fernet
from sqlalchemy import select

from tests.handoff.conftest import outbox_message
from wizard.extensions import db
from wizard.handoff.delivery import deliver_due
from wizard.models import Credential
from wizard.vault import Vault


def use_keys(app, *keys: str) -> None:
    app.config["ENCRYPTION_KEYS"] = list(keys)
    app.extensions["vault"] = Vault(list(keys))
    db.session.expire_all()


def test_rotate_then_drop_the_old_key(app, runner, complete_with_credentials, make_onboarding,
                                      start_receiver):
    old, new = app.config["ENCRYPTION_KEYS"][0], Fernet.generate_key().decode()
    tokens = [f"nmbrsRotation{n}0123456789abcdefgh" for n in range(3)]
    pending = [complete_with_credentials(token=t, organisation=f"Klant {t[-3:]}") for t in tokens[:2]]
    unfinished, _ = make_onboarding(organisation="Nog Bezig B.V.")
    db.session.add(Credential(onboarding=unfinished, method="token", secret={"token": tokens[2]}))
    db.session.commit()

    use_keys(app, new, old)
    result = runner.invoke(args=["keys", "rotate"])
    assert result.exit_code == 0, result.output
    assert "credential.secret: 3 re-encrypted, 0 already current, 0 unreadable" in result.output
    assert not any(t in result.output for t in tokens)

    use_keys(app, new)  # the old key is gone from the configuration
    secrets = sorted(c.secret["token"] for c in db.session.scalars(select(Credential)))
    assert secrets == sorted(tokens)
    receiver = start_receiver()
    assert deliver_due() == {"delivered": 2}
    assert sorted(r.credentials["secret"]["token"] for r in receiver.store.accepted.values()) \
        == sorted(tokens[:2])
    assert all(outbox_message(o).payload["data"]["credentials"]["sha256"] for o in pending)

    again = runner.invoke(args=["keys", "rotate"])
    assert "credential.secret: 0 re-encrypted, 1 already current, 0 unreadable" in again.output


def test_values_no_key_can_read_are_reported_and_left_alone(app, runner, make_onboarding):
    original = app.config["ENCRYPTION_KEYS"][0]
    first, _ = make_onboarding()
    db.session.add(Credential(onboarding=first, method="token", secret={"token": "a" * 32}))
    db.session.commit()
    use_keys(app, Fernet.generate_key().decode())  # a key the app will not be given again
    second, _ = make_onboarding(organisation="Ander B.V.")
    db.session.add(Credential(onboarding=second, method="token", secret={"token": "b" * 32}))
    db.session.commit()

    use_keys(app, Fernet.generate_key().decode(), original)
    result = runner.invoke(args=["keys", "rotate"])
    assert result.exit_code == 1
    assert "credential.secret: 1 re-encrypted, 0 already current, 1 unreadable" in result.output
    assert "keep the old keys" in result.output
    db.session.expire_all()
    assert first.credential.secret == {"token": "a" * 32}


def test_generate_prints_a_fernet_key(runner):
    result = runner.invoke(args=["keys", "generate"])
    Fernet(result.output.strip())
