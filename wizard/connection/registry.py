"""The connection methods this product knows, and which one an onboarding uses.

Register a method by adding it to ``METHODS`` (order = how the method step offers them,
recommended first). Everything else finds it by name through this module.
"""
from __future__ import annotations

from wizard.connection.consent.method import ConsentMethod
from wizard.connection.method import ConnectionMethod
from wizard.connection.token.method import TokenMethod
from wizard.models import Onboarding

#: "Inloggen met Nmbrs" first: it is recommended, and the only way after SOAP ends.
METHODS: tuple[ConnectionMethod, ...] = (ConsentMethod(), TokenMethod())


class MethodUnavailable(ValueError):
    """The chosen method exists but this installation cannot offer it."""


def method_named(name: str | None) -> ConnectionMethod | None:
    return next((method for method in METHODS if method.name == name), None)


def available_methods() -> tuple[str, ...]:
    """Names of the methods this installation offers, recommended first."""
    return tuple(method.name for method in METHODS if method.is_available())


def choose_method(onboarding: Onboarding, name: str) -> None:
    """Store the client's choice of connection method."""
    if name not in available_methods():
        raise MethodUnavailable(name)
    onboarding.answers.record("method", method=name)


def chosen_method(onboarding: Onboarding) -> str | None:
    answer = onboarding.answers.method
    return answer.method if answer else None


def method_for(onboarding: Onboarding) -> ConnectionMethod | None:
    """The method the onboarding chose (None before the method step)."""
    return method_named(chosen_method(onboarding))


def credentials_method(onboarding: Onboarding) -> ConnectionMethod | None:
    """The method of the credentials stored now (what a check or a hand-off must use)."""
    credential = onboarding.credential
    return method_named(credential.method) if credential is not None else None


def credential_step_for(onboarding: Onboarding) -> str:
    """The step that obtains credentials: the chosen method's, else the recommended method's."""
    method = method_for(onboarding) or method_named((available_methods() or ("token",))[0])
    return method.credential_step
