"""The API's routes: parse and check the request, call the invite service, answer JSON."""
from __future__ import annotations

import base64
import binascii
import json
from datetime import datetime
from functools import wraps

from email_validator import EmailNotValidError, validate_email
from flask import current_app, g, jsonify, request, url_for

from wizard.api import bp
from wizard.api import idempotency
from wizard.api.errors import ApiError, error_response
from wizard.api.openapi import openapi_document
from wizard.extensions import db
from wizard.invites import create_invite, invite_reconnection, resend_invite, revoke_invite
from wizard.lifecycle import LANGUAGES, OnboardingError
from wizard.models import ApiScope, JourneyKind, Onboarding, SupportActor
from wizard.nmbrs import available_profiles
from wizard.reporting.overview import STATUSES, OverviewRow, overview_row, rows_updated_since
from wizard.staff.api_keys import ApiKeyRefused, authenticate_api_key

MAX_LIMIT = 100
MAX_EXPIRES_DAYS = 90


@bp.errorhandler(ApiError)
def api_error(error: ApiError):
    return error_response(error.status, error.code, error.message, **error.extra)


def _bearer() -> str | None:
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def requires(scope: ApiScope):
    """Authenticate the API key and check its scope; POSTs also claim their idempotency key."""
    def decorate(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            try:
                key = authenticate_api_key(_bearer())
            except ApiKeyRefused as refusal:
                db.session.rollback()
                raise ApiError(401, refusal.problem.value, {
                    "missing_api_key": "Send an API key: Authorization: Bearer <key>.",
                    "invalid_api_key": "This API key is not known.",
                    "revoked_api_key": "This API key was revoked."}[refusal.problem.value]) from None
            db.session.commit()  # last_used_at
            if not key.allows(scope):
                raise ApiError(403, "insufficient_scope", f"This API key may not {scope.value}.")
            g.api_key = key
            if request.method != "POST":
                return view(*args, **kwargs)
            claimed = idempotency.claim(key, request.headers.get(idempotency.HEADER),
                                        idempotency.fingerprint(request.method, request.path,
                                                                request.get_data()))
            if isinstance(claimed, tuple):
                status, body = claimed
                response = jsonify(body)
                response.status_code = status
                response.headers["Idempotent-Replayed"] = "true"
                return response
            try:
                response = view(*args, **kwargs)
            except ApiError as error:
                idempotency.complete(claimed, error.status,
                                     {"error": {"code": error.code, "message": error.message,
                                                **error.extra}})
                raise
            except Exception:
                db.session.rollback()
                idempotency.complete(claimed, 500, {})
                raise
            idempotency.complete(claimed, response.status_code, response.get_json())
            return response
        return wrapper
    return decorate


def _acting() -> SupportActor:
    return SupportActor(api_key_id=g.api_key.id)


def _time(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def serialise(row: OverviewRow) -> dict:
    """An onboarding as the API shows it: state, never a secret or a link."""
    return {
        "id": row.public_id, "connection_id": row.connection_id, "kind": row.kind.value,
        "organisation": row.organisation,
        "contact": {"name": row.contact_name, "email": row.contact_email},
        "language": row.language, "profile": row.profile, "status": row.status,
        "current_step": row.current_step, "reminders_enabled": row.reminders_enabled,
        "created_at": _time(row.created_at), "updated_at": _time(row.updated_at),
        "last_activity_at": _time(row.last_activity_at), "expires_at": _time(row.expires_at),
        "completed_at": _time(row.completed_at),
        "delivery": {"state": row.handoff_state},
        "missing_rights": list(row.missing_rights),
        "flags": [flag.value for flag in row.flags],
    }


def _onboarding(public_id: str) -> Onboarding:
    onboarding = db.session.execute(
        db.select(Onboarding).filter_by(public_id=public_id)).scalar_one_or_none() \
        if len(public_id) <= 32 else None
    if onboarding is None:
        raise ApiError(404, "not_found", "There is no onboarding with this id.")
    return onboarding


def _body(allowed: set[str]) -> dict:
    """The JSON object in the body (an empty body counts as ``{}``); refuses unknown fields."""
    raw = request.get_data()
    if not raw.strip():
        return {}
    if not request.is_json:
        raise ApiError(415, "unsupported_media_type", "Send the body as application/json.")
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ApiError(400, "invalid_json", "The body must be a JSON object.")
    unknown = sorted(set(body) - allowed)
    if unknown:
        raise ApiError(422, "validation_failed", "The body has fields this endpoint does not know.",
                       fields={name: "unknown field" for name in unknown})
    return body


def _text(body: dict, name: str, problems: dict, *, required: bool = False,
          longest: int = 200) -> str | None:
    value = body.get(name)
    if value is None:
        if required:
            problems[name] = "required"
        return None
    if not isinstance(value, str) or not value.strip():
        problems[name] = "must be a non-empty string"
        return None
    if len(value) > longest:
        problems[name] = f"at most {longest} characters"
        return None
    return value.strip()


def _days(body: dict, problems: dict) -> int | None:
    value = body.get("expires_days")
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= MAX_EXPIRES_DAYS:
        problems["expires_days"] = f"a whole number of days from 1 to {MAX_EXPIRES_DAYS}"
        return None
    return value


def _choice(body: dict, name: str, choices, default: str, problems: dict) -> str:
    value = body.get(name, default)
    if value not in choices:
        problems[name] = "one of " + ", ".join(choices)
    return value


def _refuse_if(problems: dict) -> None:
    if problems:
        raise ApiError(422, "validation_failed", "Some fields are not valid.", fields=problems)


def _created(onboarding: Onboarding, link: str, status: int = 201):
    response = jsonify(onboarding=serialise(overview_row(onboarding)), link=link)
    response.status_code = status
    response.headers["Location"] = url_for(".get_onboarding", public_id=onboarding.public_id)
    return response


@bp.post("/onboardings")
@requires(ApiScope.WRITE)
def create_onboarding():
    body = _body({"organisation", "contact_email", "contact_name", "language", "profile",
                  "expires_days"})
    problems: dict[str, str] = {}
    organisation = _text(body, "organisation", problems, required=True)
    email = _text(body, "contact_email", problems, required=True, longest=320)
    if email is not None:
        try:
            validate_email(email, check_deliverability=False)
        except EmailNotValidError:
            problems["contact_email"] = "not a valid e-mail address"
    name = _text(body, "contact_name", problems)
    language = _choice(body, "language", LANGUAGES, "nl", problems)
    profile = _choice(body, "profile", available_profiles(), "payroll", problems)
    days = _days(body, problems)
    _refuse_if(problems)
    try:
        invite = create_invite(organisation=organisation, contact_email=email, contact_name=name,
                               language=language, profile=profile, expires_days=days,
                               actor=_acting())
    except OnboardingError as error:
        db.session.rollback()
        raise ApiError(422, "validation_failed", str(error)) from None
    return _created(invite.onboarding, invite.link)


@bp.get("/onboardings/<public_id>")
@requires(ApiScope.READ)
def get_onboarding(public_id: str):
    return jsonify(onboarding=serialise(overview_row(_onboarding(public_id))))


def _parse_time(value: str, name: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise ApiError(400, "invalid_parameter", f"{name} must be an ISO 8601 date-time "
                       "with a time zone, e.g. 2026-11-21T09:30:00+00:00.") from None
    if moment.tzinfo is None:
        raise ApiError(400, "invalid_parameter", f"{name} needs a time zone.")
    return moment


def _encode_cursor(row: OverviewRow) -> str:
    raw = json.dumps([row.updated_at.isoformat(), row.id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[datetime, int]:
    try:
        moment, last_id = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not isinstance(last_id, int) or not isinstance(moment, str):
            raise ValueError(cursor)
        return _parse_time(moment, "cursor"), last_id
    except (ValueError, TypeError, binascii.Error, ApiError):
        raise ApiError(400, "invalid_cursor", "This cursor was not made by this API.") from None


@bp.get("/onboardings")
@requires(ApiScope.READ)
def list_onboardings():
    args = request.args
    status = args.get("status")
    if status is not None and status not in STATUSES:
        raise ApiError(400, "invalid_parameter", "status must be one of " + ", ".join(STATUSES))
    since = _parse_time(args["updated_since"], "updated_since") if args.get("updated_since") else None
    after = _decode_cursor(args["cursor"]) if args.get("cursor") else None
    try:
        limit = int(args.get("limit", 50))
    except ValueError:
        limit = 0
    if not 1 <= limit <= MAX_LIMIT:
        raise ApiError(400, "invalid_parameter", f"limit must be a whole number from 1 to {MAX_LIMIT}.")
    rows = rows_updated_since(updated_since=since, status=status, after=after, limit=limit)
    return jsonify(data=[serialise(row) for row in rows],
                   next_cursor=_encode_cursor(rows[-1]) if len(rows) == limit else None)


def _domain_refusal(error: OnboardingError) -> ApiError:
    db.session.rollback()
    return ApiError(409, "invalid_state", str(error))


@bp.post("/onboardings/<public_id>/resend")
@requires(ApiScope.WRITE)
def resend(public_id: str):
    onboarding = _onboarding(public_id)
    problems: dict[str, str] = {}
    days = _days(_body({"expires_days"}), problems)
    _refuse_if(problems)
    try:
        invite = resend_invite(onboarding, expires_days=days, actor=_acting())
    except OnboardingError as error:
        raise _domain_refusal(error) from None
    return _created(invite.onboarding, invite.link, status=200)


@bp.post("/onboardings/<public_id>/revoke")
@requires(ApiScope.WRITE)
def revoke(public_id: str):
    onboarding = _onboarding(public_id)
    _body(set())
    try:
        revoke_invite(onboarding, actor=_acting())
    except OnboardingError as error:
        raise _domain_refusal(error) from None
    return jsonify(onboarding=serialise(overview_row(onboarding)))


@bp.post("/onboardings/<public_id>/relink")
@requires(ApiScope.WRITE)
def relink(public_id: str):
    onboarding = _onboarding(public_id)
    problems: dict[str, str] = {}
    days = _days(_body({"expires_days"}), problems)
    _refuse_if(problems)
    try:
        invite = invite_reconnection(onboarding, JourneyKind.RELINK, actor=_acting(),
                                     expires_days=days)
    except OnboardingError as error:
        raise _domain_refusal(error) from None
    return _created(invite.onboarding, invite.link)


@bp.get("/openapi.json")
def openapi():
    """The API's OpenAPI 3.1 description (public: it holds no data)."""
    return jsonify(openapi_document(current_app.config["PUBLIC_URL"]))
