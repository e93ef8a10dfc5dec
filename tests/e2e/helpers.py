"""What a client does on the first two steps, as browser actions."""
from playwright.sync_api import Page


def accept_terms(page: Page, name: str = "Sanne de Vries", *, accept: str = "Ik heb de voorwaarden "
                 "gelezen en ga ermee akkoord", name_label: str = "Je volledige naam",
                 submit: str = "Volgende") -> None:
    page.get_by_label(accept).check()
    page.get_by_label(name_label).fill(name)
    page.get_by_role("button", name=submit).click()


def choose_package(page: Page, package: str = "Visma Nmbrs", submit: str = "Volgende") -> None:
    page.get_by_role("radio", name=package).check()
    page.get_by_role("button", name=submit).click()
