"""Made-up but realistic Dutch payroll data for the sandbox, the same on every run.

Every environment is generated from its seed: debtors, companies (with address,
KvK number, payroll period), departments and functions per debtor, and per
company its employees (valid BSN and IBAN check digits), runs and wage-tax
declarations. Employees are generated on first use, so an accountant
environment with a thousand companies starts instantly.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property

MALE = ("Jan", "Pieter", "Kees", "Bram", "Daan", "Sem", "Lucas", "Thijs", "Ruben", "Jeroen",
        "Mohamed", "Niels", "Bas", "Tim", "Stijn", "Wouter", "Koen", "Youssef", "Milan", "Hugo")
FEMALE = ("Anna", "Sanne", "Lotte", "Emma", "Fleur", "Iris", "Eva", "Sophie", "Noor", "Femke",
          "Fatima", "Marieke", "Lisa", "Julia", "Esther", "Anouk", "Yara", "Ilse", "Sara", "Tess")
SURNAMES = (("", "Jansen"), ("de", "Vries"), ("van den", "Berg"), ("van", "Dijk"), ("", "Bakker"),
            ("", "Visser"), ("", "Smit"), ("", "Meijer"), ("de", "Boer"), ("", "Mulder"),
            ("de", "Groot"), ("", "Bos"), ("", "Vos"), ("", "Peters"), ("", "Hendriks"),
            ("van", "Leeuwen"), ("", "Dekker"), ("", "Brouwer"), ("de", "Wit"), ("", "Dijkstra"),
            ("", "Kaya"), ("", "El Amrani"), ("van der", "Linden"), ("", "Willems"), ("", "Postma"))
CITIES = (("Amsterdam", 1011), ("Rotterdam", 3011), ("Utrecht", 3511), ("Den Haag", 2511),
          ("Eindhoven", 5611), ("Groningen", 9711), ("Zwolle", 8011), ("Haarlem", 2011),
          ("Arnhem", 6811), ("Leeuwarden", 8911), ("Tilburg", 5011), ("Breda", 4811),
          ("Amersfoort", 3811), ("Nijmegen", 6511), ("Maastricht", 6211))
STREETS = ("Dorpsstraat", "Kerkstraat", "Molenweg", "Stationsplein", "Schoolstraat", "Julianalaan",
           "Beatrixstraat", "Industrieweg", "Havenkade", "Marktplein", "Lindelaan", "Kastanjelaan")
TRADES = ("Bakkerij", "Installatietechniek", "Transport", "Zorggroep", "Adviesbureau",
          "Bouwbedrijf", "Kinderopvang", "Drukkerij", "Hoveniers", "Tandartspraktijk")
DEPARTMENTS = ("Productie", "Verkoop", "Administratie", "Logistiek", "Klantenservice", "ICT",
               "Personeelszaken")
FUNCTIONS = ("Medewerker productie", "Verkoopmedewerker", "Administratief medewerker",
             "Chauffeur", "Teamleider", "Planner", "Office manager", "Monteur")
BANKS = (("INGB", "INGBNL2A"), ("RABO", "RABONL2U"), ("ABNA", "ABNANL2A"), ("SNSB", "SNSBNL2A"))
CAOS = ((101, 218, "Bakkersbedrijf"), (102, 20, "Metaal en Techniek"),
        (103, 314, "Beroepsgoederenvervoer"), (104, 633, "Zorg en Welzijn"))


def bsn(rng: random.Random) -> str:
    """A number that passes the BSN eleven-test (made up, not issued)."""
    while True:
        digits = [rng.randint(1, 9)] + [rng.randint(0, 9) for _ in range(7)]
        total = sum(d * w for d, w in zip(digits, range(9, 1, -1)))
        last = total % 11
        if last < 10:
            return "".join(map(str, digits + [last]))


def iban(rng: random.Random) -> tuple[str, str]:
    """A Dutch IBAN with valid check digits, plus its BIC."""
    bank, bic = rng.choice(BANKS)
    account = f"{rng.randint(0, 9_999_999_999):010d}"
    numeric = "".join(str(int(ch, 36)) for ch in bank + account + "NL00")
    check = 98 - int(numeric) % 97
    return f"NL{check:02d}{bank}{account}", bic


@dataclass
class Employee:
    id: int
    number: int
    company_id: int
    first_name: str
    prefix: str
    last_name: str
    gender: str
    birthday: datetime
    bsn: str
    street: str
    house_number: str
    postal_code: str
    city: str
    phone: str
    start: datetime
    end: datetime | None
    hours: float
    salary: float
    department: tuple[int, int, str]
    function: tuple[int, int, str]
    iban: str
    bic: str
    cao: tuple[int, int, str]

    @property
    def display_name(self) -> str:
        return " ".join(part for part in (self.first_name, self.prefix, self.last_name) if part)

    @property
    def initials(self) -> str:
        return self.first_name[0] + "."

    @property
    def email_work(self) -> str:
        return f"{self.first_name}.{(self.prefix + self.last_name).replace(' ', '')}".lower() \
            + "@werk.example"

    def active_in(self, year: int) -> bool:
        return self.start.year <= year and (self.end is None or self.end.year >= year)


@dataclass
class Company:
    id: int
    number: int
    name: str
    debtor_id: int
    size: int
    seed: int
    city: str
    postal_code: str
    street: str
    house_number: str
    kvk: str
    tijdvak: str
    departments: list[tuple[int, int, str]] = field(default_factory=list)
    functions: list[tuple[int, int, str]] = field(default_factory=list)

    @cached_property
    def employees(self) -> list[Employee]:
        return _employees(self)

    def runs(self, year: int) -> list[dict]:
        """One locked run per closed period; this year's open period has no run yet."""
        today = date.today()
        if year > today.year or year < today.year - 5:
            return []
        last = 12 if year < today.year else today.month - 1
        return [{"ID": self.id * 1000 + (year % 100) * 13 + period, "Number": period,
                 "Year": year, "PeriodStart": period, "PeriodEnd": period,
                 "Description": f"Verloning {period:02d}-{year}",
                 "RunAt": datetime(year, period, 24, 9, 30), "IsLocked": True}
                for period in range(1, last + 1)]


