"""Absolute links for emails and the CLI, built from PUBLIC_URL (works outside requests)."""
from __future__ import annotations

from flask import current_app


def absolute_url(endpoint: str, **values) -> str:
    adapter = current_app.url_map.bind("localhost")
    return current_app.config["PUBLIC_URL"] + adapter.build(endpoint, values)
