"""Support logins through Flask-Login, loaded from support's own cookie on support pages only.

Flask-Login's usual home, Flask's session cookie, belongs to the client wizard
(``client_session.bind`` clears it), so support's login never goes there: the
user comes from ``request_loader``, which reads the support cookie and resumes
the server-side session it names. Nothing is loaded outside the support
blueprint, so no other page can be reached with a support login, and a client's
session has no way into support pages.
"""
from __future__ import annotations

from functools import wraps
from urllib.parse import urlsplit

from flask import abort, current_app, g, redirect, request, url_for
from flask_login import current_user

from wizard.extensions import login_manager
from wizard.models import SupportActor, SupportSession, SupportUser
from wizard.staff import resume_session
from wizard.support import bp

COOKIE = "wizard_support"
SECURE_COOKIE = "__Secure-wizard-support"
OPEN_ENDPOINTS = {"support.login", "support.sso_start", "support.sso_callback"}
_SESSION_KEY = "wizard.support_session"


def cookie_name() -> str:
    """``__Secure-`` prefixed wherever cookies are Secure (production)."""
    return SECURE_COOKIE if current_app.config["SESSION_COOKIE_SECURE"] else COOKIE


def init_login(app) -> None:
    login_manager.init_app(app)
    # Session protection would write into Flask's (the client's) session; ours is server-side.
    login_manager.session_protection = None
    login_manager.request_loader(_load_from_cookie)
    login_manager.unauthorized_handler(_to_login)
    app.before_request(_forget_request_caches)


def _forget_request_caches() -> None:
    """Flask-Login (the user) and Flask-WTF (the CSRF token) cache in ``g``, which outlives a
    request when an app context was already pushed (tests, scripts): start every request clean."""
    g.pop("_login_user", None)
    g.pop("csrf_token", None)


def current_session() -> SupportSession | None:
    """The server-side session of this request's support login."""
    return request.environ.get(_SESSION_KEY)


def _load_from_cookie(request_) -> SupportUser | None:
    if request_.blueprint != bp.name:
        return None
    session = resume_session(request_.cookies.get(cookie_name()))
    request_.environ[_SESSION_KEY] = session
    return session.user if session is not None else None


def _to_login():
    target = request.full_path if request.method == "GET" else None
    return redirect(url_for("support.login", next=target.rstrip("?") if target else None))


@bp.before_request
def require_login():
    """Every support page needs a login, except the login page itself."""
    if request.endpoint in OPEN_ENDPOINTS:
        return None
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    return None


def admin_required(view):
    """Only admins manage support accounts and API keys."""
    @wraps(view)
    def wrapper(*args, **kwargs):
        if not current_user.is_admin:
            abort(403)
        return view(*args, **kwargs)
    return wrapper


def acting() -> SupportActor:
    """The signed-in user as the author of an audited action."""
    return SupportActor(user_id=current_user.id)


def set_session_cookie(response, token: str) -> None:
    config = current_app.config
    response.set_cookie(cookie_name(), token, httponly=True, secure=config["SESSION_COOKIE_SECURE"],
                        samesite="Lax", path=bp.url_prefix,
                        max_age=int(config["SUPPORT_SESSION_HOURS"] * 3600))


def clear_session_cookie(response) -> None:
    response.delete_cookie(cookie_name(), path=bp.url_prefix,
                           secure=current_app.config["SESSION_COOKIE_SECURE"], httponly=True,
                           samesite="Lax")


def safe_next(target: str | None) -> str:
    """Only a support page of this site: the login must not become an open redirect."""
    parts = urlsplit(target or "")
    if (target and not parts.scheme and not parts.netloc and target.startswith(bp.url_prefix + "/")
            and "\\" not in target):
        return target
    return url_for("support.index")
