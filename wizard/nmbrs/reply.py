"""What counts as an answer from Nmbrs: a whole SOAP envelope of the shape the operation promises.

zeep reads replies leniently (it repairs a document cut off mid-way and returns
``None`` for a body it does not recognise), so a probe could take a broken reply
for permission. ``check_reply`` looks at the raw bytes first and accepts only:

- a SOAP 1.1 fault (zeep turns it into the typed Nmbrs fault), or
- an envelope whose body holds exactly ``<Op>Response`` in the service namespace,
  which holds nothing but ``<Op>Result``. The result may be left out only where
  ASMX leaves out a null reference (an empty ``ArrayOf`` list, "no annual statement");
  a value-type result (a task GUID) must be there, and a list holds only its items.

Anything else raises ``UnusableReply`` with a reason that names the shape, never
the content: ``truncated`` when the document ends before it is complete (or the
connection broke off), ``malformed_response`` otherwise.
"""
from __future__ import annotations

from lxml import etree

from wizard.nmbrs import contract
from wizard.nmbrs.errors import FaultKind, UnusableReply

SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
_BOM_AND_SPACE = b"\xef\xbb\xbf \t\r\n"


def _parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                           huge_tree=False, remove_comments=True, remove_pis=True)


def parse_whole(content: bytes) -> etree._Element:
    """The document's root, read strictly: no repairs, no DTD, no entities."""
    if not content.lstrip(_BOM_AND_SPACE):
        raise UnusableReply(FaultKind.MALFORMED_RESPONSE, "was empty")
    if not content.lstrip(_BOM_AND_SPACE).startswith(b"<"):
        raise UnusableReply(FaultKind.MALFORMED_RESPONSE, "is not XML")
    parser = _parser()
    try:
        parser.feed(content)
    except etree.XMLSyntaxError:
        raise UnusableReply(FaultKind.MALFORMED_RESPONSE, "is not well-formed XML") from None
    try:
        root = parser.close()
    except etree.XMLSyntaxError:
        # Everything fed parsed, but the document is not finished: it was cut off.
        raise UnusableReply(FaultKind.TRUNCATED, "ends before the document is complete") from None
    if root.getroottree().docinfo.doctype:
        raise UnusableReply(FaultKind.MALFORMED_RESPONSE, "carries a DTD")
    return root


def is_fault(root: etree._Element) -> bool:
    """The envelope's body is a SOAP fault."""
    body = root.find(f"{{{SOAP_ENV}}}Body")
    return body is not None and body.find(f"{{{SOAP_ENV}}}Fault") is not None


def check_reply(content: bytes, spec: contract.Operation) -> None:
    """Raise ``UnusableReply`` unless ``content`` is a whole fault or ``spec``'s response."""
    root = parse_whole(content)
    if root.tag != f"{{{SOAP_ENV}}}Envelope":
        raise UnusableReply(FaultKind.MALFORMED_RESPONSE, "is not a SOAP 1.1 envelope")
    body = root.find(f"{{{SOAP_ENV}}}Body")
    children = [] if body is None else [child for child in body if isinstance(child.tag, str)]
    if len(children) != 1:
        raise UnusableReply(FaultKind.MALFORMED_RESPONSE,
                            f"has {len(children)} elements in its SOAP body, not 1")
    (answer,) = children
    if answer.tag == f"{{{SOAP_ENV}}}Fault":
        return
    ns = contract.namespace(spec.service)
    if answer.tag != f"{{{ns}}}{spec.name}Response":
        raise UnusableReply(FaultKind.MALFORMED_RESPONSE,
                            f"holds {etree.QName(answer).localname} instead of {spec.name}Response")
    parts = [child for child in answer if isinstance(child.tag, str)]
    result_tag = f"{{{ns}}}{spec.name}Result"
    if len(parts) > 1 or (parts and parts[0].tag != result_tag):
        raise UnusableReply(FaultKind.MALFORMED_RESPONSE,
                            f"holds other elements than one {spec.name}Result")
    if not spec.result:
        return
    base, _ = contract.split_type(spec.result)
    if not parts:
        if base in contract.VALUE_TYPES:
            raise UnusableReply(FaultKind.MALFORMED_RESPONSE, f"lacks {spec.name}Result")
        return  # ASMX leaves out a null reference result
    item = contract.array_item(base)
    if item and any(isinstance(child.tag, str) and child.tag != f"{{{ns}}}{item}"
                    for child in parts[0]):
        raise UnusableReply(FaultKind.MALFORMED_RESPONSE,
                            f"holds other elements than {item} in its list")
