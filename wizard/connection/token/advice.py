"""What to tell the client about a probe result: plain-language fixes per outcome."""
from __future__ import annotations

from flask import current_app
from flask_babel import gettext as _

#: The Nmbrs user template the guide and every fix refer to (seed 002).
NMBRS_USER_TEMPLATE = "(Scenario 3) General Manager Payroll & HR (System)"

#: How Nmbrs labels its services in the user template's API settings.
SERVICE_LABELS = {
    "DebtorService": "Debtor Services",
    "CompanyService": "Company Services",
    "EmployeeService": "Employee Services",
    "ReportService": "Report Services",
    "SingleSignOn": "Single Sign-On",
}


def service_label(service: str) -> str:
    return SERVICE_LABELS.get(service, service)


def fix_for(check: dict) -> str:
    """The fix for one failed operation (a stored run's check dict).

    Three outcomes never blur: a right that is off (1002) or data outside the login's filter
    is fixed in Nmbrs; a check that could not be made (status ``error``: Nmbrs slow, down or
    answering something unreadable) is only ever worded as "try again", never as a setting.
    """
    status, kind = check["status"], check.get("kind")
    if status == "not_enabled":
        return _("Zet %(service)s → %(operation)s aan onder API-instellingen van het user "
                 "template %(template)s en klik daarna op Opnieuw controleren.",
                 service=service_label(check["group"]), operation=check["name"],
                 template=NMBRS_USER_TEMPLATE)
    if status == "no_access":
        return _("De login mag de gegevens voor deze controle niet inzien. Zet in Nmbrs het "
                 "bedrijvenfilter van de login op de bedrijven die je wilt koppelen en klik "
                 "daarna op Opnieuw controleren.")
    return failure_text(kind, check.get("code"))


def failure_text(kind: str | None, code=None) -> str:
    """Why a call (or the whole run) failed for a reason other than a missing right."""
    if kind == "bad_credentials":
        return _("Nmbrs accepteert deze inloggegevens niet. Controleer het API-token en het "
                 "e-mailadres bij Inloggegevens.")
    if kind == "timeout":
        return _("Nmbrs reageerde niet op tijd. Klik op Opnieuw controleren; wat al gelukt is, "
                 "blijft bewaard.")
    if kind == "unreachable":
        return _("Nmbrs was niet bereikbaar. Wacht een paar minuten en klik op Opnieuw controleren.")
    if kind in ("malformed_response", "truncated", "too_large"):
        return _("Nmbrs was niet bereikbaar, probeer het opnieuw: het antwoord van Nmbrs kwam niet "
                 "volledig of niet leesbaar aan. Klik op Opnieuw controleren; in Nmbrs hoef je "
                 "hiervoor niets aan te passen.")
    if kind == "no_subscription":
        return _("Deze Nmbrs-omgeving heeft geen geldig abonnement. Neem contact op met de "
                 "beheerder van je Nmbrs-omgeving.")
    if kind == "login_security":
        return _("Nmbrs weigerde de aanvraag tijdelijk om veiligheidsredenen. Klik over een "
                 "minuut op Opnieuw controleren.")
    return _("Nmbrs gaf een onverwachte fout%(code)s. Klik op Opnieuw controleren; blijft dit zo, "
             "mail ons via %(email)s.",
             code=f" ({code})" if code else "", email=current_app.config["SUPPORT_EMAIL"])
