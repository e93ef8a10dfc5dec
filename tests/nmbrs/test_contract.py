"""The contract, the WSDLs we ship, the profiles and the emulator agree with each other."""
from __future__ import annotations

import pytest
import zeep

from wizard.nmbrs import available_profiles, load_profile
from wizard.nmbrs.client import zeep_settings
from wizard.nmbrs.contract import OPERATIONS, SERVICES, namespace, render_wsdl
from wizard.nmbrs.wsdl import wsdl_path
from wizard.sandbox.operations import HANDLERS


@pytest.mark.parametrize("service", SERVICES)
def test_shipped_wsdl_is_generated_from_the_contract(service):
    assert wsdl_path(service).read_text(encoding="utf-8") == render_wsdl(service), \
        "run .venv/bin/python tools/build_wsdl.py"


@pytest.mark.parametrize("service", SERVICES)
def test_wsdl_loads_in_zeep_with_v3_namespace_and_headers(service):
    client = zeep.Client(str(wsdl_path(service)), settings=zeep_settings())
    binding = client.wsdl.bindings[f"{{{namespace(service)}}}{service}Soap"]
    assert set(binding._operations) == set(OPERATIONS[service])
    for name, operation in binding._operations.items():
        assert operation.soapaction == f"https://api.nmbrs.nl/soap/v3/{service}/{name}"
        header = "AuthHeader" if name == "Environment_Get" else "AuthHeaderWithDomain"
        assert f"_soapheaders={{{header}:" in operation.input.signature()


def test_every_profile_operation_is_in_the_contract_and_the_emulator():
    for name in available_profiles():
        for op in load_profile(name).operations:
            assert op.operation in OPERATIONS[op.service]
            assert (op.service, op.operation) in HANDLERS


def test_emulator_implements_the_whole_contract():
    contract_ops = {(service, name) for service, ops in OPERATIONS.items() for name in ops}
    assert set(HANDLERS) == contract_ops
