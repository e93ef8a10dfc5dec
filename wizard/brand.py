"""Who a client is dealing with: our product and company, logo, privacy statement and support.

Being asked for an API token by an unnamed platform looks like phishing, so every page and
every email names us the same way, from the ``WIZARD_*`` settings.
"""
from __future__ import annotations

from dataclasses import dataclass
from email.utils import formataddr, parseaddr

from flask import current_app


@dataclass(frozen=True)
class Brand:
    """The names, links and contact details pages and emails show."""

    product: str
    company: str
    #: The logo as configured (a path on this site, or a URL): what pages use.
    logo: str
    #: The logo as an absolute URL: what emails use.
    logo_absolute: str
    privacy_url: str
    support_email: str
    support_phone: str

    @property
    def support_phone_link(self) -> str:
        """The phone number as a ``tel:`` link target."""
        return "tel:" + "".join(self.support_phone.split())


def current_brand() -> Brand:
    """The brand from the app's settings."""
    config = current_app.config
    logo = config["LOGO_URL"] or ""
    absolute = logo if "://" in logo or not logo else config["PUBLIC_URL"] + "/" + logo.lstrip("/")
    return Brand(product=config["PRODUCT_NAME"], company=config["COMPANY_NAME"], logo=logo,
                 logo_absolute=absolute, privacy_url=config["PRIVACY_URL"],
                 support_email=config["SUPPORT_EMAIL"], support_phone=config["SUPPORT_PHONE"])


def mail_sender() -> str:
    """``MAIL_FROM``, named after the product when the setting gives only an address."""
    configured = current_app.config["MAIL_FROM"]
    name, address = parseaddr(configured)
    return configured if name else formataddr((current_app.config["PRODUCT_NAME"], address))
