"""The "terms" step: read the current terms, tick the box, type your name.

Acceptance is evidence, so it gets its own row (``TermsAcceptance``: version,
language, time, typed name, IP address, user agent); the onboarding's answer
holds only the version. The step is complete while the accepted version is
the current one: publishing new terms asks unfinished clients to accept again.
"""
from __future__ import annotations

from flask import request
from sqlalchemy.dialects import postgresql, sqlite
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, StringField, ValidationError
from wtforms.validators import DataRequired, Length

from wizard.connection.registry import available_methods
from wizard.connection.token.advice import NMBRS_USER_TEMPLATE
from wizard.extensions import db
from wizard.journeys import terms_accepted_for_connection
from wizard.models import Actor, JourneyKind, Onboarding, TermsAcceptance, record_event
from wizard.steps.base import Step, StepError
from wizard.terms import current_terms_version, terms_document


#: Dialects whose INSERT can skip a row the unique constraint already holds.
INSERT_IGNORING_DUPLICATES = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


def _strip(value):
    return " ".join(value.split()) if isinstance(value, str) else value


class TermsForm(FlaskForm):
    """The version shown, the tick and the typed name; refuses a version that is no longer current."""

    version = HiddenField()
    accept = BooleanField(
        _l("Ik heb de voorwaarden gelezen en ga ermee akkoord"),
        validators=[DataRequired(message=_l("Vink het vakje aan om verder te gaan."))])
    name = StringField(
        _l("Je volledige naam"), filters=[_strip],
        validators=[DataRequired(message=_l("Vul je naam in.")),
                    Length(min=2, max=200, message=_l("Vul je volledige naam in (2 tot 200 tekens)."))])

    def validate_version(self, field) -> None:
        if field.data != current_terms_version():
            raise ValidationError(_l("De voorwaarden zijn zojuist gewijzigd. Lees de nieuwe versie "
                                     "en vink het vakje opnieuw aan."))


def accepted_version(onboarding: Onboarding) -> str | None:
    """The terms version this onboarding last accepted, if any."""
    answer = onboarding.answers.terms
    return answer.version if answer else None


def latest_acceptance(onboarding: Onboarding) -> TermsAcceptance | None:
    return onboarding.terms_acceptances.order_by(
        TermsAcceptance.accepted_at.desc(), TermsAcceptance.id.desc()).first()


def _person(name: str) -> str:
    """Who accepted, for comparing: the typed name without case or extra spaces."""
    return " ".join(name.split()).casefold()


def accept_terms(onboarding: Onboarding, *, version: str, language: str, name: str,
                 ip_address: str | None, user_agent: str | None) -> TermsAcceptance:
    """Record that ``name`` accepted ``version`` of the terms (not committed).

    One row per version and person: accepting again (a reload, a double click) keeps the first
    evidence instead of adding rows; a unique constraint keeps it so under parallel requests.
    """
    if version != current_terms_version():
        raise StepError(_l("De voorwaarden zijn zojuist gewijzigd. Lees de nieuwe versie en vink "
                           "het vakje opnieuw aan."))
    onboarding.answers.record("terms", version=version)
    same = [a for a in onboarding.terms_acceptances.filter_by(version=version)
            if _person(a.accepted_name) == _person(name)]
    if same:
        return same[0]
    values = {"onboarding_id": onboarding.id, "version": version, "language": language,
              "accepted_name": name, "ip_address": (ip_address or None) and ip_address[:45],
              "user_agent": (user_agent or "")[:300] or None}
    dialect = db.session.get_bind().dialect.name
    if dialect in INSERT_IGNORING_DUPLICATES:
        inserted = db.session.execute(INSERT_IGNORING_DUPLICATES[dialect](TermsAcceptance).values(
            **values).on_conflict_do_nothing()).rowcount
    else:
        db.session.add(TermsAcceptance(**values))
        inserted = 1
    if inserted:
        record_event(onboarding, Actor.CLIENT, "terms.accepted", version=version, language=language)
    return onboarding.terms_acceptances.filter_by(version=version, accepted_name=name).first()


class TermsStep(Step):
    name = "terms"
    title = _l("Voorwaarden")
    template = "onboarding/terms.html"
    form_class = TermsForm

    def applies(self, onboarding: Onboarding) -> bool:
        """A re-connection is not asked again for terms its connection accepted already."""
        if onboarding.kind is JourneyKind.NEW or accepted_version(onboarding):
            return True
        return not terms_accepted_for_connection(onboarding, current_terms_version())

    def is_complete(self, onboarding: Onboarding) -> bool:
        return accepted_version(onboarding) == current_terms_version()

    def context(self, onboarding: Onboarding) -> dict:
        accepted = accepted_version(onboarding)
        return {
            "terms": terms_document(current_terms_version(), str(get_locale())),
            "terms_changed_from": accepted if accepted not in (None, current_terms_version()) else None,
            # The first screen says what the client will need, per way of connecting.
            "available_methods": available_methods(), "nmbrs_template": NMBRS_USER_TEMPLATE,
        }

    def initial(self, onboarding: Onboarding) -> dict:
        """The current version; the name from the invite, or as accepted before."""
        values = {"version": current_terms_version(), "name": onboarding.contact_name or ""}
        if self.is_complete(onboarding):
            last = latest_acceptance(onboarding)
            values.update(accept=True, name=last.accepted_name if last else "")
        return values

    def save(self, onboarding: Onboarding, form: TermsForm) -> None:
        accept_terms(onboarding, version=form.version.data, language=str(get_locale()),
                     name=form.name.data, ip_address=request.remote_addr,
                     user_agent=request.user_agent.string)
