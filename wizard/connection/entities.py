"""Which debtors and companies the credentials reach, and which of them the client connects.

The reachable list is read once per validation (or on "check again") and stored as a
snapshot, so rendering and validating the selection never waits for Nmbrs.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from wizard.connection.method import EntitiesUnavailable, Reach
from wizard.connection.registry import credentials_method
from wizard.extensions import db
from wizard.models import Actor, AuditEvent, EntitySnapshot, Onboarding, TermsAcceptance, record_event
from wizard.models.base import utcnow

__all__ = ["EntitiesUnavailable", "Recheck", "SelectionError", "grouped", "latest_snapshot",
           "refresh_entities", "resolve_selection", "save_selection", "store_snapshot"]


class SelectionError(ValueError):
    """The submitted choice of companies cannot be saved; ``str(exc)`` names the reason."""


def store_snapshot(onboarding: Onboarding, reach: Reach, *, source: str) -> EntitySnapshot:
    """Keep what the credentials reach now."""
    snapshot = EntitySnapshot(onboarding=onboarding, source=source,
                              debtors=list(reach.debtors), companies=list(reach.companies))
    db.session.add(snapshot)
    return snapshot


def latest_snapshot(onboarding: Onboarding) -> EntitySnapshot | None:
    query = (db.select(EntitySnapshot).filter_by(onboarding_id=onboarding.id)
             .order_by(EntitySnapshot.id.desc()).limit(1))
    return db.session.execute(query).scalar_one_or_none()


@dataclass(frozen=True)
class Recheck:
    """What re-reading the reachable companies found, compared with the list before."""

    snapshot: EntitySnapshot
    companies_before: int | None

    @property
    def companies_now(self) -> int:
        return len(self.snapshot.companies)


def refresh_entities(onboarding: Onboarding) -> Recheck:
    """Re-read the reachable debtors and companies (after a filter change in Nmbrs)."""
    method = credentials_method(onboarding)
    if method is None or not method.has_credentials(onboarding):
        raise EntitiesUnavailable("no_credentials")
    previous = latest_snapshot(onboarding)
    snapshot = store_snapshot(onboarding, method.read_reach(onboarding), source="recheck")
    before = len(previous.companies) if previous else None
    record_event(onboarding, Actor.CLIENT, "entities.rechecked", companies_before=before,
                 companies_now=len(snapshot.companies), debtors_now=len(snapshot.debtors))
    return Recheck(snapshot, before)


@dataclass
class DebtorGroup:
    """One debtor and its companies, as the selection page shows them."""

    debtor: dict
    companies: list[dict] = field(default_factory=list)


def grouped(snapshot: EntitySnapshot) -> list[DebtorGroup]:
    """Companies grouped under their debtor, both sorted by name; unknown debtors last."""
    groups = {d["id"]: DebtorGroup(d) for d in sorted(snapshot.debtors, key=lambda d: d["name"].lower())}
    orphans = DebtorGroup({"id": None, "number": "", "name": ""})
    for company in sorted(snapshot.companies, key=lambda c: c["name"].lower()):
        groups.get(company["debtor_id"], orphans).companies.append(company)
    result = [g for g in groups.values() if g.companies]
    if orphans.companies:
        result.append(orphans)
    return result


@dataclass(frozen=True)
class Selection:
    """A validated choice: the companies and the debtors they belong to."""

    debtors: list[dict]
    companies: list[dict]
    reachable_companies: int

    @property
    def excess_access(self) -> bool:
        """The login sees more companies than the client connects (least privilege, AVG)."""
        return self.reachable_companies > len(self.companies)


def resolve_selection(snapshot: EntitySnapshot, company_ids, whole_debtor_ids=()) -> Selection:
    """Map submitted ids onto the snapshot; a whole-debtor tick selects all its companies."""
    by_id = {str(c["id"]): c for c in snapshot.companies}
    wanted = {str(i) for i in company_ids}
    unknown = wanted - by_id.keys()
    if unknown:
        raise SelectionError("unknown company")
    whole = {str(i) for i in whole_debtor_ids}
    chosen = [c for c in snapshot.companies
              if str(c["id"]) in wanted or str(c["debtor_id"]) in whole]
    if not chosen:
        raise SelectionError("no company chosen")
    debtor_ids = {str(c["debtor_id"]) for c in chosen}
    debtors = [d for d in snapshot.debtors if str(d["id"]) in debtor_ids]
    return Selection(debtors, chosen, len(snapshot.companies))


def _acknowledger(onboarding: Onboarding) -> tuple[str | None, int | None]:
    """Who is at the keyboard, as far as we know: the name typed when this journey's terms were
    accepted (and that acceptance's id), else the contact name from the invite."""
    acceptance = db.session.scalars(
        db.select(TermsAcceptance).filter_by(onboarding_id=onboarding.id)
        .order_by(TermsAcceptance.accepted_at.desc(), TermsAcceptance.id.desc()).limit(1)).first()
    if acceptance is not None:
        return acceptance.accepted_name, acceptance.id
    return onboarding.contact_name, None


def rechecks_made(onboarding: Onboarding) -> int:
    """How often this journey re-read the reachable companies (after changing the filter)."""
    return db.session.scalar(
        db.select(db.func.count()).select_from(AuditEvent)
        .where(AuditEvent.onboarding_id == onboarding.id,
               AuditEvent.event_type == "entities.rechecked"))


def save_selection(onboarding: Onboarding, selection: Selection) -> None:
    """Store the chosen companies. When the login sees more than is connected, the client has
    acknowledged it: record who, when and the counts in the answer (for the hand-off) and the
    audit trail (which names no one: it points at the terms acceptance that holds the name)."""
    acknowledgement = None
    if selection.excess_access:
        name, acceptance_id = _acknowledger(onboarding)
        acknowledgement = {"at": utcnow().isoformat(), "by": name,
                           "reachable_companies": selection.reachable_companies,
                           "selected_companies": len(selection.companies),
                           "rechecks": rechecks_made(onboarding)}
    onboarding.answers.record("entities", debtors=selection.debtors, companies=selection.companies,
                              reachable_companies=selection.reachable_companies,
                              acknowledgement=acknowledgement)
    record_event(onboarding, Actor.CLIENT, "entities.selected",
                 companies=[c["id"] for c in selection.companies],
                 debtors=[d["id"] for d in selection.debtors])
    if acknowledgement is not None:
        record_event(onboarding, Actor.CLIENT, "entities.excess_access_accepted",
                     reachable_companies=selection.reachable_companies,
                     selected_companies=len(selection.companies),
                     terms_acceptance_id=acceptance_id, rechecks=acknowledgement["rechecks"])


@dataclass(frozen=True)
class CarriedOver:
    """The live connection's companies found again in a re-connection's snapshot."""

    company_ids: list[str]
    #: Companies chosen before that the new credentials cannot reach (name, number).
    unreachable: list[dict]


def _company_key(company: dict, debtor_numbers: dict) -> tuple:
    """What identifies a company across SOAP (int ids) and REST (GUIDs): its debtor's number
    and its own number, both as text."""
    return (debtor_numbers.get(str(company.get("debtor_id"))), str(company.get("number")))


def carry_over(previous_debtors, previous_companies, snapshot: EntitySnapshot) -> CarriedOver:
    """Match the companies chosen before to the snapshot: same id, else same debtor and number,
    else the same name under the same debtor number."""
    before_debtors = {str(d["id"]): str(d.get("number")) for d in previous_debtors}
    now_debtors = {str(d["id"]): str(d.get("number")) for d in snapshot.debtors}
    by_id = {str(c["id"]): c for c in snapshot.companies}
    by_key = {_company_key(c, now_debtors): c for c in snapshot.companies}
    by_name = {(now_debtors.get(str(c.get("debtor_id"))), c["name"].casefold()): c
               for c in snapshot.companies}
    found, unreachable = [], []
    for company in previous_companies:
        debtor_number = before_debtors.get(str(company.get("debtor_id")))
        match = (by_id.get(str(company["id"])) or by_key.get(_company_key(company, before_debtors))
                 or by_name.get((debtor_number, company["name"].casefold())))
        if match is None:
            unreachable.append({"name": company["name"], "number": company.get("number")})
        elif str(match["id"]) not in found:
            found.append(str(match["id"]))
    return CarriedOver(found, unreachable)
