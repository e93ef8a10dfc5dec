"""The API's OpenAPI 3.1 description, served at ``/api/v1/openapi.json``.

Written by hand next to the routes; ``tests/test_api_openapi.py`` checks that it
names exactly the routes of the blueprint (paths and methods) and validates real
answers against its schemas.
"""
from __future__ import annotations

from wizard.reporting.overview import STATUSES, Flag

ERROR_CODES = [
    "missing_api_key", "invalid_api_key", "revoked_api_key", "insufficient_scope",
    "idempotency_key_required", "invalid_idempotency_key", "idempotency_key_reused",
    "idempotency_in_progress", "invalid_json", "unsupported_media_type", "validation_failed",
    "invalid_parameter", "invalid_cursor", "invalid_state", "not_found", "method_not_allowed",
    "payload_too_large", "internal_error",
]

_TIME = {"type": "string", "format": "date-time"}
_NULLABLE_TIME = {"type": ["string", "null"], "format": "date-time"}

SCHEMAS = {
    "Onboarding": {
        "type": "object",
        "description": "One journey: a first connection, or a re-connection of a live one. "
                       "Never holds a secret or an invite link.",
        "required": ["id", "connection_id", "kind", "organisation", "contact", "language", "profile",
                     "status", "current_step", "reminders_enabled", "created_at", "updated_at",
                     "last_activity_at", "expires_at", "completed_at", "delivery",
                     "missing_rights", "flags"],
        "additionalProperties": False,
        "properties": {
            "id": {"type": "string", "description": "The journey's id (what its invite opens)."},
            "connection_id": {"type": "string", "description": "The connection's id, the same "
                              "for all its journeys (the sync backend's onboarding_id)."},
            "kind": {"enum": ["new", "relink", "switch_to_consent"]},
            "organisation": {"type": "string"},
            "contact": {"type": "object", "required": ["name", "email"], "additionalProperties": False,
                        "properties": {"name": {"type": ["string", "null"]},
                                       "email": {"type": "string"}}},
            "language": {"enum": ["nl", "en"]},
            "profile": {"type": "string"},
            "status": {"enum": list(STATUSES)},
            "current_step": {"type": ["string", "null"],
                             "description": "The wizard step the client is on (done when completed)."},
            "reminders_enabled": {"type": "boolean"},
            "created_at": _TIME, "updated_at": _TIME, "last_activity_at": _TIME, "expires_at": _TIME,
            "completed_at": _NULLABLE_TIME,
            "delivery": {"type": "object", "required": ["state"], "additionalProperties": False,
                         "properties": {"state": {"enum": [None, "pending", "sending", "delivered",
                                                           "failed", "dead"]}}},
            "missing_rights": {"type": "array", "items": {"type": "string"},
                               "description": "Required Nmbrs rights the newest check found off."},
            "flags": {"type": "array", "items": {"enum": [flag.value for flag in Flag]}},
        },
    },
    "OnboardingAnswer": {
        "type": "object", "required": ["onboarding"], "additionalProperties": False,
        "properties": {"onboarding": {"$ref": "#/components/schemas/Onboarding"}},
    },
    "InviteAnswer": {
        "type": "object", "required": ["onboarding", "link"], "additionalProperties": False,
        "properties": {
            "onboarding": {"$ref": "#/components/schemas/Onboarding"},
            "link": {"type": ["string", "null"], "format": "uri",
                     "description": "The invite link just issued (also emailed to the contact). "
                                    "Shown once: null in a replayed answer."},
        },
    },
    "OnboardingList": {
        "type": "object", "required": ["data", "next_cursor"], "additionalProperties": False,
        "properties": {"data": {"type": "array", "items": {"$ref": "#/components/schemas/Onboarding"}},
                       "next_cursor": {"type": ["string", "null"]}},
    },
    "CreateOnboarding": {
        "type": "object", "required": ["organisation", "contact_email"], "additionalProperties": False,
        "properties": {
            "organisation": {"type": "string", "maxLength": 200},
            "contact_email": {"type": "string", "format": "email", "maxLength": 320},
            "contact_name": {"type": "string", "maxLength": 200},
            "language": {"enum": ["nl", "en"], "default": "nl"},
            "profile": {"type": "string", "default": "payroll"},
            "expires_days": {"type": "integer", "minimum": 1, "maximum": 90},
        },
    },
    "Expiry": {
        "type": "object", "additionalProperties": False,
        "properties": {"expires_days": {"type": "integer", "minimum": 1, "maximum": 90}},
    },
    "Error": {
        "type": "object", "required": ["error"], "additionalProperties": False,
        "properties": {"error": {
            "type": "object", "required": ["code", "message"],
            "properties": {"code": {"type": "string", "examples": ERROR_CODES},
                           "message": {"type": "string"},
                           "fields": {"type": "object", "additionalProperties": {"type": "string"}}}}},
    },
}


