"""What the sandbox answers per operation, as plain data (``soap.render_response`` shapes it).

Each handler gets a ``Call`` (the login, its environment, id checks) and the
request parameters by name. Ids outside the login's filter fail like Nmbrs:
2009 for debtors, 2004 for companies, 2003 for employees.
"""
from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from typing import Any, Callable

from wizard.sandbox.data import Company, Debtor, Employee
from wizard.sandbox.ids import entity_guid
from wizard.sandbox.soap import SoapFault

HANDLERS: dict[tuple[str, str], Callable[..., Any]] = {}
EMPLOYEE_TYPES = ((1, "Medewerker in loondienst"), (2, "Uit dienst"), (3, "Externe medewerker"),
                  (4, "Nieuwe medewerker"), (5, "Sollicitant"))
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


class Call:
    """The context of one request: who calls, and lookups that enforce the login's filter."""

    def __init__(self, sandbox, login):
        self.sandbox = sandbox
        self.login = login
        self.environment = login.environment
        self.today = date.today()

    def debtor(self, debtor_id: int) -> Debtor:
        found = next((d for d in self.login.debtors if d.id == debtor_id), None)
        if found is None:
            raise SoapFault.nmbrs(2009)
        return found

    def company(self, company_id: int) -> Company:
        found = self.login.companies.get(company_id)
        if found is None:
            raise SoapFault.nmbrs(2004)
        return found

    def employee(self, employee_id: int, company: Company | None = None) -> Employee:
        found = self.environment.employee(employee_id)
        if found is None or found.company_id not in self.login.companies or (
                company is not None and found.company_id != company.id):
            raise SoapFault.nmbrs(2003)
        return found


def handles(service: str, *names: str):
    def register(function):
        for name in names:
            HANDLERS[(service, name)] = function
        return function
    return register


def _pdf(*lines: str) -> bytes:
    """A one-page PDF with the given lines (enough for any PDF viewer)."""
    text = " T* ".join(f"({line.replace('(', '[').replace(')', ']')}) Tj" for line in lines)
    stream = f"BT /F1 12 Tf 14 TL 72 770 Td {text} ET".encode("latin-1", "replace")
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>",
               b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
               b"/Resources << /Font << /F1 5 0 R >> >> >>",
               b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
               b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


# --- DebtorService --------------------------------------------------------------------------

@handles("DebtorService", "Environment_Get")
def environment_get(call: Call) -> dict:
    return {"Domain": f"{call.login.domain}.nmbrs.nl", "SubDomain": call.login.domain}


@handles("DebtorService", "List_GetAll")
def debtor_list(call: Call) -> list[dict]:
    return [{"Id": d.id, "Number": str(d.number), "Name": d.name} for d in call.login.debtors]


@handles("DebtorService", "Department_GetList")
def debtor_departments(call: Call, DebtorId: int) -> list[dict]:
    return [{"Id": i, "Code": code, "Description": text}
            for i, code, text in call.debtor(DebtorId).departments]


@handles("DebtorService", "Function_GetList")
def debtor_functions(call: Call, DebtorId: int) -> list[dict]:
    return [{"Id": i, "Code": code, "Description": text}
            for i, code, text in call.debtor(DebtorId).functions]


# --- CompanyService -------------------------------------------------------------------------

def _company_row(company: Company) -> dict:
    slug = company.name.split(" B.V.")[0].lower().replace(" ", "")
    return {"ID": company.id, "Number": company.number, "Name": company.name,
            "PhoneNumber": f"0{company.kvk[:2]}-{company.kvk[2:]}", "FaxNumber": None,
            "Email": f"info@{slug}.example", "Website": f"https://www.{slug}.example",
            "LoonaangifteTijdvak": company.tijdvak, "KvkNr": company.kvk}


@handles("CompanyService", "List_GetAll")
def company_list(call: Call) -> list[dict]:
    return [_company_row(c) for c in call.login.companies.values()]


@handles("CompanyService", "List_GetByDebtor")
def company_list_by_debtor(call: Call, DebtorId: int) -> list[dict]:
    debtor = call.debtor(DebtorId)
    return [_company_row(c) for c in call.login.companies.values() if c.debtor_id == debtor.id]


