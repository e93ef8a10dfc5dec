"""The part of Nmbrs SOAP v3 we use, as data: services, operations, types.

This is our reconstruction (from Nmbrs' help pages, public clients and the
v2.1 WSDLs), not Nmbrs' own file. It is the single source for the WSDL files
shipped in ``wizard/nmbrs/wsdl/`` (written by ``tools/build_wsdl.py``; a test
checks they are current) and for the sandbox emulator, which parses requests
and renders responses from the same declarations.

Field types are XSD names: ``string int boolean decimal dateTime base64Binary
guid``, a name from ``TYPES`` or ``ENUMS``, or ``ArrayOf<Type>``. A trailing
``?`` marks a nillable value (an ASMX ``Nullable<T>``).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from xml.sax.saxutils import escape

SOAP_BASE = "https://api.nmbrs.nl/soap/v3/"
#: Nmbrs stops supporting the SOAP API on this day (NMBRS.md §2); REST is then the only API.
SOAP_END_OF_SUPPORT = date(2027, 3, 1)
GUID_NAMESPACE = "http://microsoft.com/wsdl/types/"
SERVICES = ("DebtorService", "CompanyService", "EmployeeService", "ReportService")
VALUE_TYPES = {"int", "boolean", "decimal", "dateTime", "guid"}
PRIMITIVES = VALUE_TYPES | {"string", "base64Binary"}


def namespace(service: str) -> str:
    """The target namespace of a service (the same string on production and sandbox)."""
    return SOAP_BASE + service


def _fields(spec: str) -> tuple[tuple[str, str], ...]:
    """``"Id:int Name"`` -> (("Id", "int"), ("Name", "string")): compact field lists."""
    pairs = []
    for token in spec.split():
        name, _, kind = token.partition(":")
        pairs.append((name, kind or "string"))
    return tuple(pairs)


_HOURS = " ".join(f"Hours{day}{week}:decimal" for week in ("", "2") for day in
                  ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"))

TYPES: dict[str, tuple[tuple[str, str], ...]] = {name: _fields(spec) for name, spec in {
    "Environment": "Domain SubDomain",
    "Debtor": "Id:int Number Name",
    "Department": "Id:int Code:int Description",
    "Function": "Id:int Code:int Description",
    "Company": "ID:int Number:int Name PhoneNumber FaxNumber Email Website "
               "LoonaangifteTijdvak:Tijdvak KvkNr",
    "Address": "Id:int Default:boolean Street HouseNumber HouseNumberAddition PostalCode City "
               "StateProvince CountryISOCode",
    "ContactPerson": "Number Name Gender Email Phone MobilePhone Fax Function Department",
    "Mapping": "IdInt:int IdGuid:guid",
    "EntityMappings": "Entity Mappings:ArrayOfMapping",
    "WageTax": "LoonaangifteID:int SerialNumber:int PaymentReference TotalGeneral:decimal "
               "Period:int Year:int Status SentAt:dateTime? TijdvakStart:dateTime "
               "TijdvakEnd:dateTime CorrectionTijdvakStart:dateTime? CorrectionTijdvakEnd:dateTime?",
    "RunInfo": "ID:int Number:int Year:int PeriodStart:int PeriodEnd:int Description "
               "RunAt:dateTime IsLocked:boolean",
    "Payslip": "EmployeeID:int PDF:base64Binary",
    "EmployeeType": "Id:int Description",
    "Employee": "Id:int Number:int DisplayName",
    "PersonalInfo_V2": "Id:int EmployeeNumber:int DisplayName BSN Title FirstName Initials Prefix "
                       "LastName Nickname Gender:Gender EmailWork EmailPrivate TelephoneWork "
                       "TelephonePrivate TelephoneMobile Birthday:dateTime CreationDate:dateTime "
                       "StartPeriod:int StartYear:int",
    "PersonalInfoItem": "EmployeeId:int EmployeePersonalInfos:ArrayOfPersonalInfo_V2",
    "Employment": "EmploymentId:int CreationDate:dateTime StartDate:dateTime EndDate:dateTime? "
                  "InitialStartDate:dateTime",
    "EmployeeEmploymentItem": "EmployeeId:int EmployeeEmployments:ArrayOfEmployment",
    "Department_V2": "Id:int Code:int Description CreationDate:dateTime StartPeriod:int "
                     "StartYear:int",
    "EmployeeDepartmentItem": "EmployeeId:int EmployeeDepartments:ArrayOfDepartment_V2",
    "EmployeeFunction": "RecordId:int Function:Function CreationDate:dateTime StartPeriod:int "
                        "StartYear:int",
    "EmployeeFunctionItem": "EmployeeId:int EmployeeFunctions:ArrayOfEmployeeFunction",
    "PersonalInfoContractSalaryAddress": (
        "EmployeeID:int EmployeeNumber:int FirstName Prefix LastName Birthday:dateTime "
        "Gender:Gender BSN EmailWork EmailPrivate TelephoneWork TelephoneMobile "
        "ContractStartDate:dateTime ContractEndDate:dateTime? SalaryType SalaryValue:decimal "
        "HourlyWage:decimal ContractHours:decimal Street HouseNumber HouseNumberAddition "
        "PostCode City"),
    "Schedule_V2": f"Id:int {_HOURS} StartDate:dateTime CreationDate:dateTime ScheduleCalcMethod",
    "EmployeeScheduleItem": "EmployeeId:int EmployeeSchedules:ArrayOfSchedule_V2",
    "Schedule": f"{_HOURS} ParttimePercentage:decimal StartDate:dateTime",
    "EmployeeAddress_V2": "Id:int Street HouseNumber HouseNumberAddition PostalCode City "
                          "StateProvince CountryISOCode Type:AddressType StartPeriod:int "
                          "StartYear:int EndPeriod:int? EndYear:int? CreationDate:dateTime",
    "EmployeeAddressItem": "EmployeeId:int EmployeeAddresses:ArrayOfEmployeeAddress_V2",
    "EmployeeContract": "ContractID:int CreationDate:dateTime StartDate:dateTime "
                        "TrialPeriod:dateTime? EndDate:dateTime? EmployementType:int "
                        "EmploymentSequenceTaxId:int Indefinite:boolean PhaseClassification:int "
                        "WrittenContract:boolean HoursPerWeek:decimal",
    "EmployeeContractItem": "EmployeeId:int EmployeeContracts:ArrayOfEmployeeContract",
    "SalaryTable": "Code Description",
    "Salary_V2": "ID:int Value:decimal Type:SalaryType SalaryTable:SalaryTable "
                 "StartDate:dateTime CreationDate:dateTime",
    "EmployeeSalaryItem": "EmployeeId:int EmployeeSalaries:ArrayOfSalary_V2",
    "CAO": "CAOId:int CAOCode:int CAODescription",
    "EmployeeSVWSettings": "Id:int CreateDate:dateTime StartYear:int StartPeriod:int "
                           "InfluenceObligedInsuranced:boolean Wao_Wia:boolean Ww:boolean "
                           "Zw:boolean IncomeRelatedContributionZvw:boolean CodeZvw:int "
                           "EmploymentType:int PhaseClassification:int "
                           "EmploymentSequenceTaxId:int CAO:CAO",
    "EmployeeSVWSettingsItem": "EmployeeId:int EmployeeSVWSettings:ArrayOfEmployeeSVWSettings",
    "BankAccount": "Id:int Number Description IBAN BIC City Name Type:BankAccountType",
    "AnnualStatement": "EmployeeID:int Year:int PDF:base64Binary",
    "BackgroundTaskResult": "TaskId:guid Status:TaskStatus Content",
}.items()}

ENUMS: dict[str, tuple[str, ...]] = {
    "Tijdvak": ("None", "Month", "Week4", "Month6", "Year"),
    "Gender": ("undefined", "male", "female"),
    "AddressType": ("HomeAddress", "PostAddress", "AbsenceAddress", "HolidaysAddress",
                    "WeekendAddress"),
    "SalaryType": ("Bruto_Fulltime", "Bruto_Parttime", "Uurloon", "Netto"),
    "BankAccountType": ("None", "Bankrekening1", "Bankrekening2", "Bankrekening3",
                        "Bankrekening4", "Bankrekening5", "Spaarloon", "Standaard", "Levensloop"),
    "TaskStatus": ("Enqueued", "Executing", "Success", "Error", "Unknown"),
}


@dataclass(frozen=True)
class Operation:
    """One SOAP operation: its request parameters and the type of ``<Op>Result`` (None: void)."""

    service: str
    name: str
    params: tuple[tuple[str, str], ...]
    result: str | None
    header: str = "AuthHeaderWithDomain"

    @property
    def soap_action(self) -> str:
        return f"{namespace(self.service)}/{self.name}"


def _ops(service: str, table: dict[str, tuple[str, str | None]]) -> dict[str, Operation]:
    return {name: Operation(service, name, _fields(params), result)
            for name, (params, result) in table.items()}


_COMPANY_WIDE = {
    f"{name}_GetAll_AllEmployeesByCompany": ("CompanyID:int", f"ArrayOf{item}")
    for name, item in (("PersonalInfo", "PersonalInfoItem"),
                       ("Employment", "EmployeeEmploymentItem"),
                       ("Department", "EmployeeDepartmentItem"),
                       ("Schedule", "EmployeeScheduleItem"),
                       ("Address", "EmployeeAddressItem"),
                       ("Contract", "EmployeeContractItem"),
                       ("Salary", "EmployeeSalaryItem"),
                       ("SVW", "EmployeeSVWSettingsItem"),
                       ("PersonalInfoContractSalaryAddress", "PersonalInfoContractSalaryAddress"))
}

OPERATIONS: dict[str, dict[str, Operation]] = {
    "DebtorService": {
        "Environment_Get": Operation("DebtorService", "Environment_Get", (), "Environment",
                                     header="AuthHeader"),
        **_ops("DebtorService", {
            "List_GetAll": ("", "ArrayOfDebtor"),
            "Department_GetList": ("DebtorId:int", "ArrayOfDepartment"),
            "Function_GetList": ("DebtorId:int", "ArrayOfFunction"),
        }),
    },
    "CompanyService": _ops("CompanyService", {
        "List_GetAll": ("", "ArrayOfCompany"),
        "List_GetByDebtor": ("DebtorId:int", "ArrayOfCompany"),
        "Address_GetCurrent": ("CompanyId:int", "Address"),
        "Company_GetCurrentPeriod": ("CompanyId:int", "string"),
        "ContactPerson_Get": ("CompanyId:int", "ContactPerson"),
        "Converter_GetByCompany_IntToGuid": ("Entity CompanyId:int", "EntityMappings"),
        "WageTax_GetList": ("CompanyId:int intYear:int", "ArrayOfWageTax"),
        "WageTax_GetXML": ("CompanyId:int LoonaangifteID:int", "string"),
        "Run_GetList": ("CompanyId:int Year:int", "ArrayOfRunInfo"),
        "SalaryDocuments_GetEmployeePayslipsPDFByRunCompany": (
            "EmployeeID:int CompanyId:int RunID:int", "ArrayOfPayslip"),
    }),
    "EmployeeService": _ops("EmployeeService", {
        "EmployeeType_GetList": ("", "ArrayOfEmployeeType"),
        "List_GetByCompany": ("CompanyId:int EmployeeType:int", "ArrayOfEmployee"),
        **_COMPANY_WIDE,
        "Function_GetAll_AllEmployeesByCompany_V2": ("CompanyID:int", "ArrayOfEmployeeFunctionItem"),
        "PersonalInfo_GetCurrent": ("EmployeeId:int", "PersonalInfo_V2"),
        "Department_GetCurrent": ("EmployeeId:int", "Department"),
        "Function_GetCurrent": ("EmployeeId:int", "Function"),
        "BankAccount_GetListCurrent": ("EmployeeId:int", "ArrayOfBankAccount"),
        "Schedule_Get": ("EmployeeId:int Period:int Year:int", "Schedule"),
        "SVW_GetList": ("EmployeeId:int", "ArrayOfEmployeeSVWSettings"),
        "SalaryDocuments_GetAnnualStatementPDF": ("EmployeeID:int intYear:int", "AnnualStatement"),
        "EmployeeDocument_UploadDocument": (
            "EmployeeId:int StrDocumentName Body:base64Binary GuidDocumentType:guid", None),
    }),
    "ReportService": _ops("ReportService", {
        "Reports_Accountant_Company_EmployeeWageComponentsPerRun_Background": (
            "companyId:int year:int", "guid"),
        "Reports_BackgroundTask_Result": ("TaskId:guid", "BackgroundTaskResult"),
    }),
}


def operation(service: str, name: str) -> Operation:
    """Look up one operation; KeyError names what is unknown."""
    try:
        return OPERATIONS[service][name]
    except KeyError:
        raise KeyError(f"{service}.{name} is not in our Nmbrs contract") from None


def split_type(kind: str) -> tuple[str, bool]:
    """``"dateTime?"`` -> ("dateTime", True)."""
    return (kind[:-1], True) if kind.endswith("?") else (kind, False)


def array_item(kind: str) -> str | None:
    """The item type of ``ArrayOf<Item>``, else None."""
    return kind[len("ArrayOf"):] if kind.startswith("ArrayOf") else None


# --- WSDL rendering -------------------------------------------------------------------------

def _type_ref(kind: str) -> str:
    if kind == "guid":
        return "s1:guid"
    return f"s:{kind}" if kind in PRIMITIVES else f"tns:{kind}"


def _element(name: str, kind: str) -> str:
    base, nillable = split_type(kind)
    if nillable:
        occurs = 'minOccurs="1" maxOccurs="1" nillable="true"'
    elif base in VALUE_TYPES or base in ENUMS:
        occurs = 'minOccurs="1" maxOccurs="1"'
    else:
        occurs = 'minOccurs="0" maxOccurs="1"'
    return f'<s:element {occurs} name="{name}" type="{_type_ref(base)}" />'


def _sequence(fields) -> str:
    inner = "".join(f"\n          {_element(name, kind)}" for name, kind in fields)
    return f"<s:sequence>{inner}\n        </s:sequence>" if inner else "<s:sequence />"


def _types_used(ops: dict[str, Operation]) -> list[str]:
    """Complex, enum and array types reachable from the service's operations, in a stable order."""
    seen: list[str] = []

    def visit(kind: str | None) -> None:
        if not kind:
            return
        base, _ = split_type(kind)
        if base in PRIMITIVES or base in seen:
            return
        seen.append(base)
        item = array_item(base)
        if item:
            visit(item)
        for _, field_kind in TYPES.get(base, ()):
            visit(field_kind)

    for op in ops.values():
        for _, kind in op.params:
            visit(kind)
        visit(op.result)
    return seen


