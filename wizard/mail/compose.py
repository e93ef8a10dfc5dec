"""Rendering an onboarding email: multipart text + HTML in the onboarding's language."""
from __future__ import annotations

from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr

from flask import current_app, render_template
from flask_babel import force_locale, format_date, format_datetime, gettext

from wizard.brand import current_brand, mail_sender
from wizard.models import MailMessage, Onboarding
from wizard.nmbrs.contract import SOAP_END_OF_SUPPORT

EXPIRY_FORMAT = "d MMMM y, HH:mm"


def template_names(kind: str) -> tuple[str, str]:
    return f"email/{kind}.txt", f"email/{kind}.html"


def _context(onboarding: Onboarding, extra: dict) -> dict:
    return {
        "onboarding": onboarding,
        "organisation": onboarding.organisation,
        "contact_name": onboarding.contact_name,
        "expires_at_text": format_datetime(onboarding.expires_at, EXPIRY_FORMAT),
        # The day Nmbrs ends SOAP support, for emails that ask token clients to switch.
        "sunset": format_date(SOAP_END_OF_SUPPORT, "d MMMM y"),
        "support_email": current_app.config["SUPPORT_EMAIL"],
        "support_phone": current_app.config["SUPPORT_PHONE"],
        "brand": current_brand(),
        **extra,
    }


def render_subject(onboarding: Onboarding, kind: str, context: dict) -> str:
    """The ``subject`` block of the kind's text template, on one line."""
    with force_locale(onboarding.language):
        template = current_app.jinja_env.get_template(template_names(kind)[0])
        values = _context(onboarding, context)
        current_app.update_template_context(values)
        block = template.blocks.get("subject")
        subject = "".join(block(template.new_context(values))) if block else ""
        if not subject.strip():
            subject = gettext("Je koppeling voor %(organisation)s", organisation=onboarding.organisation)
    return " ".join(subject.split())[:300]


def compose(message: MailMessage, fresh: dict) -> EmailMessage:
    """Build the email for a recorded message; ``fresh`` holds per-attempt values (the link)."""
    onboarding = message.onboarding
    text_name, html_name = template_names(message.kind)
    with force_locale(onboarding.language):
        values = _context(onboarding, {**message.context, **fresh})
        text = render_template(text_name, **values)
        html = render_template(html_name, **values)

    sender = mail_sender()
    email = EmailMessage()
    email["Subject"] = message.subject
    email["From"] = sender
    to_contact = message.recipient == onboarding.contact_email
    email["To"] = Address(display_name=(onboarding.contact_name or "") if to_contact else "",
                          addr_spec=message.recipient)
    email["Reply-To"] = current_app.config["SUPPORT_EMAIL"]
    email["Date"] = formatdate(usegmt=True)
    domain = parseaddr(sender)[1].rpartition("@")[2] or "localhost"
    email["Message-ID"] = make_msgid(domain=domain)
    email["Auto-Submitted"] = "auto-generated"
    email["X-Wizard-Message"] = f"{message.id}-{message.kind}"
    email.set_content(text)
    email.add_alternative(html, subtype="html")
    email["Content-Language"] = onboarding.language  # after: parts take the Content-* headers
    return email
