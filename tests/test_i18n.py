"""Dutch by default, English complete, and a language switch that cannot redirect away."""
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

CATALOGS = Path(__file__).parent.parent / "wizard" / "translations"


def test_dutch_is_the_default(client):
    page = client.get("/").get_data(as_text=True)
    assert '<html lang="nl"' in page and "Koppel je salarispakket" in page


def test_switching_to_english_sticks(client):
    response = client.get("/language/en?next=/")
    assert response.status_code == 302 and response.headers["Location"] == "/"
    page = client.get("/").get_data(as_text=True)
    assert '<html lang="en"' in page and "Connect your payroll system" in page


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "/\\evil.example",
                                    "javascript:alert(1)", "evil"])
def test_the_switch_is_not_an_open_redirect(client, target):
    response = client.get("/language/en", query_string={"next": target})
    assert response.headers["Location"] == "/"


def test_unknown_language_is_ignored(client):
    client.get("/language/xx?next=/")
    assert '<html lang="nl"' in client.get("/").get_data(as_text=True)


def test_english_catalog_translates_every_message():
    with open(CATALOGS / "en" / "LC_MESSAGES" / "messages.po", "rb") as handle:
        catalog = read_po(handle)
    untranslated = [m.id for m in catalog if m.id and not m.string]
    fuzzy = [m.id for m in catalog if m.id and m.fuzzy]
    assert untranslated == [] and fuzzy == []


def test_catalogs_cover_every_marked_string(tmp_path):
    from babel.messages.extract import extract_from_dir

    root = Path(__file__).parent.parent
    method_map = [("wizard/**.py", "python"), ("templates/**.html", "jinja2")]
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "_l": None}
    extracted = {msg[2] if isinstance(msg[2], str) else msg[2][0]
                 for msg in extract_from_dir(str(root), method_map, keywords=keywords)}
    with open(CATALOGS / "en" / "LC_MESSAGES" / "messages.po", "rb") as handle:
        known = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(handle) if m.id}
    assert extracted - known == set(), "run `make extract-messages` and translate"
