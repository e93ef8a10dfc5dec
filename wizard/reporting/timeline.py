"""A journey's story in plain words, from its audit trail and its emails.

Each audit event type has one sentence; details fill it in (never a secret: the
audit trail refuses them). Support actions name the support user or API key.
Emails come from ``mail_message`` (delivered to the mail server, or failed), so
the timeline also says when the invite actually left.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Callable

from flask_babel import format_number, gettext as _, ngettext

from wizard.extensions import db
from wizard.models import (Actor, AuditEvent, Delegation, MailMessage, MailState, Onboarding,
                           TermsAcceptance, ValidationRun)
from wizard.reporting.overview import missing_required
from wizard.steps.flow import step_title


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    text: str
    who: str
    #: "ok", "bad" or "" (how the entry is marked, besides its words).
    tone: str = ""


def mail_kind_label(kind: str) -> str:
    return {"invite": _("uitnodiging"), "relink_invite": _("uitnodiging voor nieuwe inloggegevens"),
            "switch_invite": _("uitnodiging om over te stappen"), "completed": _("bevestiging"),
            "reminder": _("herinnering"), "device_code": _("code voor een andere browser"),
            "delegation_invite": _("link voor de Nmbrs-beheerder"),
            "delegation_finished": _("Nmbrs-beheerder klaar"),
            "missing_rights": _("waar je gebleven bent"),
            "change_request": _("melding van een wijzigingsverzoek aan support")}.get(kind, kind)


class _Story:
    """Sentences for one onboarding; lookups (runs, acceptances) are loaded once."""

    def __init__(self, onboarding: Onboarding):
        self.runs = {run.id: run for run in db.session.scalars(
            db.select(ValidationRun).filter_by(onboarding_id=onboarding.id))}
        self.acceptances = list(db.session.scalars(
            db.select(TermsAcceptance).filter_by(onboarding_id=onboarding.id)
            .order_by(TermsAcceptance.accepted_at)))
        self.delegations = {delegation.public_id: delegation for delegation in db.session.scalars(
            db.select(Delegation).filter_by(onboarding_id=onboarding.id))}

    def administrator(self, event: AuditEvent) -> str:
        """The address a delegation event is about (kept in the delegation, not in the event)."""
        delegation = self.delegations.get(event.details.get("delegation"))
        return delegation.email if delegation else ""

    def terms(self, event: AuditEvent) -> tuple[str, str]:
        who = next((a.accepted_name for a in self.acceptances
                    if a.version == event.details.get("version")
                    and abs((a.accepted_at - event.occurred_at).total_seconds()) < 60), "")
        return _("Voorwaarden %(version)s geaccepteerd door %(name)s",
                 version=event.details.get("version", ""), name=who or _("de klant")), "ok"

    def excess_access(self, event: AuditEvent) -> tuple[str, str]:
        """Who acknowledged connecting fewer companies than the login sees (the name lives in the
        terms acceptance the event points at, never in the audit trail itself)."""
        d = event.details
        acceptance_id = d.get("terms_acceptance_id")
        who = next((a.accepted_name for a in self.acceptances if a.id == acceptance_id), None)
        text = _("AVG-waarschuwing bevestigd door %(name)s: %(selected)s van %(reachable)s "
                 "bedrijven gekoppeld", name=who or _("de klant"),
                 selected=format_number(d.get("selected_companies", 0)),
                 reachable=format_number(d.get("reachable_companies", 0)))
        if d.get("rechecks"):
            text += " " + ngettext("(na %(num)s keer opnieuw ophalen)",
                                   "(na %(num)s keer opnieuw ophalen)", d["rechecks"])
        return text, "bad"

    def validation(self, event: AuditEvent) -> tuple[str, str]:
        d = event.details
        if d.get("failure") and not d.get("checked"):
            return _("Controle niet gelukt: %(reason)s", reason=d["failure"]), "bad"
        if d.get("required_ok"):
            return _("Controle geslaagd: %(ok)s van %(checked)s rechten staan aan",
                     ok=d.get("ok", 0), checked=d.get("checked", 0)), "ok"
        run = self.runs.get(d.get("run_id"))
        names = missing_required(run.checks) if run else tuple(d.get("failed", ()))
        return ngettext("Controle: %(num)s verplicht recht ontbreekt: %(names)s",
                        "Controle: %(num)s verplichte rechten ontbreken: %(names)s",
                        len(names), names=", ".join(names)), "bad"


def _sentences(story: _Story) -> dict[str, Callable[[AuditEvent], tuple[str, str] | str]]:
    return {
        "onboarding.created": lambda e: (
            _("Uitnodiging aangemaakt (profiel %(profile)s, taal %(language)s)",
              profile=e.details.get("profile", ""), language=e.details.get("language", ""))
            if e.details.get("kind") in (None, "new") else
            _("Herkoppeling aangemaakt (%(kind)s)", kind=e.details["kind"])),
        "invite.sent": lambda e: _("Uitnodiging verstuurd"),
        "invite.resent": lambda e: _("Nieuwe link verstuurd; de vorige link werkt niet meer"),
        "invite.link_copied": lambda e: _("Nieuwe link gekopieerd; de vorige link werkt niet meer"),
        "invite.revoked": lambda e: (_("Ingetrokken: vervangen door een nieuwere herkoppeling")
                                     if e.details.get("reason") == "superseded"
                                     else _("Uitnodiging ingetrokken"), "bad"),
        "invite.opened": lambda e: (_("Link voor het eerst geopend") if e.details.get("first")
                                    else _("Link opnieuw geopend")),
        "onboarding.started": lambda e: _("Begonnen aan de wizard"),
        "terms.accepted": story.terms,
        "step.completed": lambda e: (_("Stap afgerond: %(step)s",
                                       step=step_title(e.details.get("step", ""))), "ok"),
        "package.interest": lambda e: _("Koos een salarispakket dat we nog niet ondersteunen: "
                                        "%(name)s", name=e.details.get("name", "")),
        "credentials.stored": lambda e: _("Inloggegevens opgegeven (%(method)s)",
                                          method=e.details.get("method", "")),
        "credentials.domain_discovered": lambda e: _("Nmbrs-omgeving gevonden: %(domain)s",
                                                     domain=e.details.get("domain", "")),
        "validation.run": story.validation,
        "entities.rechecked": lambda e: (
            _("Bedrijvenlijst opnieuw opgehaald: %(count)s bedrijven",
              count=format_number(e.details.get("companies_now", 0)))
            if e.details.get("companies_before") in (None, e.details.get("companies_now")) else
            _("Bedrijvenlijst opnieuw opgehaald: %(count)s bedrijven (eerst %(before)s)",
              count=format_number(e.details.get("companies_now", 0)),
              before=format_number(e.details["companies_before"]))),
        "entities.selected": lambda e: ngettext("%(num)s bedrijf gekozen", "%(num)s bedrijven gekozen",
                                                len(e.details.get("companies", ()))),
        "entities.excess_access_accepted": story.excess_access,
        "onboarding.completed": lambda e: (_("Afgerond"), "ok"),
        "onboarding.expired": lambda e: (_("Verlopen zonder af te ronden"), "bad"),
        "handoff.queued": lambda e: _("Klaargezet voor de synchronisatie"),
        "handoff.delivered": lambda e: (ngettext(
            "Afgeleverd bij de synchronisatie (na %(num)s poging)",
            "Afgeleverd bij de synchronisatie (na %(num)s pogingen)", e.details.get("attempts", 1)), "ok"),
        "handoff.failed": lambda e: (_("Aflevering geweigerd (HTTP %(status)s)",
                                       status=e.details.get("status") or "-"), "bad"),
        "handoff.dead_lettered": lambda e: (_("Aflevering opgegeven na %(attempts)s pogingen",
                                              attempts=e.details.get("attempts", 0)), "bad"),
        "handoff.retried": lambda e: _("Aflevering opnieuw in de wachtrij gezet"),
        "credentials.purged": lambda e: _("Opgeslagen inloggegevens gewist"),
        "reconnection.started": lambda e: _("Herkoppeling gestart (%(kind)s)",
                                            kind=e.details.get("kind", "")),
        "reminder.sent": lambda e: (_("Herinnering verstuurd: de link verloopt binnenkort")
                                    if e.details.get("slot") == "expiry" else
                                    _("Herinnering verstuurd na %(days)s dagen zonder actie",
                                      days=e.details.get("days", ""))),
        "device.remembered": lambda e: (
            _("Browser %(device)s onthouden: de eerste die de link opende",
              device=e.details.get("device", "")) if e.details.get("reason") == "first_open" else
            _("Browser %(device)s onthouden: die werkte al aan deze onboarding",
              device=e.details.get("device", ""))),
        "device.challenged": lambda e: (_(
            "Link geopend in een onbekende browser (%(device)s): bevestiging met een code gevraagd",
            device=e.details.get("device", "")), "bad"),
        "device.code_sent": lambda e: _(
            "Code voor browser %(device)s gemaild naar het adres van de uitnodiging",
            device=e.details.get("device", "")),
        "device.code_not_sent": lambda e: (_("Code voor browser %(device)s kon niet worden gemaild",
                                             device=e.details.get("device", "")), "bad"),
        "device.code_failed": lambda e: (ngettext(
            "Verkeerde code ingevuld in browser %(device)s (nog %(num)s poging)",
            "Verkeerde code ingevuld in browser %(device)s (nog %(num)s pogingen)",
            e.details.get("attempts_left", 0), device=e.details.get("device", "")), "bad"),
        "device.code_locked": lambda e: (_(
            "Code te vaak verkeerd ingevuld in browser %(device)s: de code werkt niet meer",
            device=e.details.get("device", "")), "bad"),
        "device.code_limited": lambda e: (_(
            "Geen code gestuurd: het maximum van %(count)s codes per uur is bereikt",
            count=e.details.get("per_hour", "")), "bad"),
        "device.verified": lambda e: (_("Browser %(device)s bevestigd met de code uit de e-mail",
                                        device=e.details.get("device", "")), "ok"),
        "delegation.sent": lambda e: (
            _("Nmbrs-deel opnieuw gestuurd naar Nmbrs-beheerder %(email)s", email=story.administrator(e))
            if e.details.get("again") else
            _("Nmbrs-deel gestuurd naar Nmbrs-beheerder %(email)s", email=story.administrator(e))),
        "delegation.opened": lambda e: _("Nmbrs-beheerder opende de link"),
        "delegation.started": lambda e: _("Nmbrs-beheerder begon aan het Nmbrs-deel"),
        "delegation.finished": lambda e: (_("Nmbrs-beheerder %(email)s rondde het Nmbrs-deel af",
                                            email=story.administrator(e)), "ok"),
        "delegation.revoked": lambda e: (
            _("Link van Nmbrs-beheerder %(email)s ingetrokken: naar iemand anders gestuurd",
              email=story.administrator(e))
            if e.details.get("reason") == "replaced" else
            _("Link van Nmbrs-beheerder %(email)s ingetrokken: de klant doet het zelf",
              email=story.administrator(e))),
        "delegation.limited": lambda e: (_("Geen e-mail naar een Nmbrs-beheerder: al %(num)s dit uur",
                                           num=e.details.get("emails", 0)), "bad"),
        "change_request.created": lambda e: (_("De klant vraagt om de gekoppelde bedrijven te "
                                               "wijzigen"), "bad"),
        "change_request.handled": lambda e: (
            _("Wijzigingsverzoek afgehandeld: link gestuurd om de bedrijven opnieuw te kiezen")
            if e.details.get("resolution") == "relink" else
            _("Wijzigingsverzoek afgehandeld zonder nieuwe link"), "ok"),
        "reminders.disabled": lambda e: _("Herinneringen uitgezet"),
        "reminders.enabled": lambda e: _("Herinneringen aangezet"),
    }


def _who(event: AuditEvent) -> str:
    if event.actor is Actor.CLIENT:
        return _("klant")
    if event.actor is Actor.SYSTEM:
        return _("systeem")
    if event.actor is Actor.DELEGATE:
        return _("Nmbrs-beheerder")
    if event.support_user is not None:
        return event.support_user.email
    if event.api_key is not None:
        return _("API-sleutel %(name)s", name=event.api_key.name)
    return _("support")


def timeline(onboarding: Onboarding) -> list[TimelineEntry]:
    """Everything that happened to this journey, oldest first."""
    story = _Story(onboarding)
    sentences = _sentences(story)
    entries = []
    events = db.session.scalars(
        db.select(AuditEvent).filter_by(onboarding_id=onboarding.id)
        .options(db.joinedload(AuditEvent.support_user), db.joinedload(AuditEvent.api_key))
        .order_by(AuditEvent.occurred_at, AuditEvent.id))
    for event in events:
        render = sentences.get(event.event_type)
        said = render(event) if render else event.event_type
        text, tone = said if isinstance(said, tuple) else (said, "")
        entries.append(TimelineEntry(event.occurred_at, text, _who(event), tone))
    for mail in db.session.scalars(db.select(MailMessage).filter_by(onboarding_id=onboarding.id)):
        kind = mail_kind_label(mail.kind)
        if mail.state is MailState.SENT and mail.sent_at:
            entries.append(TimelineEntry(mail.sent_at, _("E-mail (%(kind)s) afgeleverd bij de "
                                                         "mailserver", kind=kind), _("systeem"), "ok"))
        elif mail.state is MailState.FAILED:
            entries.append(TimelineEntry(mail.updated_at, _("E-mail (%(kind)s) niet afgeleverd: "
                                                            "%(error)s", kind=kind,
                                                            error=mail.last_error or "-"),
                                         _("systeem"), "bad"))
    return sorted(entries, key=lambda entry: entry.at)
