"""Where an email goes: an SMTP server, or ``.eml`` files in a folder (development).

A backend takes a finished ``EmailMessage`` and either delivers it or raises
``DeliveryError``; it knows nothing about onboardings or the database.
"""
from __future__ import annotations

import os
import re
import smtplib
import ssl
from dataclasses import dataclass
from datetime import datetime, timezone
from email.message import EmailMessage
from pathlib import Path

MAX_ERROR_LENGTH = 500
#: Mail servers quote the addresses they refuse; failures are stored and logged without them.
EMAIL_ADDRESS = re.compile(r"[^\s<>()\[\]:;,\"']+@[^\s<>()\[\]:;,\"']+")


class DeliveryError(Exception):
    """The message did not reach the mail server; ``permanent`` means retrying will not help.

    ``str(exc)`` is a short description that is safe to store and show: it never
    contains the SMTP password.
    """

    def __init__(self, description: str, permanent: bool = False):
        super().__init__(description)
        self.permanent = permanent


@dataclass(frozen=True)
class SmtpBackend:
    """Delivery through ``smtplib``: plain, STARTTLS or implicit TLS, optional login."""

    host: str
    port: int
    security: str = "starttls"  # "starttls", "ssl" or "none"
    username: str = ""
    password: str = ""
    timeout: float = 10.0
    ca_file: str | None = None

    def _tls_context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=self.ca_file)

    def _connect(self) -> smtplib.SMTP:
        if self.security == "ssl":
            return smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout,
                                    context=self._tls_context())
        smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        if self.security == "starttls":
            try:
                smtp.starttls(context=self._tls_context())
            except BaseException:
                smtp.close()
                raise
        return smtp

    def send(self, message: EmailMessage) -> str:
        """Hand the message to the server; return where it went (for the log)."""
        try:
            with self._connect() as smtp:
                if self.username:
                    smtp.login(self.username, self.password)
                smtp.send_message(message)
        except (smtplib.SMTPException, OSError) as exc:
            raise DeliveryError(self._describe(exc), permanent=_is_permanent(exc)) from None
        return f"smtp://{self.host}:{self.port}"

    def _describe(self, exc: BaseException) -> str:
        """A one-line account of a failure, with the password scrubbed if a server echoed it."""
        if isinstance(exc, smtplib.SMTPRecipientsRefused):
            detail = "; ".join(f"{code}" for code, _ in exc.recipients.values())
        elif isinstance(exc, smtplib.SMTPResponseException):
            text = exc.smtp_error.decode("utf-8", "replace") if isinstance(exc.smtp_error, bytes) \
                else str(exc.smtp_error)
            detail = f"{exc.smtp_code} {text}"
        else:
            detail = str(exc)
        description = EMAIL_ADDRESS.sub("<address>", f"{type(exc).__name__}: {' '.join(detail.split())}")
        if self.password:
            description = description.replace(self.password, "***")
        return description[:MAX_ERROR_LENGTH]


def _is_permanent(exc: BaseException) -> bool:
    """5xx refusals of the recipient or the message itself will fail the same way next time."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in exc.recipients.values())
    return isinstance(exc, smtplib.SMTPDataError) and exc.smtp_code >= 500


@dataclass(frozen=True)
class FileBackend:
    """Writes each message as an ``.eml`` file (readable only by the owner: it holds links)."""

    folder: str

    def send(self, message: EmailMessage) -> str:
        """Write the message to a new file; return its path."""
        folder = Path(self.folder)
        try:
            folder.mkdir(parents=True, exist_ok=True)
            stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%f")
            path = folder / f"{stamp}-{message['X-Wizard-Message']}.eml"
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as handle:
                handle.write(message.as_bytes())
        except OSError as exc:
            raise DeliveryError(f"{type(exc).__name__}: {exc}"[:MAX_ERROR_LENGTH]) from None
        return str(path)


def backend_from_config(config) -> SmtpBackend | FileBackend:
    """The backend ``MAIL_BACKEND`` names, built from the app's config."""
    if config["MAIL_BACKEND"] == "smtp":
        return SmtpBackend(host=config["SMTP_HOST"], port=config["SMTP_PORT"],
                           security=config["SMTP_SECURITY"], username=config["SMTP_USERNAME"],
                           password=config["SMTP_PASSWORD"], timeout=config["SMTP_TIMEOUT"],
                           ca_file=config.get("SMTP_CA_FILE"))
    return FileBackend(config["MAIL_OUTBOX_DIR"])
