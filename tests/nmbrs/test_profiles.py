"""Permission profiles: the shipped data matches the seed documents and the probe rules."""
from __future__ import annotations

import pytest

from wizard.nmbrs import DEFAULT_PROFILE, ProfileError, available_profiles, load_profile
from wizard.nmbrs.profiles import _operation

# The API rights each integration's guide asks the client to enable (seeds 000-002).
SEED_OPERATIONS = {
    "payroll": {
        "CompanyService": {"Address_GetCurrent", "Company_GetCurrentPeriod", "ContactPerson_Get",
                           "Converter_GetByCompany_IntToGuid", "List_GetAll", "WageTax_GetList",
                           "WageTax_GetXML", "Run_GetList"},
        "DebtorService": {"Environment_Get"},
        "EmployeeService": {"Address_GetAll_AllEmployeesByCompany",
                            "Contract_GetAll_AllEmployeesByCompany",
                            "Employment_GetAll_AllEmployeesByCompany", "EmployeeType_GetList",
                            "List_GetByCompany", "PersonalInfo_GetAll_AllEmployeesByCompany",
                            "Salary_GetAll_AllEmployeesByCompany", "Schedule_Get",
                            "Schedule_GetAll_AllEmployeesByCompany",
                            "SVW_GetAll_AllEmployeesByCompany", "SVW_GetList"},
        "ReportService": {"Reports_BackgroundTask_Result",
                          "Reports_Accountant_Company_EmployeeWageComponentsPerRun_Background"},
    },
    "reviews": {
        "DebtorService": {"List_GetAll", "Department_GetList", "Function_GetList"},
        "CompanyService": {"List_GetAll"},
        "EmployeeService": {"List_GetByCompany", "PersonalInfo_GetAll_AllEmployeesByCompany",
                            "Employment_GetAll_AllEmployeesByCompany",
                            "Department_GetAll_AllEmployeesByCompany",
                            "Function_GetAll_AllEmployeesByCompany_V2",
                            "EmployeeDocument_UploadDocument"},
    },
    "employee-app": {
        "EmployeeService": {"BankAccount_GetListCurrent", "Department_GetCurrent",
                            "Employment_GetAll_AllEmployeesByCompany", "Function_GetCurrent",
                            "List_GetByCompany", "PersonalInfo_GetCurrent",
                            "PersonalInfoContractSalaryAddress_GetAll_AllEmployeesByCompany",
                            "Schedule_GetAll_AllEmployeesByCompany",
                            "SalaryDocuments_GetAnnualStatementPDF"},
        "CompanyService": {"Run_GetList", "SalaryDocuments_GetEmployeePayslipsPDFByRunCompany"},
    },
}


def test_three_profiles_ship_and_payroll_is_the_default():
    assert available_profiles() == ["employee-app", "payroll", "reviews"]
    assert DEFAULT_PROFILE == "payroll"


@pytest.mark.parametrize("name", sorted(SEED_OPERATIONS))
def test_profile_lists_exactly_the_seed_operations(name):
    profile = load_profile(name)
    found: dict[str, set[str]] = {}
    for op in profile.operations:
        found.setdefault(op.service, set()).add(op.operation)
        assert op.purpose["nl"] and op.purpose["en"]
    assert found == SEED_OPERATIONS[name]
    assert profile.services() == list(dict.fromkeys(op.service for op in profile.operations))
    assert profile.title.keys() == profile.description.keys() == {"nl", "en"}


def test_payroll_marks_core_sync_required_and_extras_optional():
    profile = load_profile("payroll")
    required = {op.operation for op in profile.operations if op.required}
    assert {"Salary_GetAll_AllEmployeesByCompany", "Run_GetList", "Environment_Get"} <= required
    assert {"WageTax_GetXML", "Reports_BackgroundTask_Result"}.isdisjoint(required)
    background = profile.find("ReportService",
                              "Reports_Accountant_Company_EmployeeWageComponentsPerRun_Background")
    assert background.starts_task and not background.required


def test_the_only_write_is_probed_with_an_absent_employee():
    writes = [op for name in available_profiles() for op in load_profile(name).operations
              if op.writes]
    assert [op.operation for op in writes] == ["EmployeeDocument_UploadDocument"]
    assert dict(writes[0].args)["EmployeeId"] == "absent_employee"


def test_company_wide_reads_are_probed_on_the_smallest_company():
    heavy = [op for name in available_profiles() for op in load_profile(name).operations
             if "_GetAll_AllEmployeesByCompany" in op.operation]
    assert len(heavy) == 14 and {dict(op.args)["CompanyID"] for op in heavy} == {"small_company"}


def test_unknown_profile_is_a_key_error():
    with pytest.raises(KeyError, match="available: employee-app, payroll, reviews"):
        load_profile("holidays")


@pytest.mark.parametrize("entry, message", [
    ({"service": "EmployeeService", "operation": "EmployeeDocument_UploadDocument",
      "required": False, "writes": True, "purpose": {"nl": "x", "en": "x"},
      "args": {"EmployeeId": "employee", "StrDocumentName": "=a.pdf", "Body": "empty_document",
               "GuidDocumentType": "zero_guid"}}, "absent ids"),
    ({"service": "CompanyService", "operation": "Run_GetList", "required": True,
      "purpose": {"nl": "x", "en": "x"}, "args": {"CompanyId": "company"}}, "exactly"),
    ({"service": "CompanyService", "operation": "Run_GetList", "required": True,
      "purpose": {"nl": "x", "en": "x"}, "args": {"CompanyId": "company", "Year": "someday"}},
     "unknown probe source"),
    ({"service": "CompanyService", "operation": "List_GetAll", "required": True,
      "purpose": {"nl": "x"}}, "nl and en"),
    ({"service": "EmployeeService", "operation": "Salary_GetAll_AllEmployeesByCompany",
      "required": True, "purpose": {"nl": "x", "en": "x"}, "args": {"CompanyID": "company"}},
     "small_company only"),
])
def test_inconsistent_profile_entries_are_refused(entry, message):
    with pytest.raises(ProfileError, match=message):
        _operation("test", entry)
