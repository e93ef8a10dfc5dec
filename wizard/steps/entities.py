"""Step "entities": choose which of the reachable companies to connect (least privilege)."""
from __future__ import annotations

from flask import flash
from flask_babel import format_number, gettext as _, lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectMultipleField
from wtforms.validators import ValidationError

from wizard.connection.entities import (CarriedOver, EntitiesUnavailable, SelectionError,
                                        Recheck, carry_over, grouped, latest_snapshot,
                                        refresh_entities, resolve_selection, save_selection)
from wizard.journeys import live_journey
from wizard.models import JourneyKind, Onboarding
from wizard.steps.base import Step, StepError


class IdsField(SelectMultipleField):
    """Ids ticked in the form, or kept across a re-check or language switch (where a single id
    arrives as plain text, not as a list)."""

    def process_data(self, value):
        super().process_data([value] if isinstance(value, str) else value)


class EntitiesForm(FlaskForm):
    """Company ids and whole-debtor ticks; which ids exist is checked against the snapshot on save."""

    company = IdsField(_l("Bedrijven"), choices=[], validate_choice=False)
    whole_debtor = IdsField(_l("Alle bedrijven van een debiteur"), choices=[], validate_choice=False)
    accept_excess = BooleanField(_l("Ik begrijp het en wil doorgaan met alleen deze bedrijven"))

    def validate_company(self, field) -> None:
        if not field.data and not self.whole_debtor.data:
            raise ValidationError(_l("Kies minstens één bedrijf."))


class EntitiesStep(Step):
    name = "entities"
    title = _l("Bedrijven")
    template = "onboarding/entities.html"
    offers_help = True
    form_class = EntitiesForm
    completes_onboarding = True
    actions = ("recheck",)

    def initial(self, onboarding: Onboarding) -> dict:
        chosen = onboarding.answers.entities
        if chosen:
            return {"company": [str(c["id"]) for c in chosen.companies]}
        carried = _carried_over(onboarding)
        return {"company": carried.company_ids} if carried else {}

    def perform(self, action: str, onboarding: Onboarding) -> None:
        try:
            recheck = refresh_entities(onboarding)
        except EntitiesUnavailable:
            raise StepError(_("Nmbrs was niet bereikbaar om de lijst opnieuw op te halen. "
                              "Probeer het over een paar minuten opnieuw.")) from None
        flash(recheck_outcome(recheck), "recheck")

    def context(self, onboarding: Onboarding) -> dict:
        snapshot = latest_snapshot(onboarding)
        groups = grouped(snapshot) if snapshot else []
        carried = None if onboarding.answers.entities else _carried_over(onboarding)
        login, method = onboarding.answers.login, onboarding.answers.method
        return {"groups": groups,
                "company_count": len(snapshot.companies) if snapshot else 0,
                "debtor_count": len(groups),
                "unreachable_before": carried.unreachable if carried else [],
                # Whose company filter to narrow in Nmbrs: the API login, or who gave consent.
                "filter_login": (login.username or login.name) if login else None,
                "consent": bool(method and method.method == "oauth")}

    def save(self, onboarding: Onboarding, form: EntitiesForm) -> None:
        snapshot = latest_snapshot(onboarding)
        if snapshot is None:
            raise StepError(_("We weten nog niet welke bedrijven deze login kan zien. "
                              "Klik op Opnieuw controleren."))
        try:
            selection = resolve_selection(snapshot, form.company.data, form.whole_debtor.data)
        except SelectionError:
            raise StepError(_("Deze keuze past niet bij de bedrijven die de login kan zien. "
                              "Kies opnieuw."), field="company") from None
        if selection.excess_access and not form.accept_excess.data:
            raise StepError(_(
                "Deze login kan %(reachable)s bedrijven zien, maar je koppelt er %(chosen)s. "
                "Zo ziet de login meer persoonsgegevens dan nodig (AVG).",
                reachable=format_number(selection.reachable_companies),
                chosen=format_number(len(selection.companies))),
                field="accept_excess")
        save_selection(onboarding, selection)


def recheck_outcome(recheck: Recheck) -> str:
    """What re-reading the companies found, in words: did the filter in Nmbrs change?"""
    now, before = recheck.companies_now, recheck.companies_before
    if now == 0:
        return _("Opnieuw opgehaald: de login ziet nu geen enkel bedrijf. Zet in het filter van "
                 "de login in Nmbrs de bedrijven aan die je wilt koppelen en haal de lijst "
                 "opnieuw op.")
    if before is None or before == now:
        return _("Opnieuw opgehaald: de login ziet nog steeds %(now)s bedrijven. Heb je het "
                 "filter in Nmbrs aangepast en opgeslagen?", now=format_number(now))
    return _("Opnieuw opgehaald: de login ziet nu %(now)s bedrijven (eerst %(before)s).",
             now=format_number(now), before=format_number(before))


def _carried_over(onboarding: Onboarding) -> CarriedOver | None:
    """For a re-connection: the live connection's companies, found in the new snapshot."""
    if onboarding.kind is JourneyKind.NEW:
        return None
    live, snapshot = live_journey(onboarding), latest_snapshot(onboarding)
    before = live.answers.entities if live else None
    if before is None or snapshot is None:
        return None
    return carry_over(before.debtors, before.companies, snapshot)