@handles("CompanyService", "Address_GetCurrent")
def company_address(call: Call, CompanyId: int) -> dict:
    company = call.company(CompanyId)
    return {"Id": company.id * 10 + 1, "Default": True, "Street": company.street,
            "HouseNumber": company.house_number, "HouseNumberAddition": "",
            "PostalCode": company.postal_code, "City": company.city, "StateProvince": None,
            "CountryISOCode": "NL"}


def current_period(company: Company, today: date) -> tuple[int, int, str]:
    """The company's open payroll period: (year, period, ``"M"`` or ``"4W"``)."""
    if company.tijdvak == "Week4":
        return today.year, min(13, (today.timetuple().tm_yday - 1) // 28 + 1), "4W"
    return today.year, today.month, "M"


@handles("CompanyService", "Company_GetCurrentPeriod")
def company_period(call: Call, CompanyId: int) -> str:
    year, period, kind = current_period(call.company(CompanyId), call.today)
    return f"{year}-{period}-{kind}"


@handles("CompanyService", "ContactPerson_Get")
def company_contact(call: Call, CompanyId: int) -> dict:
    company = call.company(CompanyId)
    person = company.employees[0] if company.employees else None
    if person is None:
        return {"Number": None, "Name": None}
    return {"Number": str(person.number), "Name": person.display_name,
            "Gender": "Man" if person.gender == "male" else "Vrouw", "Email": person.email_work,
            "Phone": person.phone, "MobilePhone": person.phone, "Fax": None,
            "Function": person.function[2], "Department": person.department[2]}


@handles("CompanyService", "Converter_GetByCompany_IntToGuid")
def company_converter(call: Call, Entity: str | None, CompanyId: int) -> dict:
    company = call.company(CompanyId)
    ids = {"Employee": [e.id for e in company.employees], "Company": [company.id]}.get(Entity or "", [])
    return {"Entity": Entity, "Mappings": [
        {"IdInt": i, "IdGuid": entity_guid(Entity, i)} for i in ids]}


def wage_tax_declarations(company: Company, year: int) -> list[dict]:
    """One sent declaration per closed run of ``year``."""
    declarations = []
    for run in company.runs(year):
        period = run["PeriodStart"]
        start = datetime(year, period, 1)
        end = (start + timedelta(days=32)).replace(day=1) - timedelta(days=1)
        total = sum(e.salary for e in company.employees if e.active_in(year)) * 0.31
        declarations.append({
            "LoonaangifteID": run["ID"], "SerialNumber": period,
            "PaymentReference": f"{company.kvk}{year % 100:02d}{period:02d}0000"[:16],
            "TotalGeneral": round(total, 2), "Period": period, "Year": year, "Status": "Verzonden",
            "SentAt": end + timedelta(days=10), "TijdvakStart": start, "TijdvakEnd": end,
            "CorrectionTijdvakStart": None, "CorrectionTijdvakEnd": None})
    return declarations


@handles("CompanyService", "WageTax_GetList")
def company_wage_taxes(call: Call, CompanyId: int, intYear: int) -> list[dict]:
    return wage_tax_declarations(call.company(CompanyId), intYear)


@handles("CompanyService", "WageTax_GetXML")
def company_wage_tax_xml(call: Call, CompanyId: int, LoonaangifteID: int) -> str:
    company = call.company(CompanyId)
    year = 2000 + (LoonaangifteID % 1000) // 13
    found = next((d for d in wage_tax_declarations(company, year)
                  if d["LoonaangifteID"] == LoonaangifteID), None)
    if found is None:
        raise SoapFault.nmbrs(2046)
    return wage_tax_xml(company, found)


def wage_tax_xml(company: Company, declaration: dict) -> str:
    """The declaration as the Belastingdienst XML (a small but well-formed extract)."""
    return (f'<?xml version="1.0" encoding="UTF-8"?><Loonaangifte><LhNr>{company.kvk}L01</LhNr>'
            f'<TijdvakAangifte><DatAanvTv>{declaration["TijdvakStart"]:%Y-%m-%d}</DatAanvTv>'
            f'<DatEindTv>{declaration["TijdvakEnd"]:%Y-%m-%d}</DatEindTv></TijdvakAangifte>'
            f'<TotGen>{declaration["TotalGeneral"]:.2f}</TotGen></Loonaangifte>')


@handles("CompanyService", "Run_GetList")
def company_runs(call: Call, CompanyId: int, Year: int) -> list[dict]:
    return call.company(CompanyId).runs(Year)


@handles("CompanyService", "SalaryDocuments_GetEmployeePayslipsPDFByRunCompany")
def company_payslips(call: Call, EmployeeID: int, CompanyId: int, RunID: int) -> list[dict]:
    company = call.company(CompanyId)
    employee = call.employee(EmployeeID, company)
    run = next((r for r in company.runs(call.today.year) if r["ID"] == RunID), None)
    if run is None:
        raise SoapFault.nmbrs(2046)
    return [{"EmployeeID": employee.id, "PDF": _pdf(
        company.name, f"Loonstrook {run['Description']}", employee.display_name,
        f"Bruto salaris: EUR {employee.salary:.2f}")}]


# --- EmployeeService ------------------------------------------------------------------------

def _visible_employees(call: Call, company_id: int) -> list[Employee]:
    return call.company(company_id).employees


def record_created(employee: Employee) -> datetime:
    """When the employee's records were entered: two weeks before the start."""
    return employee.start - timedelta(days=14)


def _personal(employee: Employee) -> dict:
    return {"Id": employee.id * 10 + 1, "EmployeeNumber": employee.number,
            "DisplayName": employee.display_name, "BSN": employee.bsn, "Title": None,
            "FirstName": employee.first_name, "Initials": employee.initials,
            "Prefix": employee.prefix, "LastName": employee.last_name,
            "Nickname": employee.first_name, "Gender": employee.gender,
            "EmailWork": employee.email_work, "EmailPrivate": None, "TelephoneWork": None,
            "TelephonePrivate": None, "TelephoneMobile": employee.phone,
            "Birthday": employee.birthday, "CreationDate": record_created(employee),
            "StartPeriod": employee.start.month, "StartYear": employee.start.year}


def parttime_percentage(employee: Employee) -> float:
    return round(employee.hours / 40 * 100, 2)


def _schedule(employee: Employee) -> dict:
    per_day = employee.hours / 5
    hours = {f"Hours{day}{week}": (per_day if day not in ("Saturday", "Sunday") else 0)
             for week in ("", "2") for day in WEEKDAYS}
    return {**hours, "StartDate": employee.start}


def _svw(employee: Employee) -> dict:
    cao_id, cao_code, cao_text = employee.cao
    return {"Id": employee.id * 10 + 7, "CreateDate": record_created(employee),
            "StartYear": employee.start.year, "StartPeriod": employee.start.month,
            "InfluenceObligedInsuranced": True, "Wao_Wia": True, "Ww": True, "Zw": True,
            "IncomeRelatedContributionZvw": True, "CodeZvw": 1, "EmploymentType": 1,
            "PhaseClassification": 0, "EmploymentSequenceTaxId": 1,
            "CAO": {"CAOId": cao_id, "CAOCode": cao_code, "CAODescription": cao_text}}


def _per_employee(wrapper: str, build: Callable[[Employee], dict]):
    def handler(call: Call, CompanyID: int) -> list[dict]:
        return [{"EmployeeId": e.id, wrapper: [build(e)]}
                for e in _visible_employees(call, CompanyID)]
    return handler


COMPANY_WIDE = {
    "PersonalInfo": ("EmployeePersonalInfos", _personal),
    "Employment": ("EmployeeEmployments", lambda e: {
        "EmploymentId": e.id * 10 + 2, "CreationDate": record_created(e), "StartDate": e.start,
        "EndDate": e.end, "InitialStartDate": e.start}),
    "Department": ("EmployeeDepartments", lambda e: {
        "Id": e.department[0], "Code": e.department[1], "Description": e.department[2],
        "CreationDate": record_created(e), "StartPeriod": e.start.month, "StartYear": e.start.year}),
    "Schedule": ("EmployeeSchedules", lambda e: {
        "Id": e.id * 10 + 3, **_schedule(e), "CreationDate": record_created(e),
        "ScheduleCalcMethod": "Standaard"}),
    "Address": ("EmployeeAddresses", lambda e: {
        "Id": e.id * 10 + 4, "Street": e.street, "HouseNumber": e.house_number,
        "HouseNumberAddition": None, "PostalCode": e.postal_code, "City": e.city,
        "StateProvince": None, "CountryISOCode": "NL", "Type": "HomeAddress",
        "StartPeriod": e.start.month, "StartYear": e.start.year, "EndPeriod": None,
        "EndYear": None, "CreationDate": record_created(e)}),
    "Contract": ("EmployeeContracts", lambda e: {
        "ContractID": e.id * 10 + 5, "CreationDate": record_created(e), "StartDate": e.start,
        "TrialPeriod": e.start + timedelta(days=30), "EndDate": e.end, "EmployementType": 1,
        "EmploymentSequenceTaxId": 1, "Indefinite": e.end is None, "PhaseClassification": 0,
        "WrittenContract": True, "HoursPerWeek": e.hours}),
    "Salary": ("EmployeeSalaries", lambda e: {
        "ID": e.id * 10 + 6, "Value": e.salary,
        "Type": "Bruto_Fulltime" if e.hours >= 36 else "Bruto_Parttime", "SalaryTable": None,
        "StartDate": e.start, "CreationDate": record_created(e)}),
    "SVW": ("EmployeeSVWSettings", _svw),
}
for _name, (_wrapper, _build) in COMPANY_WIDE.items():
    HANDLERS[("EmployeeService", f"{_name}_GetAll_AllEmployeesByCompany")] = \
        _per_employee(_wrapper, _build)


def function_record(e: Employee) -> dict:
    """The employee's function history entry (one: the current function)."""
    return {"RecordId": e.id * 10 + 8,
            "Function": {"Id": e.function[0], "Code": e.function[1], "Description": e.function[2]},
            "CreationDate": record_created(e), "StartPeriod": e.start.month, "StartYear": e.start.year}


@handles("EmployeeService", "Function_GetAll_AllEmployeesByCompany_V2")
def employee_functions(call: Call, CompanyID: int) -> list[dict]:
    return [{"EmployeeId": e.id, "EmployeeFunctions": [function_record(e)]}
            for e in _visible_employees(call, CompanyID)]


@handles("EmployeeService", "PersonalInfoContractSalaryAddress_GetAll_AllEmployeesByCompany")
def employee_combined(call: Call, CompanyID: int) -> list[dict]:
    return [{"EmployeeID": e.id, "EmployeeNumber": e.number, "FirstName": e.first_name,
             "Prefix": e.prefix, "LastName": e.last_name, "Birthday": e.birthday,
             "Gender": e.gender, "BSN": e.bsn, "EmailWork": e.email_work, "EmailPrivate": None,
             "TelephoneWork": None, "TelephoneMobile": e.phone, "ContractStartDate": e.start,
             "ContractEndDate": e.end, "SalaryType": "Bruto", "SalaryValue": e.salary,
             "HourlyWage": round(e.salary * 3 / 13 / e.hours, 2), "ContractHours": e.hours,
             "Street": e.street, "HouseNumber": e.house_number, "HouseNumberAddition": None,
             "PostCode": e.postal_code, "City": e.city}
            for e in _visible_employees(call, CompanyID)]


@handles("EmployeeService", "EmployeeType_GetList")
def employee_types(call: Call) -> list[dict]:
    return [{"Id": i, "Description": text} for i, text in EMPLOYEE_TYPES]


@handles("EmployeeService", "List_GetByCompany")
def employee_list(call: Call, CompanyId: int, EmployeeType: int) -> list[dict]:
    today = datetime.combine(call.today, datetime.min.time())
    employed = {1: lambda e: e.end is None or e.end >= today,
                2: lambda e: e.end is not None and e.end < today}.get(EmployeeType, lambda e: False)
    return [{"Id": e.id, "Number": e.number, "DisplayName": e.display_name}
            for e in _visible_employees(call, CompanyId) if employed(e)]


@handles("EmployeeService", "PersonalInfo_GetCurrent")
def employee_personal(call: Call, EmployeeId: int) -> dict:
    return _personal(call.employee(EmployeeId))


@handles("EmployeeService", "Department_GetCurrent")
def employee_department(call: Call, EmployeeId: int) -> dict:
    i, code, text = call.employee(EmployeeId).department
    return {"Id": i, "Code": code, "Description": text}


@handles("EmployeeService", "Function_GetCurrent")
def employee_function(call: Call, EmployeeId: int) -> dict:
    i, code, text = call.employee(EmployeeId).function
    return {"Id": i, "Code": code, "Description": text}


def bank_account(e: Employee) -> dict:
    """The employee's one bank account: the salary account."""
    return {"Id": e.id * 10 + 9, "Number": e.iban[-10:].lstrip("0"),
            "Description": "Salarisrekening", "IBAN": e.iban, "BIC": e.bic, "City": e.city,
            "Name": e.display_name, "Type": "Bankrekening1"}


@handles("EmployeeService", "BankAccount_GetListCurrent")
def employee_bank_accounts(call: Call, EmployeeId: int) -> list[dict]:
    return [bank_account(call.employee(EmployeeId))]


@handles("EmployeeService", "Schedule_Get")
def employee_schedule(call: Call, EmployeeId: int, Period: int, Year: int) -> dict:
    e = call.employee(EmployeeId)
    return {**_schedule(e), "ParttimePercentage": parttime_percentage(e)}


@handles("EmployeeService", "SVW_GetList")
def employee_svw(call: Call, EmployeeId: int) -> list[dict]:
    return [_svw(call.employee(EmployeeId))]


@handles("EmployeeService", "SalaryDocuments_GetAnnualStatementPDF")
def employee_annual_statement(call: Call, EmployeeID: int, intYear: int) -> dict | None:
    e = call.employee(EmployeeID)
    if intYear >= call.today.year or not e.active_in(intYear):
        return None
    return {"EmployeeID": e.id, "Year": intYear,
            "PDF": _pdf(f"Jaaropgaaf {intYear}", e.display_name, f"BSN {e.bsn}")}


@handles("EmployeeService", "EmployeeDocument_UploadDocument")
def employee_upload(call: Call, EmployeeId: int, StrDocumentName: str | None, Body: bytes,
                    GuidDocumentType: str | None) -> None:
    employee = call.employee(EmployeeId)
    call.sandbox.store_document(call.login, employee.id, StrDocumentName or "", Body,
                                GuidDocumentType)


# --- ReportService --------------------------------------------------------------------------

@handles("ReportService", "Reports_Accountant_Company_EmployeeWageComponentsPerRun_Background")
def report_wage_components(call: Call, companyId: int, year: int) -> str:
    company = call.company(companyId)
    rows = "".join(
        f"<Employees><EmployeeID>{e.id}</EmployeeID><EmployeeName>{e.display_name}</EmployeeName>"
        f"<EmployeeNumber>{e.number}</EmployeeNumber></Employees>"
        for e in company.employees if e.active_in(year))
    content = (f"<Report><CompanyID>{company.id}</CompanyID><CompanyName>{company.name}"
               f"</CompanyName><Year>{year}</Year><EmployeesList>{rows}</EmployeesList></Report>")
    return call.sandbox.start_task(call.login.username, content)


@handles("ReportService", "Reports_BackgroundTask_Result")
def report_task_result(call: Call, TaskId: str | None) -> dict:
    task = call.sandbox.look_at_task(call.login.username, TaskId or "")
    if task is None:
        return {"TaskId": TaskId or str(uuid.UUID(int=0)), "Status": "Unknown", "Content": None}
    return {"TaskId": TaskId, "Status": "Success", "Content": task.content}
