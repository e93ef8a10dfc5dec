"""Secrets at rest: encrypted columns, rotation, and no plaintext in the database."""
import pytest
from cryptography.fernet import Fernet
from sqlalchemy import text

from wizard.extensions import db
from wizard.models import Credential
from wizard.vault import Vault, VaultError

TOKEN = "nmbrs-api-token-3f9a2c71e0b84d5f"


def test_newest_key_encrypts_and_any_key_decrypts():
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    ciphertext = Vault([old]).encrypt(b"secret")
    rotated_vault = Vault([new, old])
    assert rotated_vault.decrypt(ciphertext) == b"secret"
    assert not rotated_vault.is_current(ciphertext)
    rotated = rotated_vault.rotate(ciphertext)
    assert rotated_vault.is_current(rotated)
    assert Vault([new]).decrypt(rotated) == b"secret"


def test_unknown_key_fails_without_revealing_anything():
    ciphertext = Vault([Fernet.generate_key().decode()]).encrypt(b"secret")
    with pytest.raises(VaultError) as caught:
        Vault([Fernet.generate_key().decode()]).decrypt(ciphertext)
    assert "secret" not in str(caught.value).replace("stored secret", "")


@pytest.mark.both_databases
def test_credential_secret_is_ciphertext_in_the_database(app, make_onboarding):
    onboarding, _ = make_onboarding()
    db.session.add(Credential(onboarding=onboarding, method="token",
                              secret={"username": "hr@devries.example", "token": TOKEN}))
    db.session.commit()
    raw = db.session.execute(text("SELECT secret FROM credential")).scalar_one()
    assert TOKEN not in raw and raw.startswith("gAAAAA")  # Fernet token
    db.session.expire_all()
    assert db.session.scalars(db.select(Credential)).one().secret["token"] == TOKEN
