"""Support's onboarding pages: the list (with CSV export), a journey's detail and its actions,
a new invite, and the funnel. Views parse, call one service, render."""
from __future__ import annotations

import csv
import io
from datetime import date, timedelta

from flask import (Response, abort, current_app, redirect, render_template, request,
                   stream_with_context, url_for)
from flask_babel import gettext as _
from flask_wtf import FlaskForm

from wizard.change_requests import ChangeRequestRefused, close_change_request, relink_for_change
from wizard.connection.profile import profile_for
from wizard.connection.registry import method_named
from wizard.connection.validation import latest_run_with_results
from wizard.delegation import current_delegation
from wizard.extensions import db
from wizard.handoff.service import HandoffError, retry_message
from wizard.i18n import typed_values
from wizard.invites import (copy_invite_link, create_invite, invite_reconnection, resend_invite,
                            revoke_invite)
from wizard.journeys import connection_report, journeys_of, live_journey, live_method
from wizard.lifecycle import OnboardingError
from wizard.models import (ChangeRequest, ChangeRequestState, JourneyKind, MailMessage, Onboarding,
                           OnboardingStatus, OutboxMessage)
from wizard.models.base import utcnow
from wizard.reminders import set_reminders
from wizard.reporting.funnel import funnel
from wizard.reporting.overview import (STATUSES, Flag, OverviewQuery, Sort, overview, overview_row,
                                       overview_rows)
from wizard.reporting.timeline import timeline
from wizard.steps.validation import checklist
from wizard.support import bp
from wizard.support.auth import acting
from wizard.support.forms import InviteForm, RemindersForm

#: Messages a redirect may ask the next page to show (``?notice=``), never free text.
NOTICES = {
    "created": lambda: _("De uitnodiging is verstuurd."),
    "resent": lambda: _("Er is een nieuwe link verstuurd. De vorige link werkt niet meer."),
    "revoked": lambda: _("De uitnodiging is ingetrokken. De link en een open sessie werken niet meer."),
    "relinked": lambda: _("De klant is uitgenodigd om nieuwe inloggegevens te geven."),
    "switch": lambda: _("De klant is uitgenodigd om over te stappen op Inloggen met Nmbrs."),
    "reminders_on": lambda: _("Herinneringen staan aan."),
    "reminders_off": lambda: _("Herinneringen staan uit."),
    "retried": lambda: _("De aflevering staat weer in de wachtrij."),
    "change_relinked": lambda: _("Het wijzigingsverzoek is afgehandeld: de klant krijgt een link "
                                 "om de bedrijven opnieuw te kiezen."),
    "change_closed": lambda: _("Het wijzigingsverzoek is afgehandeld."),
}


def _notice() -> str | None:
    make = NOTICES.get(request.args.get("notice", ""))
    return make() if make else None


def _list_query() -> OverviewQuery:
    """The list's filters from the address; anything unknown falls back to the default."""
    args = request.args
    flag = args.get("flag")
    sort = args.get("sort")
    try:
        page = max(int(args.get("page", 1)), 1)
    except ValueError:
        page = 1
    return OverviewQuery(
        status=args.get("status") if args.get("status") in STATUSES else None,
        flag=Flag(flag) if flag in Flag._value2member_map_ else None,
        search=args.get("q", "")[:200],
        sort=Sort(sort) if sort in Sort._value2member_map_ else Sort.ACTIVITY,
        descending=args.get("dir", "desc") != "asc", page=min(page, 100_000))


def _list_args(query: OverviewQuery, **changes) -> dict:
    values = {"status": query.status, "flag": query.flag.value if query.flag else None,
              "q": query.search or None, "sort": query.sort.value,
              "dir": "desc" if query.descending else "asc", "page": query.page}
    values.update(changes)
    return {key: value for key, value in values.items() if value not in (None, "")}


@bp.get("/")
def index():
    query = _list_query()
    page = overview(query)
    context = {"query": query, "page": page, "list_args": lambda **c: _list_args(query, **c),
               "now": utcnow(), "statuses": STATUSES, "flags": list(Flag), "sorts": list(Sort)}
    if request.args.get("partial"):
        return render_template("support/_list_table.html", **context)
    return render_template("support/list.html", notice=_notice(), **context)


CSV_COLUMNS = ("id", "connection_id", "kind", "organisation", "contact_name", "contact_email",
               "language", "profile", "status", "current_step", "created_at", "last_activity_at",
               "expires_at", "completed_at", "handoff_state", "missing_rights", "flags",
               "reminders_enabled")


