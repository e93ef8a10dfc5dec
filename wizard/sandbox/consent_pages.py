"""The identity server's HTML: login, consent and error pages, in Dutch or English.

This is the third party's site, not ours: the pages are self-contained (inline style with a CSP
nonce, no scripts, no external assets) and carry their own small text table instead of the
wizard's catalogs. Accessible as a matter of course: ``lang``, a title, one ``h1``, labelled
inputs, a fieldset for the scopes, an error summary that takes focus, visible focus, 390 px wide.
"""
from __future__ import annotations

from dataclasses import dataclass
from html import escape

from wizard.sandbox.scopes import Scope

LANGUAGES = ("nl", "en")
TEXT = {
    "nl": {
        "brand": "Visma Nmbrs",
        "sandbox": "Lokale Nmbrs-sandbox. Demo-accounts: flask --app wsgi sandbox logins",
        "login_title": "Inloggen bij Nmbrs",
        "login_intro": "{app} wil verbinding maken met je Nmbrs-omgeving. Log in met je "
                       "Nmbrs-account (Master Client login of Bedrijfslogin).",
        "username": "E-mailadres",
        "password": "Wachtwoord",
        "log_in": "Inloggen",
        "problem": "Er is een probleem",
        "bad_login": "Het e-mailadres of wachtwoord klopt niet",
        "consent_title": "{app} vraagt toegang tot je Nmbrs-gegevens",
        "signed_in_as": "Ingelogd als {name} ({email}), omgeving {domain}.",
        "not_you": "Niet jij? Log in als iemand anders",
        "legend": "Geef {app} toegang tot:",
        "legend_hint": "Vink uit wat je niet wilt delen.",
        "pick_one": "Kies ten minste één onderdeel, of kies Weigeren",
        "manage_later": "Je kunt deze toegang later intrekken in je Nmbrs-profiel onder "
                        "\u2018Manage apps\u2019.",
        "allow": "Toestaan",
        "deny": "Weigeren",
        "error_title": "Er ging iets mis",
        "error_intro": "Deze aanvraag kan niet worden verwerkt. Ga terug naar de app en "
                       "probeer het opnieuw.",
        "error_detail": "Voor de ontwikkelaar",
        "expired": "Het formulier is verlopen. Open de koppeling opnieuw vanuit de app.",
    },
    "en": {
        "brand": "Visma Nmbrs",
        "sandbox": "Local Nmbrs sandbox. Demo accounts: flask --app wsgi sandbox logins",
        "login_title": "Log in to Nmbrs",
        "login_intro": "{app} wants to connect to your Nmbrs environment. Log in with your Nmbrs "
                       "account (Master Client login or company login).",
        "username": "Email address",
        "password": "Password",
        "log_in": "Log in",
        "problem": "There is a problem",
        "bad_login": "The email address or password is not correct",
        "consent_title": "{app} is asking for access to your Nmbrs data",
        "signed_in_as": "Logged in as {name} ({email}), environment {domain}.",
        "not_you": "Not you? Log in as someone else",
        "legend": "Give {app} access to:",
        "legend_hint": "Untick what you do not want to share.",
        "pick_one": "Choose at least one item, or choose Deny",
        "manage_later": "You can withdraw this access later in your Nmbrs profile under "
                        "\u2018Manage apps\u2019.",
        "allow": "Allow",
        "deny": "Deny",
        "error_title": "Something went wrong",
        "error_intro": "This request cannot be handled. Go back to the app and try again.",
        "error_detail": "For the developer",
        "expired": "This form has expired. Open the connection again from the app.",
    },
}

