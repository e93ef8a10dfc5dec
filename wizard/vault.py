"""Encryption of secrets at rest, with key rotation behind one interface.

Keys come from ``ENCRYPTION_KEYS`` (newest first). New values are always
encrypted with the newest key; any listed key decrypts. ``EncryptedJSON`` is a
column type, so models and views never handle keys or ciphertext themselves.
"""
from __future__ import annotations

import json
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from flask import current_app
from sqlalchemy import Text
from sqlalchemy.types import TypeDecorator


class VaultError(RuntimeError):
    """A stored secret could not be decrypted with any configured key."""


class Vault:
    def __init__(self, keys: list[str]):
        if not keys:
            raise ValueError("the vault needs at least one key")
        self._fernet = MultiFernet([Fernet(key) for key in keys])
        self._newest = Fernet(keys[0])

    def encrypt(self, plaintext: bytes) -> bytes:
        return self._fernet.encrypt(plaintext)

    def decrypt(self, ciphertext: bytes) -> bytes:
        try:
            return self._fernet.decrypt(ciphertext)
        except InvalidToken:
            # Deliberately says nothing about the value itself.
            raise VaultError("stored secret cannot be decrypted with the configured keys") from None

    def rotate(self, ciphertext: bytes) -> bytes:
        """Re-encrypt under the newest key."""
        try:
            return self._fernet.rotate(ciphertext)
        except InvalidToken:
            raise VaultError("stored secret cannot be decrypted with the configured keys") from None

    def can_decrypt(self, ciphertext: bytes) -> bool:
        """True when some configured key reads the value."""
        try:
            self._fernet.decrypt(ciphertext)
        except InvalidToken:
            return False
        return True

    def is_current(self, ciphertext: bytes) -> bool:
        """True when the newest key alone can read the value."""
        try:
            self._newest.decrypt(ciphertext)
        except InvalidToken:
            return False
        return True


def init_vault(app) -> None:
    app.extensions["vault"] = Vault(app.config["ENCRYPTION_KEYS"])


def current_vault() -> Vault:
    return current_app.extensions["vault"]


class EncryptedJSON(TypeDecorator):
    """A JSON value stored as Fernet ciphertext (text)."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: Any, dialect) -> str | None:
        if value is None:
            return None
        plaintext = json.dumps(value, separators=(",", ":")).encode()
        return current_vault().encrypt(plaintext).decode("ascii")

    def process_result_value(self, value: str | None, dialect) -> Any:
        if value is None:
            return None
        return json.loads(current_vault().decrypt(value.encode("ascii")))

    def __repr__(self) -> str:  # keeps Alembic autogenerate output importable
        return "EncryptedJSON()"
