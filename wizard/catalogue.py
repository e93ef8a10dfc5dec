"""The translations catalogue of the locale in effect, found in one dictionary lookup.

Flask-Babel's gettext finds the catalogue anew for every string (the domain, the locale's
name, its cache: about 19 µs inside a template, and a page has some 30 strings); here it is
remembered per locale. The locale itself still comes from Flask-Babel each time, so
``force_locale`` (emails in the recipient's language) keeps working.
"""
from __future__ import annotations

from babel import Locale
from babel.support import NullTranslations
from flask import Flask
from flask_babel import get_locale, get_translations

_catalogues: dict[Locale, NullTranslations] = {}


def current_catalogue() -> NullTranslations:
    """The catalogue of the locale this request (or ``force_locale`` block) renders in."""
    locale = get_locale()
    if locale is None:
        return get_translations()  # outside a request: Flask-Babel's empty catalogue
    catalogue = _catalogues.get(locale)
    if catalogue is None:
        catalogue = _catalogues[locale] = get_translations()
    return catalogue


def install_template_gettext(app: Flask) -> None:
    """Jinja's ``_``, ``gettext``, ``ngettext`` and ``{% trans %}`` through the remembered
    catalogue (with Jinja's newstyle escaping and formatting, as Flask-Babel installs them)."""
    app.jinja_env.install_gettext_callables(
        gettext=lambda string: current_catalogue().ugettext(string),
        ngettext=lambda singular, plural, n: current_catalogue().ungettext(singular, plural, n),
        pgettext=lambda context, string: current_catalogue().upgettext(context, string),
        npgettext=lambda context, singular, plural, n: current_catalogue().unpgettext(
            context, singular, plural, n),
        newstyle=True)