def _type_definition(name: str) -> str:
    item = array_item(name)
    if item:
        return (f'      <s:complexType name="{name}">\n        <s:sequence>\n'
                f'          <s:element minOccurs="0" maxOccurs="unbounded" name="{item}" '
                f'nillable="true" type="tns:{item}" />\n        </s:sequence>\n'
                f'      </s:complexType>\n')
    if name in ENUMS:
        values = "".join(f'\n          <s:enumeration value="{v}" />' for v in ENUMS[name])
        return (f'      <s:simpleType name="{name}">\n        <s:restriction base="s:string">'
                f'{values}\n        </s:restriction>\n      </s:simpleType>\n')
    return (f'      <s:complexType name="{name}">\n        {_sequence(TYPES[name])}\n'
            f'      </s:complexType>\n')


def _wrapper(name: str, fields) -> str:
    return (f'      <s:element name="{name}">\n        <s:complexType>\n        {_sequence(fields)}\n'
            f'        </s:complexType>\n      </s:element>\n')


def render_wsdl(service: str, address: str | None = None) -> str:
    """The WSDL 1.1 document (SOAP 1.1 binding) for one service, served at ``address``."""
    ns = namespace(service)
    ops = OPERATIONS[service]
    address = address or f"{SOAP_BASE}{service}.asmx"
    headers = sorted({op.header for op in ops.values()})
    header_fields = {"AuthHeader": (("Username", "string"), ("Token", "string")),
                     "AuthHeaderWithDomain": (("Username", "string"), ("Token", "string"),
                                              ("Domain", "string"))}
    parts = [
        '<?xml version="1.0" encoding="utf-8"?>\n'
        "<!-- Nmbrs SOAP v3, reconstructed by us for the operations we use; "
        "generated by tools/build_wsdl.py from wizard/nmbrs/contract.py. -->\n"
        '<wsdl:definitions xmlns:s="http://www.w3.org/2001/XMLSchema" '
        'xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap/" '
        f'xmlns:s1="{GUID_NAMESPACE}" xmlns:tns="{ns}" '
        f'xmlns:wsdl="http://schemas.xmlsoap.org/wsdl/" targetNamespace="{ns}">\n'
        "  <wsdl:types>\n"
        f'    <s:schema elementFormDefault="qualified" targetNamespace="{ns}">\n'
        f'      <s:import namespace="{GUID_NAMESPACE}" />\n'
    ]
    for op in ops.values():
        parts.append(_wrapper(op.name, op.params))
        result = ((f"{op.name}Result", op.result),) if op.result else ()
        parts.append(_wrapper(f"{op.name}Response", result))
    for kind in _types_used(ops):
        parts.append(_type_definition(kind))
    for header in headers:
        parts.append(f'      <s:element name="{header}" type="tns:{header}" />\n')
        parts.append(f'      <s:complexType name="{header}">\n        '
                     f'{_sequence(header_fields[header])}\n        '
                     '<s:anyAttribute />\n      </s:complexType>\n')
    parts.append(
        "    </s:schema>\n"
        f'    <s:schema elementFormDefault="qualified" targetNamespace="{GUID_NAMESPACE}">\n'
        '      <s:simpleType name="guid">\n        <s:restriction base="s:string">\n'
        '          <s:pattern value="[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-'
        '[0-9a-fA-F]{4}-[0-9a-fA-F]{12}" />\n'
        "        </s:restriction>\n      </s:simpleType>\n    </s:schema>\n  </wsdl:types>\n")
    for op in ops.values():
        parts.append(
            f'  <wsdl:message name="{op.name}SoapIn">\n'
            f'    <wsdl:part name="parameters" element="tns:{op.name}" />\n  </wsdl:message>\n'
            f'  <wsdl:message name="{op.name}SoapOut">\n'
            f'    <wsdl:part name="parameters" element="tns:{op.name}Response" />\n'
            f'  </wsdl:message>\n'
            f'  <wsdl:message name="{op.name}{op.header}">\n'
            f'    <wsdl:part name="{op.header}" element="tns:{op.header}" />\n  </wsdl:message>\n')
    parts.append(f'  <wsdl:portType name="{service}Soap">\n')
    for op in ops.values():
        parts.append(f'    <wsdl:operation name="{op.name}">\n'
                     f'      <wsdl:input message="tns:{op.name}SoapIn" />\n'
                     f'      <wsdl:output message="tns:{op.name}SoapOut" />\n'
                     f'    </wsdl:operation>\n')
    parts.append("  </wsdl:portType>\n"
                 f'  <wsdl:binding name="{service}Soap" type="tns:{service}Soap">\n'
                 '    <soap:binding transport="http://schemas.xmlsoap.org/soap/http" />\n')
    for op in ops.values():
        parts.append(
            f'    <wsdl:operation name="{op.name}">\n'
            f'      <soap:operation soapAction="{op.soap_action}" style="document" />\n'
            f'      <wsdl:input>\n        <soap:body use="literal" />\n'
            f'        <soap:header message="tns:{op.name}{op.header}" part="{op.header}" '
            f'use="literal" />\n      </wsdl:input>\n'
            f'      <wsdl:output>\n        <soap:body use="literal" />\n      </wsdl:output>\n'
            f'    </wsdl:operation>\n')
    parts.append(
        "  </wsdl:binding>\n"
        f'  <wsdl:service name="{service}">\n'
        f'    <wsdl:port name="{service}Soap" binding="tns:{service}Soap">\n'
        f'      <soap:address location="{escape(address, {chr(34): "&quot;"})}" />\n'
        "    </wsdl:port>\n  </wsdl:service>\n</wsdl:definitions>\n")
    return "".join(parts)
