"""What to tell the client about a consent check: plain-language fixes per outcome."""
from __future__ import annotations

from flask import current_app
from flask_babel import gettext as _

from wizard.connection.consent.scopes import area_label, scope_area


def fix_for(check: dict) -> str:
    """The fix for one failed scope (a stored run's check dict)."""
    status, kind = check["status"], check.get("kind")
    if status == "not_enabled":
        return _("Nmbrs heeft hier geen toestemming voor gegeven: het vakje '%(area)s' stond uit "
                 "toen je toestemming gaf. Klik op Opnieuw toestemming geven en laat op de pagina "
                 "van Nmbrs alle vakjes aangevinkt.", area=area_label(scope_area(check["name"])))
    if status == "no_access" and kind == "no_companies":
        return _("De Nmbrs-login waarmee je toestemming gaf, ziet geen bedrijven. Log in met een "
                 "Bedrijfslogin of Master Client die toegang heeft tot de bedrijven die je wilt "
                 "koppelen, of laat de beheerder het bedrijvenfilter van je login aanpassen.")
    if status == "no_access":
        return _("De Nmbrs-login waarmee je toestemming gaf, mag deze gegevens niet zien (het "
                 "filter van de login). Laat de beheerder het filter aanpassen, of geef "
                 "toestemming met een login die wel toegang heeft.")
    if kind == "needs_company_list":
        return _("Dit controleren we zodra Nmbrs toestemming geeft voor de bedrijfsgegevens.")
    return failure_text(kind, check.get("code"))


def failure_text(kind: str | None, code=None) -> str:
    """Why a call (or the whole check) could not be done; never worded as a setting to change."""
    if kind == "consent_revoked":
        return _("Nmbrs accepteert de toestemming niet meer: hij is ingetrokken (bij 'Manage apps' "
                 "in Nmbrs) of verlopen. Klik op Opnieuw toestemming geven.")
    if kind == "no_subscription":
        return _("Deze Nmbrs-omgeving heeft geen geldig abonnement. Neem contact op met de "
                 "beheerder van je Nmbrs-omgeving.")
    if kind == "timeout":
        return _("Nmbrs reageerde niet op tijd. Klik op Opnieuw controleren; er is niets "
                 "verloren gegaan.")
    if kind in ("unreachable", "malformed_response"):
        return _("Nmbrs was niet bereikbaar. Wacht een paar minuten en klik op Opnieuw controleren.")
    if kind == "throttled":
        return _("Nmbrs krijgt nu te veel aanvragen. Wacht een minuut en klik op Opnieuw "
                 "controleren.")
    if kind in ("configuration", "quota", "invalid_request"):
        return _("Er gaat iets mis in onze koppeling met Nmbrs; dat ligt niet aan jou. Probeer "
                 "het later opnieuw of mail ons via %(email)s.",
                 email=current_app.config["SUPPORT_EMAIL"])
    return _("Nmbrs gaf een onverwachte fout%(code)s. Klik op Opnieuw controleren; blijft dit zo, "
             "mail ons via %(email)s.",
             code=f" ({code})" if code else "", email=current_app.config["SUPPORT_EMAIL"])
