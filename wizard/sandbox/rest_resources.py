"""What the sandbox's REST API returns, shaped as the Nmbrs REST spec shapes it (NMBRS.md §9, §11).

Values come from the same records the SOAP emulator serves (``operations.py``), and every id is
``ids.entity_guid`` of the SOAP id, so both APIs tell the same story about the same company.
Field names follow the spec; values Nmbrs does not document (e.g. a debtor department's
``createdAt``) are made up and marked as such.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from typing import Callable

from wizard.sandbox.data import Company, Debtor, Employee, Environment
from wizard.sandbox.ids import entity_guid
from wizard.sandbox.operations import (COMPANY_WIDE, WEEKDAYS, bank_account, current_period,
                                       function_record, parttime_percentage, record_created,
                                       wage_tax_declarations, wage_tax_xml)

EMPLOYEE_TYPES = ("applicant", "newHire", "payroll", "formerPayroll", "external",
                  "formerExternal", "rejectedApplicant")
PERIOD_TYPES = {"M": "month", "4W": "4-weeks"}
# Inferred: the spec has no value for when a debtor's departments and functions were created.
ORGANISATION_CREATED = datetime(2016, 1, 4, 9, 0)
WAGE_TAX_YEARS = 6   # declarations exist for this year and the five before (as runs do)


def timestamp(value: datetime | None) -> str | None:
    """Nmbrs REST date-times: ISO 8601 in UTC with ``Z``."""
    return value.strftime("%Y-%m-%dT%H:%M:%SZ") if value else None


def day(value: datetime | None) -> str | None:
    return value.strftime("%Y-%m-%d") if value else None


def _period(value: datetime) -> dict:
    return {"year": value.year, "period": value.month}


@dataclass(frozen=True)
class GuidIndex:
    """An environment's debtors and companies by GUID."""

    debtors: dict[str, Debtor]
    companies: dict[str, Company]


@lru_cache(maxsize=None)
def guid_index(environment: Environment) -> GuidIndex:
    """Built once per environment (1,040 companies take a few milliseconds)."""
    return GuidIndex({entity_guid("Debtor", d.id): d for d in environment.debtors},
                     {entity_guid("Company", c.id): c for c in environment.companies.values()})


def employees_by_guid(company: Company) -> dict[str, Employee]:
    return {entity_guid("Employee", e.id): e for e in company.employees}


# --- user, debtors, companies ----------------------------------------------------------------

def user_info(account) -> dict:
    debtors = account.debtors
    return {"name": account.name, "email": account.username,
            "language": account.language.upper(),
            "debtorId": entity_guid("Debtor", debtors[0].id) if debtors else None,
            "userId": entity_guid("User", account.username.lower())}


def debtor(d: Debtor) -> dict:
    return {"debtorId": entity_guid("Debtor", d.id), "number": str(d.number), "name": d.name}


def debtor_info(d: Debtor, environment: Environment) -> dict:
    """The debtor and its address (the sandbox uses its first company's address)."""
    seat = next((c for c in environment.companies.values() if c.debtor_id == d.id), None)
    address = None
    if seat is not None:
        address = {"addressId": entity_guid("DebtorAddress", d.id), "isDefault": True,
                   "type": "debtorAddress", "street": seat.street,
                   "houseNumber": seat.house_number, "houseNumberAddition": None,
                   "postalCode": seat.postal_code, "city": seat.city, "stateProvince": None,
                   "countryISOCode": "NL", "period": _period(ORGANISATION_CREATED),
                   "createdAt": timestamp(ORGANISATION_CREATED)}
    return {"debtor": debtor(d), "address": address}


def company(c: Company) -> dict:
    return {"companyId": entity_guid("Company", c.id), "number": str(c.number), "name": c.name,
            "debtorId": entity_guid("Debtor", c.debtor_id)}


def department(record: tuple[int, int, str]) -> dict:
    department_id, code, description = record
    return {"departmentId": entity_guid("Department", department_id), "code": code,
            "description": description, "createdAt": timestamp(ORGANISATION_CREATED),
            "managers": []}


def function(record: tuple[int, int, str]) -> dict:
    function_id, code, description = record
    return {"functionId": entity_guid("Function", function_id), "code": code,
            "description": description}


# --- company payroll ---------------------------------------------------------------------------

def period(c: Company, today: date) -> dict:
    year, number, kind = current_period(c, today)
    return {"period": {"year": year, "period": number}, "periodType": PERIOD_TYPES[kind],
            "displayPeriod": f"{year}-{number}-{kind}"}


