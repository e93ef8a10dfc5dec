"""The onboarding wizard: application factory."""
from __future__ import annotations

from pathlib import Path

from flask import Flask

from wizard.config import load_config
from wizard.extensions import babel, compress, csrf, db, migrate
from wizard.terms import check_terms_available

PACKAGE_DIR = Path(__file__).resolve().parent
MIGRATIONS_DIR = PACKAGE_DIR / "migrations"


def _asset_dir(name: str) -> str:
    """The packaged copy when installed from a wheel, the top-level folder in a checkout."""
    packaged = PACKAGE_DIR / name
    return str(packaged if packaged.is_dir() else PACKAGE_DIR.parent / name)


def create_app(config: dict | None = None) -> Flask:
    """Build the app; ``config`` overrides what the environment says (tests use this)."""
    settings = load_config(config)
    app = Flask(__name__, instance_path=settings["INSTANCE_PATH"],
                template_folder=_asset_dir("templates"), static_folder=_asset_dir("static"))
    app.config.update(settings)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    check_terms_available(app.config["TERMS_VERSION"])

    configure_logging(app)
    register_extensions(app)
    register_blueprints(app)
    register_rate_limits(app)
    register_security_headers(app)
    register_errorhandlers(app)
    register_commands(app)
    register_template_helpers(app)
    return app


def register_extensions(app: Flask) -> None:
    from wizard import models  # noqa: F401  (registers the tables)
    from wizard.catalogue import install_template_gettext
    from wizard.i18n import select_locale
    from wizard.progress import track_progress
    from wizard.sqlite_wal import init_sqlite
    from wizard.vault import init_vault

    db.init_app(app)
    init_sqlite(app)
    migrate.init_app(app, db, directory=str(MIGRATIONS_DIR), render_as_batch=True)
    csrf.init_app(app)
    compress.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    install_template_gettext(app)
    init_vault(app)
    track_progress()
    listen_to_validation()


def listen_to_validation() -> None:
    """What happens when a check is stored: a passing check finishes a delegation to the
    client's Nmbrs administrator, one with missing rights tells the person where they stopped."""
    from wizard.connection.validation import validation_finished
    from wizard.delegation import finish_when_checked
    from wizard.saved_progress import email_missing_rights

    validation_finished.connect(finish_when_checked)
    validation_finished.connect(email_missing_rights)


def register_blueprints(app: Flask) -> None:
    from wizard import api, i18n, main, oauth, onboarding, support
    from wizard.connection.consent.settings import log_availability
    from wizard.support.auth import init_login

    app.register_blueprint(main.bp)
    app.register_blueprint(i18n.bp)
    app.register_blueprint(onboarding.bp)
    app.register_blueprint(oauth.bp)
    app.register_blueprint(support.bp)
    app.register_blueprint(api.bp)
    # The API authenticates with keys in a header, never a cookie: the one CSRF exemption.
    csrf.exempt(api.bp)
    init_login(app)
    log_availability(app)


def register_rate_limits(app: Flask) -> None:
    from wizard.rate_limits import init_rate_limits, trust_proxies

    trust_proxies(app)
    init_rate_limits(app)


def register_security_headers(app: Flask) -> None:
    from wizard.security_headers import init_security_headers

    init_security_headers(app)


def register_errorhandlers(app: Flask) -> None:
    from wizard.errors import register_errorhandlers as register

    register(app)


def register_commands(app: Flask) -> None:
    from wizard.cli import register_commands as register

    register(app)


def register_template_helpers(app: Flask) -> None:
    from flask_babel import get_locale

    from wizard.brand import current_brand
    from wizard.steps.flow import step_title

    app.add_template_global(step_title)

    @app.context_processor
    def inject_globals():
        return {
            "current_locale": str(get_locale()),
            "brand": current_brand(),
            "first_sync_hours": app.config["FIRST_SYNC_HOURS"],
            "support_email": app.config["SUPPORT_EMAIL"],
            "support_phone": app.config["SUPPORT_PHONE"],
        }


def configure_logging(app: Flask) -> None:
    from wizard.logging import configure_logging as configure

    configure(app)