def _answer(description: str, schema: str) -> dict:
    return {"description": description,
            "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}}}


def _errors(*statuses: int) -> dict:
    return {str(status): {"$ref": "#/components/responses/Error"} for status in statuses}


_ID = {"name": "id", "in": "path", "required": True, "schema": {"type": "string"},
       "description": "The journey's id."}
_IDEMPOTENCY = {"name": "Idempotency-Key", "in": "header", "required": True,
                "schema": {"type": "string", "maxLength": 200},
                "description": "Any unique string; a retry with the same key and body gets the "
                               "first answer again (header Idempotent-Replayed: true)."}


def _action(summary: str, description: str, answer: str, status: str = "200",
            body: str | None = "Expiry") -> dict:
    operation = {"summary": summary, "description": description, "parameters": [_ID, _IDEMPOTENCY],
                 "security": [{"apiKey": ["write"]}],
                 "responses": {status: _answer(summary, answer), **_errors(400, 401, 403, 404, 409, 422)}}
    if body:
        operation["requestBody"] = {"required": False, "content": {"application/json": {
            "schema": {"$ref": f"#/components/schemas/{body}"}}}}
    return {"post": operation}


def openapi_document(server_url: str) -> dict:
    """The whole description, with the app's public URL as the server."""
    return {
        "openapi": "3.1.0",
        "info": {"title": "Onboarding wizard API", "version": "1.0.0",
                 "description": "For the CRM: invite a client to connect Nmbrs and follow the "
                                "onboarding. Authenticate with an API key an admin made on the "
                                "support dashboard: `Authorization: Bearer wzk_…`. Errors are "
                                "`{\"error\": {\"code\", \"message\"}}` with stable codes."},
        "servers": [{"url": server_url + "/api/v1"}],
        "components": {
            "securitySchemes": {"apiKey": {"type": "http", "scheme": "bearer",
                                           "description": "Scope read, or write (includes read)."}},
            "schemas": SCHEMAS,
            "responses": {"Error": _answer("An error with a stable code.", "Error")},
        },
        "security": [{"apiKey": []}],
        "paths": {
            "/onboardings": {
                "get": {"summary": "Journeys changed since a moment, oldest change first",
                        "security": [{"apiKey": ["read"]}],
                        "parameters": [
                            {"name": "status", "in": "query", "schema": {"enum": list(STATUSES)}},
                            {"name": "updated_since", "in": "query",
                             "schema": {"type": "string", "format": "date-time"}},
                            {"name": "cursor", "in": "query", "schema": {"type": "string"},
                             "description": "next_cursor of the previous page."},
                            {"name": "limit", "in": "query",
                             "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 50}}],
                        "responses": {"200": _answer("A page of journeys.", "OnboardingList"),
                                      **_errors(400, 401, 403)}},
                "post": {"summary": "Create an onboarding and email the invite",
                         "security": [{"apiKey": ["write"]}], "parameters": [_IDEMPOTENCY],
                         "requestBody": {"required": True, "content": {"application/json": {
                             "schema": {"$ref": "#/components/schemas/CreateOnboarding"}}}},
                         "responses": {"201": _answer("Created; the invite was emailed.", "InviteAnswer"),
                                       **_errors(400, 401, 403, 409, 415, 422)}},
            },
            "/onboardings/{id}": {
                "get": {"summary": "One journey: status, step, times, delivery, flags",
                        "security": [{"apiKey": ["read"]}], "parameters": [_ID],
                        "responses": {"200": _answer("The journey.", "OnboardingAnswer"),
                                      **_errors(401, 403, 404)}},
            },
            "/onboardings/{id}/resend": _action(
                "Email a new invite link", "The previous link stops working; an expired "
                "onboarding is opened again.", "InviteAnswer"),
            "/onboardings/{id}/revoke": _action(
                "Withdraw the invite", "Its link and any open session stop working.",
                "OnboardingAnswer", body=None),
            "/onboardings/{id}/relink": _action(
                "Ask for new credentials", "A new journey of the same connection (token revoked, "
                "rights changed); terms already accepted are not asked again.", "InviteAnswer", "201"),
            "/openapi.json": {"get": {"summary": "This description", "security": [],
                                      "responses": {"200": {"description": "OpenAPI 3.1"}}}},
        },
    }