def run(record: dict) -> dict:
    return {"payrollRunId": entity_guid("Run", record["ID"]), "number": record["Number"],
            "description": record["Description"], "year": record["Year"],
            "periodStart": record["PeriodStart"], "periodEnd": record["PeriodEnd"],
            "createdAt": timestamp(record["RunAt"]), "type": "normal",
            "locked": record["IsLocked"]}


def wage_tax(record: dict) -> dict:
    return {"wageTaxId": entity_guid("WageTax", record["LoonaangifteID"]),
            "serialNumber": record["SerialNumber"], "totalGeneral": round(record["TotalGeneral"]),
            "paymentReference": record["PaymentReference"], "period": record["Period"],
            "year": record["Year"], "status": record["Status"],
            "sentAt": timestamp(record["SentAt"]), "periodStart": day(record["TijdvakStart"]),
            "periodEnd": day(record["TijdvakEnd"]),
            "correctionPeriodStart": day(record["CorrectionTijdvakStart"]),
            "correctionPeriodEnd": day(record["CorrectionTijdvakEnd"])}


def find_wage_tax(c: Company, wage_tax_id: str, today: date) -> dict | None:
    """The SOAP declaration behind a ``wageTaxId`` of any year that has declarations."""
    for year in range(today.year, today.year - WAGE_TAX_YEARS, -1):
        for record in wage_tax_declarations(c, year):
            if entity_guid("WageTax", record["LoonaangifteID"]) == wage_tax_id:
                return record
    return None


def wage_tax_document(c: Company, record: dict) -> bytes:
    return wage_tax_xml(c, record).encode("utf-8")


# --- employees ---------------------------------------------------------------------------------

def employee_type(e: Employee, today: date) -> str:
    return "payroll" if e.end is None or e.end.date() >= today else "formerPayroll"


def employee(e: Employee, today: date) -> dict:
    return {"employeeId": entity_guid("Employee", e.id), "employeeBasicInfo": _basic_info(e, today)}


def _basic_info(e: Employee, today: date) -> dict:
    return {"employeeNumber": e.number, "firstName": e.first_name, "firstNameInFull": e.first_name,
            "prefix": e.prefix or None, "initials": e.initials, "lastName": e.last_name,
            "employeeType": employee_type(e, today)}


def _soap(kind: str, e: Employee) -> dict:
    """The SOAP history record of ``kind`` (a key of ``operations.COMPANY_WIDE``)."""
    return COMPANY_WIDE[kind][1](e)


def personal_info(e: Employee, today: date) -> dict:
    soap = _soap("PersonalInfo", e)
    return {"personalInfoId": entity_guid("PersonalInfo", soap["Id"]),
            "basicInfo": _basic_info(e, today),
            "birthInfo": {"birthDate": timestamp(soap["Birthday"]),
                          "birthCountry": {"codeISO": "NL", "description": "Nederland"},
                          "nationality": {"codeISO": "NL", "description": "Nederlandse"},
                          "deceasedOn": None, "gender": soap["Gender"]},
            "contactInfo": {"privateEmail": soap["EmailPrivate"],
                            "businessEmail": soap["EmailWork"], "businessPhone": None,
                            "businessMobilePhone": None, "privatePhone": None,
                            "privateMobilePhone": soap["TelephoneMobile"], "otherPhone": None},
            "partnerInfo": None, "emergencyInfo": None,
            "period": _period(e.start), "createdAt": timestamp(soap["CreationDate"])}


def employment(e: Employee, today: date) -> dict:
    soap = _soap("Employment", e)
    return {"employmentId": entity_guid("Employment", soap["EmploymentId"]),
            "creationDate": timestamp(soap["CreationDate"]),
            "startDate": timestamp(soap["StartDate"]), "endDate": timestamp(soap["EndDate"]),
            "seniorityDate": timestamp(soap["InitialStartDate"]),
            "endContractReason": None, "changedDate": timestamp(soap["CreationDate"])}


def contract(e: Employee, today: date) -> dict:
    soap = _soap("Contract", e)
    return {"contractId": entity_guid("Contract", soap["ContractID"]),
            "startDate": timestamp(soap["StartDate"]),
            "trialPeriod": timestamp(soap["TrialPeriod"]), "endDate": timestamp(soap["EndDate"]),
            "indefinite": soap["Indefinite"], "writtenContract": soap["WrittenContract"],
            "hoursPerWeek": soap["HoursPerWeek"], "createdAt": timestamp(soap["CreationDate"])}