@dataclass
class Debtor:
    id: int
    number: int
    name: str
    departments: list[tuple[int, int, str]]
    functions: list[tuple[int, int, str]]


class Environment:
    """One Nmbrs environment (``<domain>.nmbrs.nl``) with its debtors and companies."""

    def __init__(self, key: str, index: int, spec: dict):
        self.key = key
        self.domain = spec["domain"]
        self.subscription = spec.get("subscription", True)
        rng = random.Random(spec.get("seed", index))
        sizes = list(spec.get("company_sizes", []))
        self.debtors: list[Debtor] = []
        self.companies: dict[int, Company] = {}
        for d in range(1, spec["debtors"] + 1):
            debtor_id = index * 1000 + d
            prefix, surname = rng.choice(SURNAMES)
            owner = f"{prefix} {surname}".strip()
            debtor_name = spec.get("debtor_name") if spec["debtors"] == 1 else None
            departments = [(debtor_id * 10 + i, 100 + i * 10, name)
                           for i, name in enumerate(rng.sample(DEPARTMENTS, 4), start=1)]
            functions = [(debtor_id * 10 + i, 200 + i, name)
                         for i, name in enumerate(rng.sample(FUNCTIONS, 5), start=1)]
            self.debtors.append(Debtor(debtor_id, 100 + d, debtor_name or f"Holding {owner.title()}",
                                       departments, functions))
            for c in range(1, spec["companies_per_debtor"] + 1):
                company_id = index * 100_000 + d * 100 + c
                city, postcode = rng.choice(CITIES)
                trade = rng.choice(TRADES)
                prefix, surname = rng.choice(SURNAMES)
                name = f"{trade} {(prefix + ' ' + surname).strip().title()} B.V."
                self.companies[company_id] = Company(
                    id=company_id, number=c, name=name, debtor_id=debtor_id,
                    size=sizes.pop(0) if sizes else rng.randint(0, 25), seed=rng.randint(0, 10**9),
                    city=city, postal_code=f"{postcode + rng.randint(0, 80)} "
                                           f"{rng.choice('ABCDEGHJKLMNPRSTVWXZ')}"
                                           f"{rng.choice('ABCDEGHJKLMNPRSTVWXZ')}",
                    street=rng.choice(STREETS), house_number=str(rng.randint(1, 250)),
                    kvk=f"{rng.randint(10_000_000, 99_999_999)}",
                    tijdvak="Week4" if rng.random() < 0.15 else "Month",
                    departments=departments, functions=functions)

    def debtor(self, debtor_id: int) -> Debtor | None:
        return next((d for d in self.debtors if d.id == debtor_id), None)

    def employee(self, employee_id: int) -> Employee | None:
        company = self.companies.get(employee_id // 100)
        if company is None:
            return None
        return next((e for e in company.employees if e.id == employee_id), None)


def _employees(company: Company) -> list[Employee]:
    rng = random.Random(company.seed)
    today = datetime.combine(date.today(), datetime.min.time())
    people = []
    for k in range(1, company.size + 1):
        gender = rng.choice(("male", "female"))
        first = rng.choice(MALE if gender == "male" else FEMALE)
        prefix, last = rng.choice(SURNAMES)
        city, postcode = rng.choice(CITIES)
        start = datetime(rng.randint(today.year - 12, today.year), rng.randint(1, 12), 1)
        start = min(start, today.replace(day=1))
        left = rng.random() < 0.1 and start.year < today.year
        hours = rng.choice((16.0, 24.0, 32.0, 36.0, 38.0, 40.0))
        account, bic = iban(rng)
        people.append(Employee(
            id=company.id * 100 + k, number=k, company_id=company.id, first_name=first,
            prefix=prefix, last_name=last, gender=gender,
            birthday=datetime(rng.randint(1960, 2004), rng.randint(1, 12), rng.randint(1, 28)),
            bsn=bsn(rng), street=rng.choice(STREETS), house_number=str(rng.randint(1, 180)),
            postal_code=f"{postcode + rng.randint(0, 80)} {rng.choice('ABCDEGHJKLMNPRSTVWXZ')}"
                        f"{rng.choice('ABCDEGHJKLMNPRSTVWXZ')}",
            city=city, phone=f"06{rng.randint(10_000_000, 99_999_999)}", start=start,
            end=datetime(start.year + 1 + rng.randint(0, max(0, today.year - start.year - 1)), 12, 31)
            if left else None,
            hours=hours, salary=round(rng.uniform(2300, 5800) * hours / 40, 2),
            department=rng.choice(company.departments), function=rng.choice(company.functions),
            iban=account, bic=bic,
            cao=rng.choice(CAOS)))
    return people
