"""A local stand-in for Nmbrs (see docs/nmbrs.md): SOAP v3, the identity server and the REST API,
all served by ``make_sandbox_app()``.

The names below load on first use, so importing a leaf module such as
``wizard.sandbox.demo_client`` does not pull in the Flask app (and ``wizard.config`` can).
"""
from importlib import import_module

_EXPORTS = {"Sandbox": "wizard.sandbox.app", "make_sandbox_app": "wizard.sandbox.app",
            "Login": "wizard.sandbox.scenarios", "load_logins": "wizard.sandbox.scenarios"}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(_EXPORTS[name]), name)
