"""GUIDs for the sandbox's integer ids: one entity is the same entity in SOAP and REST.

SOAP ``Converter_GetByCompany_IntToGuid`` and every REST id come from here, so a company
listed by ``CompanyService.List_GetAll`` has the ``companyId`` that ``GET /api/companies`` shows.
"""
from __future__ import annotations

import uuid

ID_NAMESPACE = uuid.UUID("6f1c2d4e-0000-4000-8000-00000000a11e")


def entity_guid(entity: str, number: int | str) -> str:
    """The stable GUID of ``entity`` (``"Company"``, ``"Employee"``, ...) with SOAP id ``number``."""
    return str(uuid.uuid5(ID_NAMESPACE, f"{entity}:{number}"))
