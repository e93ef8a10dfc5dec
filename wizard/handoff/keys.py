"""Key material of the hand-off: the webhook signing secret and the sync backend's RSA key."""
from __future__ import annotations

import base64
import binascii
import os
import secrets
from pathlib import Path
from typing import Iterable

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

WEBHOOK_SECRET_PREFIX = "whsec_"
MIN_RSA_BITS = 2048


class KeyProblem(ValueError):
    """A configured key or secret is unusable; the message names the setting, never the value."""


def new_webhook_secret() -> str:
    """A fresh Standard Webhooks secret: ``whsec_`` + base64 of 32 random bytes."""
    return WEBHOOK_SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def check_webhook_secret(secret: str) -> bytes:
    """The raw HMAC key inside a ``whsec_...`` secret."""
    if not secret or not secret.startswith(WEBHOOK_SECRET_PREFIX):
        raise KeyProblem("WIZARD_SYNC_WEBHOOK_SECRET must have the form whsec_<base64>.")
    try:
        key = base64.b64decode(secret[len(WEBHOOK_SECRET_PREFIX):], validate=True)
    except (binascii.Error, ValueError):
        raise KeyProblem("WIZARD_SYNC_WEBHOOK_SECRET is not valid base64 after whsec_.") from None
    if len(key) < 24:
        raise KeyProblem("WIZARD_SYNC_WEBHOOK_SECRET is too short (use at least 24 random bytes).")
    return key


def webhook_secrets(value: str | Iterable[str]) -> list[str]:
    """The configured secrets, newest first (a comma-separated setting or a list), each checked."""
    parts = value.split(",") if isinstance(value, str) else value
    secrets = [part.strip() for part in parts if part and part.strip()]
    for secret in secrets or [""]:
        check_webhook_secret(secret)
    return secrets


def load_public_key_pem(value: str) -> str:
    """Normalise ``SYNC_PUBLIC_KEY`` (PEM text or a path to a PEM file) to checked PEM text."""
    text = value.strip()
    if not text.startswith("-----BEGIN"):
        path = Path(text).expanduser()
        if not path.is_file():
            raise KeyProblem("WIZARD_SYNC_PUBLIC_KEY is neither PEM text nor the path of a PEM file.")
        text = path.read_text().strip()
    try:
        key = serialization.load_pem_public_key(text.encode())
    except ValueError:
        raise KeyProblem("WIZARD_SYNC_PUBLIC_KEY does not hold a PEM public key.") from None
    if not isinstance(key, rsa.RSAPublicKey) or key.key_size < MIN_RSA_BITS:
        raise KeyProblem(f"WIZARD_SYNC_PUBLIC_KEY must be an RSA key of at least {MIN_RSA_BITS} bits.")
    return text + "\n"


def generate_key_pair(bits: int = 3072) -> tuple[str, str]:
    """A new RSA key pair as (private PEM, public PEM)."""
    private = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    return private_pem(private), public_pem_of(private)


def private_pem(private: rsa.RSAPrivateKey) -> str:
    return private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                 serialization.NoEncryption()).decode()


def public_pem_of(private: rsa.RSAPrivateKey) -> str:
    return private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def load_private_key_pem(path: Path) -> str:
    """Read a PEM private key file (the receiver's), checking it is an RSA key."""
    text = Path(path).read_text()
    try:
        key = serialization.load_pem_private_key(text.encode(), password=None)
    except ValueError:
        raise KeyProblem(f"{path} does not hold an unencrypted PEM private key.") from None
    if not isinstance(key, rsa.RSAPrivateKey):
        raise KeyProblem(f"{path} is not an RSA private key.")
    return text


def demo_key_pair(path: Path) -> tuple[str, str]:
    """The development receiver's key pair, generated once into ``path`` (mode 0600)."""
    path = Path(path)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        private, _ = generate_key_pair()
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # another process created it first; use theirs
        else:
            with os.fdopen(fd, "w") as handle:
                handle.write(private)
    text = load_private_key_pem(path)
    private = serialization.load_pem_private_key(text.encode(), password=None)
    return text, public_pem_of(private)