STYLE = """
*{box-sizing:border-box}
body{margin:0;font:1rem/1.5 system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;
color:#0b0c0c;background:#f4f6f9}
header{background:#1d3b6e;color:#fff;padding:.75rem 1rem}
header p{margin:0;font-weight:700}
main{max-width:36rem;margin:1rem auto;padding:1.25rem 1rem;background:#fff;border:1px solid #b1b4b6}
h1{font-size:1.5rem;line-height:1.25;margin:0 0 1rem;overflow-wrap:anywhere}
p{margin:0 0 1rem}
label{display:block;font-weight:700;margin:.75rem 0 .25rem}
input[type=email],input[type=password]{width:100%;padding:.5rem;font:inherit;
border:2px solid #0b0c0c;border-radius:0}
input[aria-invalid=true]{border-color:#d4351c}
fieldset{border:0;padding:0;margin:1rem 0;min-width:0}
legend{font-weight:700;font-size:1.125rem;padding:0}
.scope{display:flex;gap:.75rem;align-items:flex-start;padding:.6rem 0;border-top:1px solid #d8dde3}
.scope input{width:1.5rem;height:1.5rem;margin:.1rem 0 0;flex:none}
.scope label{font-weight:400;margin:0}
.hint{display:block;color:#505a5f;font-size:.875rem}
code{overflow-wrap:anywhere;font-size:.875rem}
.actions{display:flex;flex-wrap:wrap;gap:.75rem;margin:1.5rem 0 1rem}
button{font:inherit;font-weight:700;padding:.6rem 1.25rem;border:2px solid #0b0c0c;
border-radius:4px;cursor:pointer}
.primary{background:#1d3b6e;color:#fff;border-color:#1d3b6e}
.secondary{background:#f3f2f1;color:#0b0c0c}
a{color:#1d5aa8}
:focus{outline:3px solid #ffdd00;outline-offset:0;box-shadow:0 0 0 6px #0b0c0c}
a:focus{background:#ffdd00;color:#0b0c0c;box-shadow:none;outline:3px solid #0b0c0c}
.error-summary{border:4px solid #d4351c;padding:1rem;margin:0 0 1rem}
.error-summary h2{font-size:1.125rem;margin:0 0 .5rem}
.error-summary ul{margin:0;padding-left:1.25rem}
.error-summary a{color:#a8200d;font-weight:700}
.error-message{color:#a8200d;font-weight:700;display:block;margin:.25rem 0}
.notice{background:#eef3f8;border-left:4px solid #1d3b6e;padding:.5rem .75rem;font-size:.875rem}
"""


@dataclass(frozen=True)
class ScopeChoice:
    """One row of the consent page: the scope and whether its box is ticked."""

    scope: Scope
    ticked: bool


def text(language: str, key: str, **values: str) -> str:
    """A UI string of the identity server, filled in and HTML-escaped."""
    return escape(TEXT[language][key].format(**values))


def _page(language: str, title: str, body: str, nonce: str) -> str:
    return (f'<!doctype html><html lang="{language}"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{title} \u2013 Visma Nmbrs</title>"
            f'<style nonce="{escape(nonce)}">{STYLE}</style></head><body>'
            f'<header><p>{text(language, "brand")}</p></header>'
            f'<main id="main">{body}</main></body></html>')


def _error_summary(language: str, errors: list[tuple[str, str]]) -> str:
    """GOV.UK-style summary: takes focus, each error links to its field."""
    if not errors:
        return ""
    items = "".join(f'<li><a href="#{target}">{message}</a></li>' for target, message in errors)
    return (f'<div class="error-summary" role="alert" tabindex="-1" autofocus '
            f'aria-labelledby="error-summary-title"><h2 id="error-summary-title">'
            f'{text(language, "problem")}</h2><ul>{items}</ul></div>')


def _form(action: str, csrf_token: str, return_to: str) -> str:
    """The opening of a page form: where it posts, its CSRF token, the request to return to."""
    return (f'<form method="post" action="{action}" novalidate>'
            f'<input type="hidden" name="csrf_token" value="{escape(csrf_token)}">'
            f'<input type="hidden" name="returnUrl" value="{escape(return_to)}">')


