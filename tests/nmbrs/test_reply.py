"""check_reply: only a whole SOAP envelope of the operation's shape (or a fault) is an answer."""
from __future__ import annotations

import pytest

from tests.support.hostile_nmbrs import envelope
from wizard.nmbrs import FaultKind, contract
from wizard.nmbrs.errors import UnusableReply
from wizard.nmbrs.reply import check_reply

NS = contract.namespace("CompanyService")
LIST = contract.operation("CompanyService", "List_GetAll")
REPORT = contract.operation(
    "ReportService", "Reports_Accountant_Company_EmployeeWageComponentsPerRun_Background")
UPLOAD = contract.operation("EmployeeService", "EmployeeDocument_UploadDocument")
COMPANY = "<Company><ID>1</ID><Name>A</Name></Company>"
WHOLE = envelope(f'<List_GetAllResponse xmlns="{NS}"><List_GetAllResult>{COMPANY}'
                 "</List_GetAllResult></List_GetAllResponse>")
FAULT = envelope("<soap:Fault><faultcode>soap:Server</faultcode><faultstring>x ---> 1002: "
                 "Unauthorized access</faultstring><detail/></soap:Fault>")


@pytest.mark.parametrize("spec, content", [
    (LIST, WHOLE),
    (LIST, FAULT),
    (LIST, envelope(f'<List_GetAllResponse xmlns="{NS}"/>')),   # null list: left out by ASMX
    (LIST, envelope(f'<List_GetAllResponse xmlns="{NS}"><List_GetAllResult/></List_GetAllResponse>')),
    (LIST, b"\xef\xbb\xbf" + WHOLE),
    (REPORT, envelope(f'<{REPORT.name}Response xmlns="{contract.namespace("ReportService")}">'
                      f"<{REPORT.name}Result>0f0f0f0f-0000-4000-8000-000000000000"
                      f"</{REPORT.name}Result></{REPORT.name}Response>")),
    (UPLOAD, envelope(f'<{UPLOAD.name}Response xmlns="{contract.namespace("EmployeeService")}"/>')),
])
def test_whole_replies_pass(spec, content):
    check_reply(content, spec)


@pytest.mark.parametrize("spec, content, kind, reason", [
    (LIST, WHOLE[:-30], FaultKind.TRUNCATED, "ends before"),
    (LIST, WHOLE[: len(WHOLE) // 2], FaultKind.TRUNCATED, "ends before"),
    (LIST, b"", FaultKind.MALFORMED_RESPONSE, "empty"),
    (LIST, b"Service Unavailable", FaultKind.MALFORMED_RESPONSE, "not XML"),
    (LIST, b"<html><body>onderhoud<br></body></html>", FaultKind.MALFORMED_RESPONSE, "well-formed"),
    (LIST, b"<!DOCTYPE html><html><body/></html>", FaultKind.MALFORMED_RESPONSE, "DTD"),
    (LIST, b'<?xml version="1.0"?><NotAnEnvelope/>', FaultKind.MALFORMED_RESPONSE, "envelope"),
    (LIST, b'<e:Envelope xmlns:e="http://www.w3.org/2003/05/soap-envelope"><e:Body/></e:Envelope>',
     FaultKind.MALFORMED_RESPONSE, "envelope"),
    (LIST, envelope(""), FaultKind.MALFORMED_RESPONSE, "0 elements"),
    (LIST, envelope(f'<List_GetAllResponse xmlns="{NS}"/><List_GetAllResponse xmlns="{NS}"/>'),
     FaultKind.MALFORMED_RESPONSE, "2 elements"),
    (LIST, envelope(f'<List_GetByDebtorResponse xmlns="{NS}"/>'), FaultKind.MALFORMED_RESPONSE,
     "instead of List_GetAllResponse"),
    (LIST, envelope('<List_GetAllResponse xmlns="urn:elsewhere"/>'), FaultKind.MALFORMED_RESPONSE,
     "instead of"),
    (LIST, envelope(f'<List_GetAllResponse xmlns="{NS}"><Surprise/></List_GetAllResponse>'),
     FaultKind.MALFORMED_RESPONSE, "other elements"),
    (LIST, envelope(f'<List_GetAllResponse xmlns="{NS}"><List_GetAllResult><Debtor/>'
                    "</List_GetAllResult></List_GetAllResponse>"),
     FaultKind.MALFORMED_RESPONSE, "than Company"),
    (REPORT, envelope(f'<{REPORT.name}Response xmlns="{contract.namespace("ReportService")}"/>'),
     FaultKind.MALFORMED_RESPONSE, "lacks"),
])
def test_anything_else_is_no_answer(spec, content, kind, reason):
    with pytest.raises(UnusableReply) as caught:
        check_reply(content, spec)
    assert caught.value.kind is kind and reason in caught.value.reason
