"""SOAP 1.1 on the wire, the way an ASMX service (Nmbrs) speaks it."""
from __future__ import annotations

import base64
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from lxml import etree

from wizard.nmbrs import contract

SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
XSD = "http://www.w3.org/2001/XMLSchema"
FAULT_TITLES = {
    1001: "Invalid authentication",
    1002: "Unauthorized access",
    1003: "Unauthorized access data",
    1004: "Disabled, no valid subscription",
    1006: "Generic login security failure",
    2003: "Unauthorized access (EmployeeId)",
    2004: "Unauthorized access (CompanyId)",
    2009: "Unauthorized access (DebtorId)",
    2046: "Not found",
    9999: "Unkown",  # sic: Nmbrs' own spelling
}


class SoapFault(Exception):
    """A fault to send back: ``soap:Server`` with an Nmbrs code, or ``soap:Client``."""

    def __init__(self, text: str, code: str = "soap:Server"):
        super().__init__(text)
        self.text = text
        self.code = code

    @classmethod
    def nmbrs(cls, number: int) -> "SoapFault":
        title = FAULT_TITLES.get(number, "Unkown")
        return cls(f"Server was unable to process request. ---> {number}: {title}")


def _parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                           dtd_validation=False, huge_tree=False, remove_comments=True)


def parse_envelope(body: bytes) -> tuple[etree._Element | None, etree._Element]:
    """(header element or None, the operation element) of a SOAP 1.1 request; no DTDs."""
    try:
        root = etree.fromstring(body, parser=_parser())
    except etree.XMLSyntaxError:
        raise SoapFault("Server was unable to read request. ---> There is an error in the XML "
                        "document.", "soap:Client") from None
    if root.getroottree().docinfo.doctype:
        raise SoapFault("Server was unable to read request. ---> DTD is prohibited.",
                        "soap:Client")
    if root.tag != f"{{{SOAP_ENV}}}Envelope":
        raise SoapFault("Possible SOAP version mismatch: Envelope namespace was unexpected.",
                        "soap:VersionMismatch")
    header = root.find(f"{{{SOAP_ENV}}}Header")
    body_element = root.find(f"{{{SOAP_ENV}}}Body")
    children = [child for child in (body_element if body_element is not None else [])
                if isinstance(child.tag, str)]
    if len(children) != 1:
        raise SoapFault("Server did not recognize the request: the Body needs one element.",
                        "soap:Client")
    return header, children[0]


def header_fields(header: etree._Element | None, qname: str) -> dict[str, str] | None:
    """Username/Token/Domain of the named auth header, or None when it is absent."""
    element = header.find(qname) if header is not None else None
    if element is None:
        return None
    return {etree.QName(child).localname: (child.text or "") for child in element
            if isinstance(child.tag, str)}


def parse_arguments(spec: contract.Operation, element: etree._Element) -> dict[str, Any]:
    """The request parameters, converted per the contract; soap:Client fault when malformed."""
    ns = contract.namespace(spec.service)
    args: dict[str, Any] = {}
    for name, kind in spec.params:
        child = element.find(f"{{{ns}}}{name}")
        text = child.text if child is not None and child.text is not None else None
        base, _ = contract.split_type(kind)
        try:
            if base == "int":
                if text is None:
                    raise ValueError(name)
                args[name] = int(text.strip())
            elif base == "base64Binary":
                args[name] = base64.b64decode(text or "", validate=True)
            else:
                args[name] = text
        except (ValueError, TypeError):
            raise SoapFault(f"Server was unable to read request. ---> There is an error in the "
                            f"XML document: {name} is not a valid {base}.", "soap:Client") from None
    return args


def _text(kind: str, value: Any) -> str:
    if kind == "boolean":
        return "true" if value else "false"
    if kind == "dateTime":
        if isinstance(value, date) and not isinstance(value, datetime):
            value = datetime(value.year, value.month, value.day)
        return value.replace(microsecond=0, tzinfo=None).isoformat()
    if kind == "decimal":
        return str(Decimal(str(value)).quantize(Decimal("0.01")))
    if kind == "base64Binary":
        return base64.b64encode(value).decode()
    return str(value)


def _render(parent: etree._Element, ns: str, name: str, kind: str, value: Any) -> None:
    base, nillable = contract.split_type(kind)
    if value is None:
        if nillable:
            etree.SubElement(parent, f"{{{ns}}}{name}", {f"{{{XSI}}}nil": "true"})
        return
    element = etree.SubElement(parent, f"{{{ns}}}{name}")
    item = contract.array_item(base)
    if item:
        for entry in value:
            _render(element, ns, item, item, entry)
    elif base in contract.TYPES:
        for field, field_kind in contract.TYPES[base]:
            _render(element, ns, field, field_kind, value.get(field))
    else:
        element.text = _text(base, value)


def _envelope() -> tuple[etree._Element, etree._Element]:
    root = etree.Element(f"{{{SOAP_ENV}}}Envelope", nsmap={"soap": SOAP_ENV, "xsi": XSI, "xsd": XSD})
    return root, etree.SubElement(root, f"{{{SOAP_ENV}}}Body")


def render_response(spec: contract.Operation, result: Any) -> bytes:
    """``<Op>Response><Op>Result>...`` in the service namespace, fields in contract order."""
    ns = contract.namespace(spec.service)
    root, body = _envelope()
    response = etree.SubElement(body, f"{{{ns}}}{spec.name}Response", nsmap={None: ns})
    if spec.result:
        _render(response, ns, f"{spec.name}Result", spec.result, result)
    return etree.tostring(root, xml_declaration=True, encoding="utf-8")


def render_fault(fault: SoapFault) -> bytes:
    """An ASMX-style SOAP 1.1 fault."""
    root, body = _envelope()
    element = etree.SubElement(body, f"{{{SOAP_ENV}}}Fault")
    etree.SubElement(element, "faultcode").text = fault.code
    etree.SubElement(element, "faultstring").text = fault.text
    etree.SubElement(element, "detail")
    return etree.tostring(root, xml_declaration=True, encoding="utf-8")
