"""Support staff: accounts and their login, server-side sessions, and the CRM's API keys.

Domain code only: the support blueprint (``wizard.support``), the API blueprint
(``wizard.api``) and the CLI call these; nothing here imports the web layer.
"""
from wizard.staff.accounts import (
    AccountError,
    LoginRefused,
    authenticate,
    change_password,
    create_user,
    find_user,
    list_users,
    set_active,
    set_password,
)
from wizard.staff.api_keys import (ApiKeyProblem, ApiKeyRefused, authenticate_api_key, create_api_key,
                                    list_api_keys, revoke_api_key)
from wizard.staff.sessions import end_session, resume_session, start_session

__all__ = [
    "AccountError",
    "ApiKeyProblem",
    "ApiKeyRefused",
    "LoginRefused",
    "authenticate",
    "authenticate_api_key",
    "change_password",
    "create_api_key",
    "create_user",
    "end_session",
    "find_user",
    "list_api_keys",
    "list_users",
    "resume_session",
    "revoke_api_key",
    "set_active",
    "set_password",
    "start_session",
]