def salary(e: Employee, today: date) -> dict:
    soap = _soap("Salary", e)
    kind = "grossFulltimeSalary" if soap["Type"] == "Bruto_Fulltime" else "grossParttimeSalary"
    return {"salaryId": entity_guid("Salary", soap["ID"]), "startDate": timestamp(soap["StartDate"]),
            "type": kind, "value": soap["Value"], "createdAt": timestamp(soap["CreationDate"]),
            "salaryTable": None}


def address(e: Employee, today: date) -> dict:
    soap = _soap("Address", e)
    return {"addressId": entity_guid("Address", soap["Id"]), "isDefault": True,
            "type": "homeAddress", "street": soap["Street"], "houseNumber": soap["HouseNumber"],
            "houseNumberAddition": soap["HouseNumberAddition"], "postalCode": soap["PostalCode"],
            "city": soap["City"], "stateProvince": None, "countryISOCode": soap["CountryISOCode"],
            "period": _period(e.start), "createdAt": timestamp(soap["CreationDate"])}


def schedule(e: Employee, today: date) -> dict:
    soap = _soap("Schedule", e)
    weeks = {f"week{n}": {f"hours{day_name}": soap[f"Hours{day_name}{suffix}"]
                          for day_name in WEEKDAYS}
             for n, suffix in ((1, ""), (2, "2"))}
    return {"scheduleId": entity_guid("Schedule", soap["Id"]),
            "startDate": timestamp(soap["StartDate"]),
            "parttimePercentage": parttime_percentage(e), "hoursPerWeek": e.hours,
            "daysPerWeek": 5, **weeks, "createdAt": timestamp(soap["CreationDate"])}


def svw_settings(e: Employee, today: date) -> dict:
    soap = _soap("SVW", e)
    cao = soap["CAO"]
    return {"employeeId": entity_guid("Employee", e.id), "ZW": soap["Zw"], "WW": soap["Ww"],
            "waoWia": soap["Wao_Wia"], "natureOfEmployment": str(soap["EmploymentType"]),
            "phaseClassification": str(soap["PhaseClassification"]),
            "taxSequenceNumber": soap["EmploymentSequenceTaxId"], "codeZvw": str(soap["CodeZvw"]),
            "incomeRelatedContributionZvw": str(soap["IncomeRelatedContributionZvw"]).lower(),
            "influenceObligedInsurance": str(soap["InfluenceObligedInsuranced"]).lower(),
            "wageCostBenefit": None,
            "CAO": {"code": cao["CAOCode"], "CAODescription": cao["CAODescription"]},
            "hirerCAO": None, "period": {"year": soap["StartYear"], "period": soap["StartPeriod"]},
            "createdAt": timestamp(soap["CreateDate"])}


def bank_accounts(e: Employee, today: date) -> dict:
    soap = bank_account(e)
    return {"bankAccountId": entity_guid("BankAccount", soap["Id"]), "number": soap["Number"],
            "description": soap["Description"], "IBAN": soap["IBAN"], "city": soap["City"],
            "name": soap["Name"], "bankAccountType": "bankAccount1",
            "createdAt": timestamp(record_created(e))}


def employee_department(e: Employee, today: date) -> dict:
    department_id, code, description = e.department
    return {"departmentId": entity_guid("Department", department_id), "code": code,
            "description": description, "createdAt": timestamp(record_created(e)),
            "period": _period(e.start)}


def employee_function(e: Employee, today: date) -> dict:
    soap = function_record(e)
    return {"functionId": entity_guid("Function", soap["Function"]["Id"]),
            "code": soap["Function"]["Code"], "description": soap["Function"]["Description"],
            "createdAt": timestamp(soap["CreationDate"]), "period": _period(e.start)}


@dataclass(frozen=True)
class EmployeeRead:
    """A company-wide employee read: ``GET /api/companies/{companyId}/employees/<path>``."""

    path: str
    scope: str
    payload_key: str
    build: Callable[[Employee, date], dict]


EMPLOYEE_READS = (
    EmployeeRead("personalinfo", "employee.info.read", "info", personal_info),
    EmployeeRead("addresses", "employee.info.read", "addresses", address),
    EmployeeRead("departments", "employee.info.read", "departments", employee_department),
    EmployeeRead("functions", "employee.info.read", "functions", employee_function),
    EmployeeRead("employments", "employee.employment.read", "employments", employment),
    EmployeeRead("contracts", "employee.employment.read", "contracts", contract),
    EmployeeRead("salaries", "employee.employment.read", "salaries", salary),
    EmployeeRead("schedules", "employee.employment.read", "schedules", schedule),
    EmployeeRead("svwsettings", "employee.payrollsettings.read", "employeeSVWSettings",
                 svw_settings),
    EmployeeRead("bankaccounts", "employee.bankaccount.read", "bankAccounts", bank_accounts),
)