def _cell(value) -> str:
    """Plain text a spreadsheet will not run as a formula."""
    text = value if isinstance(value, str) else "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _csv_line(values) -> str:
    buffer = io.StringIO()
    csv.writer(buffer).writerow([_cell(value) for value in values])
    return buffer.getvalue()


@bp.get("/export.csv")
def export():
    """The filtered list, every row, as CSV (streamed; no secrets, no links)."""
    query = _list_query()

    def lines():
        yield _csv_line(CSV_COLUMNS)
        for row in overview_rows(query):
            yield _csv_line([
                row.public_id, row.connection_id, row.kind.value, row.organisation,
                row.contact_name, row.contact_email, row.language, row.profile, row.status,
                row.current_step, row.created_at.isoformat(), row.last_activity_at.isoformat(),
                row.expires_at.isoformat(), row.completed_at.isoformat() if row.completed_at else "",
                row.handoff_state, len(row.missing_rights),
                " ".join(flag.value for flag in row.flags), row.reminders_enabled])

    filename = f"onboardings-{date.today().isoformat()}.csv"
    return Response(stream_with_context(lines()), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@bp.route("/invite", methods=["GET", "POST"])
def new_invite():
    form = InviteForm(data=None if request.method == "POST" else {
        "expires_days": current_app.config["INVITE_MAX_AGE_DAYS"], **typed_values(request.path)})
    if form.validate_on_submit():
        try:
            invite = create_invite(
                organisation=form.organisation.data, contact_email=form.contact_email.data,
                contact_name=form.contact_name.data or None, language=form.language.data,
                profile=form.profile.data, expires_days=form.expires_days.data, actor=acting())
        except OnboardingError as error:
            db.session.rollback()
            form.form_errors.append(str(error))
        else:
            return redirect(url_for(".detail", public_id=invite.onboarding.public_id, notice="created"))
    return render_template("support/invite.html", form=form), 422 if form.errors else 200


def _journey(public_id: str) -> Onboarding:
    onboarding = db.session.execute(
        db.select(Onboarding).filter_by(public_id=public_id)).scalar_one_or_none()
    if onboarding is None:
        abort(404)
    return onboarding


def can_switch_to_consent(onboarding: Onboarding) -> bool:
    """Offer "switch to Inloggen met Nmbrs" only when this installation has the consent method
    and the connection's live credentials are an API token."""
    consent = method_named("oauth")
    return consent is not None and consent.is_available() and live_method(onboarding) == "token"


def _detail_context(onboarding: Onboarding) -> dict:
    run = latest_run_with_results(onboarding)
    explainer = method_named(run.method) if run else None
    live = live_journey(onboarding)
    return {
        "onboarding": onboarding,
        "row": overview_row(onboarding),
        "journeys": journeys_of(onboarding),
        "run": run,
        "checks": checklist(run, explainer, profile_for(onboarding)) if explainer else [],
        "messages": db.session.scalars(db.select(OutboxMessage).filter_by(onboarding_id=onboarding.id)
                                       .order_by(OutboxMessage.id)).all(),
        "emails": db.session.scalars(db.select(MailMessage).filter_by(onboarding_id=onboarding.id)
                                     .order_by(MailMessage.id)).all(),
        "timeline": timeline(onboarding),
        "delegation": current_delegation(onboarding),
        "change_request": _open_request(onboarding),
        "can_relink": live is not None and (onboarding.parent or onboarding).status
        is not OnboardingStatus.REVOKED,
        "can_switch": can_switch_to_consent(onboarding),
        "action_form": FlaskForm(),
        "reminders_form": RemindersForm(),
        "now": utcnow(),
    }


@bp.get("/onboardings/<public_id>")
def detail(public_id: str):
    onboarding = _journey(public_id)
    context = _detail_context(onboarding)
    if request.args.get("partial"):
        return render_template("support/_detail_body.html", **context)
    return render_template("support/detail.html", notice=_notice(), **context)


def _checked_form() -> None:
    if not FlaskForm().validate_on_submit():
        abort(400)


def _refused(onboarding: Onboarding, message: str):
    """An action the domain refused: the detail page again, saying why."""
    db.session.rollback()
    return render_template("support/detail.html", error=message, **_detail_context(onboarding)), 409


@bp.post("/onboardings/<public_id>/resend")
def resend(public_id: str):
    onboarding = _journey(public_id)
    _checked_form()
    try:
        resend_invite(onboarding, actor=acting())
    except OnboardingError as error:
        return _refused(onboarding, str(error))
    return redirect(url_for(".detail", public_id=public_id, notice="resent"))


@bp.post("/onboardings/<public_id>/revoke")
def revoke(public_id: str):
    onboarding = _journey(public_id)
    _checked_form()
    try:
        revoke_invite(onboarding, actor=acting())
    except OnboardingError as error:
        return _refused(onboarding, str(error))
    return redirect(url_for(".detail", public_id=public_id, notice="revoked"))


@bp.post("/onboardings/<public_id>/copy-link")
def copy_link(public_id: str):
    """Issue a fresh link and show it once, on this response only (never in a URL or cookie)."""
    onboarding = _journey(public_id)
    _checked_form()
    try:
        link = copy_invite_link(onboarding, actor=acting())
    except OnboardingError as error:
        return _refused(onboarding, str(error))
    return render_template("support/copy_link.html", onboarding=onboarding, link=link)


def _reconnect(public_id: str, kind: JourneyKind, notice: str):
    onboarding = _journey(public_id)
    _checked_form()
    if kind is JourneyKind.SWITCH_TO_CONSENT and not can_switch_to_consent(onboarding):
        abort(404)
    try:
        invite = invite_reconnection(onboarding, kind, actor=acting())
    except OnboardingError as error:
        return _refused(onboarding, str(error))
    return redirect(url_for(".detail", public_id=invite.onboarding.public_id, notice=notice))


@bp.post("/onboardings/<public_id>/relink")
def relink(public_id: str):
    return _reconnect(public_id, JourneyKind.RELINK, "relinked")


@bp.post("/onboardings/<public_id>/switch-to-consent")
def switch_to_consent(public_id: str):
    return _reconnect(public_id, JourneyKind.SWITCH_TO_CONSENT, "switch")


def _open_request(onboarding: Onboarding) -> ChangeRequest | None:
    """The client's open request to change the companies, made on this journey."""
    return db.session.scalars(db.select(ChangeRequest).filter_by(
        onboarding_id=onboarding.id, state=ChangeRequestState.OPEN).limit(1)).first()


def _handle_change(public_id: str, handle, notice: str):
    onboarding = _journey(public_id)
    _checked_form()
    request_ = _open_request(onboarding)
    if request_ is None:
        return _refused(onboarding, _("Dit wijzigingsverzoek is al afgehandeld."))
    try:
        outcome = handle(request_, by=acting())
    except (OnboardingError, ChangeRequestRefused) as error:
        return _refused(onboarding, str(error))
    target = outcome.onboarding.public_id if outcome is not None else public_id
    return redirect(url_for(".detail", public_id=target, notice=notice))


@bp.post("/onboardings/<public_id>/change-request/relink")
def change_request_relink(public_id: str):
    """Settle a change request with a re-connection in which the client chooses again."""
    return _handle_change(public_id, relink_for_change, "change_relinked")


@bp.post("/onboardings/<public_id>/change-request/close")
def change_request_close(public_id: str):
    """Settle a change request without a new link (e.g. done on the phone)."""
    return _handle_change(public_id, close_change_request, "change_closed")


@bp.post("/onboardings/<public_id>/reminders")
def reminders(public_id: str):
    onboarding = _journey(public_id)
    form = RemindersForm()
    if not form.validate_on_submit() or form.enabled.data not in ("on", "off"):
        abort(400)
    set_reminders(onboarding, form.enabled.data == "on", actor=acting())
    return redirect(url_for(".detail", public_id=public_id, notice=f"reminders_{form.enabled.data}"))


@bp.post("/onboardings/<public_id>/handoff/<int:message_id>/retry")
def retry_handoff(public_id: str, message_id: int):
    onboarding = _journey(public_id)
    _checked_form()
    message = db.session.get(OutboxMessage, message_id)
    if message is None or message.onboarding_id != onboarding.id:
        abort(404)
    try:
        retry_message(message, actor=acting())
    except HandoffError as error:
        return _refused(onboarding, str(error))
    db.session.commit()
    return redirect(url_for(".detail", public_id=public_id, notice="retried"))


def _date_arg(name: str, default: date) -> date:
    try:
        return date.fromisoformat(request.args.get(name, ""))
    except ValueError:
        return default


@bp.get("/funnel")
def funnel_page():
    today = date.today()
    end = _date_arg("to", today)
    start = _date_arg("from", end - timedelta(days=29))
    if start > end:
        start, end = end, start
    if (end - start).days > 366 * 3:
        start = end - timedelta(days=366 * 3)
    # connection_report() reads every journey (about 0.75 s for 10,000): here, not on the list.
    return render_template("support/funnel.html", funnel=funnel(start, end), report=connection_report())