def _error_message(element_id: str, message: str, shown: bool) -> str:
    return f'<span class="error-message" id="{element_id}">{message}</span>' if shown else ""


def login_page(language: str, *, app_name: str, return_to: str, csrf_token: str, nonce: str,
               username: str = "", failed: bool = False) -> str:
    """Username and password of a consent account."""
    title = text(language, "login_title")
    error = text(language, "bad_login")
    described = ' aria-invalid="true" aria-describedby="username-error"' if failed else ""
    body = (
        _error_summary(language, [("username", error)] if failed else [])
        + f"<h1>{title}</h1><p>{text(language, 'login_intro', app=app_name)}</p>"
        + _form("/account/login", csrf_token, return_to)
        + f'<label for="username">{text(language, "username")}</label>'
        f'{_error_message("username-error", error, failed)}'
        f'<input id="username" name="username" type="email" autocomplete="username" '
        f'spellcheck="false" value="{escape(username)}"{described}>'
        f'<label for="password">{text(language, "password")}</label>'
        f'<input id="password" name="password" type="password" autocomplete="current-password">'
        f'<div class="actions"><button class="primary" type="submit">'
        f'{text(language, "log_in")}</button></div></form>'
        f'<p class="notice">{text(language, "sandbox")}</p>')
    return _page(language, title, body, nonce)


def consent_page(language: str, *, app_name: str, account_name: str, email: str, domain: str,
                 choices: list[ScopeChoice], return_to: str, switch_url: str, csrf_token: str,
                 nonce: str, nothing_ticked: bool = False) -> str:
    """The scopes the app asks for, in plain words, each a checkbox the user may untick."""
    title = text(language, "consent_title", app=app_name)
    rows = []
    for number, choice in enumerate(choices, start=1):
        box = f"scope-{number}"
        rows.append(
            f'<div class="scope"><input id="{box}" name="scope" type="checkbox" '
            f'value="{escape(choice.scope.name)}" aria-describedby="{box}-hint"'
            f'{" checked" if choice.ticked else ""}><div><label for="{box}">'
            f'{escape(choice.scope.words(language))}</label>'
            f'<span class="hint" id="{box}-hint"><code>{escape(choice.scope.name)}</code></span>'
            f"</div></div>")
    pick_one = text(language, "pick_one")
    body = (
        _error_summary(language, [("scope-1", pick_one)] if nothing_ticked else [])
        + f"<h1>{title}</h1>"
        f"<p>{text(language, 'signed_in_as', name=account_name, email=email, domain=domain)} "
        f'<a href="{escape(switch_url)}">{text(language, "not_you")}</a></p>'
        + _form("/consent", csrf_token, return_to)
        + f'<fieldset aria-describedby="scopes-hint{" scopes-error" if nothing_ticked else ""}">'
        f"<legend>{text(language, 'legend', app=app_name)}</legend>"
        f'<span class="hint" id="scopes-hint">{text(language, "legend_hint")}</span>'
        f"{_error_message('scopes-error', pick_one, nothing_ticked)}{''.join(rows)}</fieldset>"
        f"<p>{text(language, 'manage_later')}</p>"
        f'<div class="actions"><button class="primary" type="submit" name="decision" '
        f'value="allow">{text(language, "allow")}</button><button class="secondary" '
        f'type="submit" name="decision" value="deny">{text(language, "deny")}</button></div>'
        f"</form>")
    return _page(language, title, body, nonce)


def error_page(language: str, *, error: str, description: str, nonce: str,
               message_key: str = "error_intro") -> str:
    """An error shown at the identity server (never redirected to an untrusted address)."""
    title = text(language, "error_title")
    body = (f"<h1>{title}</h1><p>{text(language, message_key)}</p>"
            f"<p>{text(language, 'error_detail')}: <code>{escape(error)}</code> "
            f"\u2013 {escape(description)}</p>")
    return _page(language, title, body, nonce)
