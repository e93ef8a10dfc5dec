"""A real SMTP server on loopback (aiosmtpd) that keeps what it receives."""
from __future__ import annotations

import datetime
import email
import socket
import ssl
import threading
from email import policy
from email.message import EmailMessage
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Inbox:
    """aiosmtpd handler: parses and stores every message it accepts."""

    def __init__(self):
        self.messages: list[EmailMessage] = []
        self.envelopes: list = []
        self.received = threading.Event()
        self.refuse_with: str | None = None

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.refuse_with:
            return self.refuse_with
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        self.messages.append(email.message_from_bytes(envelope.content, policy=policy.default))
        self.received.set()
        return "250 Message accepted for delivery"

    def wait(self, count: int = 1, timeout: float = 5.0) -> list[EmailMessage]:
        """The messages so far, once at least ``count`` have arrived."""
        deadline = datetime.datetime.now() + datetime.timedelta(seconds=timeout)
        while len(self.messages) < count and datetime.datetime.now() < deadline:
            self.received.wait(0.05)
        assert len(self.messages) >= count, f"expected {count} emails, got {len(self.messages)}"
        return self.messages


class SmtpServer:
    """A started aiosmtpd controller plus the settings that make the app use it."""

    def __init__(self, port: int, inbox: Inbox, controller: Controller, security: str,
                 ca_file: str | None = None):
        self.port, self.inbox, self.controller = port, inbox, controller
        self.security, self.ca_file = security, ca_file

    @property
    def messages(self) -> list[EmailMessage]:
        return self.inbox.messages

    def config(self, **extra) -> dict:
        return {"MAIL_BACKEND": "smtp", "SMTP_HOST": "127.0.0.1", "SMTP_PORT": self.port,
                "SMTP_SECURITY": self.security, "SMTP_TIMEOUT": 5.0,
                "SMTP_CA_FILE": self.ca_file, **extra}

    def stop(self):
        self.controller.stop()


def start_smtp_server(*, security: str = "none", cert_dir: Path | None = None,
                      credentials: tuple[str, str] | None = None) -> SmtpServer:
    """Start a server: plain, STARTTLS or implicit TLS (self-signed cert), optional AUTH."""
    inbox = Inbox()
    port = free_port()
    kwargs: dict = {}
    ca_file = None
    if security != "none":
        cert, key = self_signed_certificate(cert_dir)
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(cert, key)
        ca_file = str(cert)
        if security == "ssl":
            kwargs["ssl_context"] = context
        else:
            kwargs.update(tls_context=context, require_starttls=True)
    if credentials:
        def authenticate(server, session, envelope, mechanism, auth_data):
            ok = isinstance(auth_data, LoginPassword) and (
                auth_data.login.decode(), auth_data.password.decode()) == credentials
            return AuthResult(success=ok, handled=False)
        kwargs.update(authenticator=authenticate, auth_require_tls=security == "starttls")
    controller = Controller(inbox, hostname="127.0.0.1", port=port, **kwargs)
    controller.start()
    return SmtpServer(port, inbox, controller, security, ca_file)


def self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1/localhost, made fresh with ``cryptography``."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID
    import ipaddress

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([
                x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    folder.mkdir(parents=True, exist_ok=True)
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path
