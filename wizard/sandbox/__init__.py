"""A local stand-in for Nmbrs SOAP v3 (see docs/nmbrs.md): ``make_sandbox_app()``."""
from wizard.sandbox.app import Sandbox, make_sandbox_app
from wizard.sandbox.scenarios import Login, load_logins

__all__ = ["Login", "Sandbox", "load_logins", "make_sandbox_app"]
