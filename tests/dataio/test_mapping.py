"""Automatic column mapping: each real export layout maps without a manual step."""

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rapport.customfields.validation import FieldDef
from rapport.dataio.mapping import (
    clean_labels,
    guess,
    known_header,
    normalise,
    record_maker,
    role_value,
    split_name,
    targets,
    to_record,
)
from rapport.dataio.reading import iter_rows, sniff

FIXTURES = Path(__file__).parent / "fixtures"
INDUSTRY = FieldDef(key="industry", label="Industry", type="text", required=False)
BIRTHDAY = FieldDef(key="birthday", label="Urodziny", type="date", required=False)


def load(name: str, entity: str, custom=()):
    """The fixture's mapping by header name, and its records by row number."""
    path = FIXTURES / name
    sniffed = sniff(path)
    mapping = guess(sniffed.headers, entity, list(custom))
    by_header = {sniffed.headers[i]: key for i, key in mapping.items()}
    records = {n: to_record(mapping, cells, entity) for n, cells in iter_rows(path, sniffed)}
    return by_header, records


def test_google_contacts_current_layout():
    mapping, records = load("google_contacts.csv", "contact")
    assert mapping == {
        "First Name": "first_name",
        "Last Name": "last_name",
        "Organization Name": "company",
        "Organization Title": "job_title",
        "Labels": "labels",
        "E-mail 1 - Value": "email",
        "E-mail 2 - Value": "other_emails",
        "Phone 1 - Value": "phone",
        "Phone 2 - Value": "other_phones",
    }
    assert records == {
        2: {
            "first_name": "Anna",
            "last_name": "Nowak",
            "company": "Piekarnia Łódzka",
            "job_title": "Właścicielka",
            "labels": ["Klienci"],
            "email": "anna@piekarnia.pl",
            "other_emails": ["anna.nowak@gmail.com", "anna.private@example.com"],
            "phone": "+48 601 234 567",
            "other_phones": ["+48 42 123 45 67", "+48 42 123 45 68"],
        },
        3: {
            "first_name": "Pieter",
            "last_name": "de Vries",
            "company": "Brouwerij 't IJ",
            "email": "pieter@brouwerijhetij.nl",
        },
        4: {
            "first_name": "Zoë",
            "last_name": "Müller",
            "labels": ["Leveranciers", "VIP"],
            "phone": "+31 6 1234 5678",
        },
        # Only "E-mail 2" is filled: the first non-empty email is the email.
        5: {
            "first_name": "Łukasz",
            "last_name": "Żółkiewski",
            "labels": ["friends"],
            "email": "lukasz@example.pl",
        },
    }


def test_google_contacts_older_layout():
    mapping, records = load("google_contacts_legacy.csv", "contact")
    assert mapping == {
        "Name": "full_name",
        "Given Name": "first_name",
        "Family Name": "last_name",
        "Group Membership": "labels",
        "E-mail 1 - Value": "email",
        "E-mail 2 - Value": "other_emails",
        "Phone 1 - Value": "phone",
        "Phone 2 - Value": "other_phones",
        "Organization 1 - Name": "company",
        "Organization 1 - Title": "job_title",
    }
    assert records == {
        2: {
            "first_name": "Małgorzata",
            "last_name": "Wiśniewska",
            "labels": ["Partnerzy"],
            "company": "Wiśniewska i Wspólnicy",
            "job_title": "Prezes",
            "email": "m.wisniewska@example.pl",
            "other_emails": ["gosia@example.com", "gosia.w@example.com"],
            "phone": "+48 502 111 222",
        },
        3: {"first_name": "Sven", "last_name": "Åberg", "phone": "+46 8 123 456"},
        # No given or family name: the full name is split.
        4: {"first_name": "Info", "last_name": "Desk", "email": "info@example.nl"},
    }


def test_outlook_layout():
    mapping, records = load("outlook.csv", "contact")
    assert mapping == {
        "First Name": "first_name",
        "Last Name": "last_name",
        "Company": "company",
        "Job Title": "job_title",
        "Business Phone": "other_phones",
        "Business Phone 2": "other_phones",
        "Home Phone": "other_phones",
        "Home Phone 2": "other_phones",
        "Mobile Phone": "other_phones",
        "Other Phone": "other_phones",
        "Primary Phone": "phone",
        "Categories": "labels",
        "E-mail Address": "email",
        "E-mail 2 Address": "other_emails",
        "E-mail 3 Address": "other_emails",
    }
    # Outlook's "Title" is "Mevr."/"Dhr.", not a job title; fax, pager and the company's
    # main phone are not the person's phones; "E-mail Type" and "Display Name" are no emails.
    assert records == {
        2: {
            "first_name": "Anaïs",
            "last_name": "van den Berg",
            "company": "Café Noël B.V.",
            "job_title": "Inkoper",
            "labels": ["Klanten", "Utrecht"],
            "email": "anais@cafenoel.nl",
            "other_emails": ["anais.berg@example.nl"],
            "phone": "+31 30 123 4567",
            "other_phones": ["+31 6 9876 5432"],
        },
        3: {
            "first_name": "Joël",
            "last_name": "Dubois",
            "company": "Boulangerie Légère",
            "job_title": "Gérant",
            "labels": ["Leveranciers"],
            "email": "joel@boulangerie-legere.fr",
            "phone": "+33 6 12 34 56 78",
        },
        4: {
            "first_name": "Jürgen",
            "last_name": "Weiß",
            "email": "juergen@example.de",
            "phone": "+49 30 1234567",
        },
    }


def test_hubspot_contacts_layout():
    mapping, records = load("hubspot_contacts.csv", "contact")
    assert mapping == {
        "First Name": "first_name",
        "Last Name": "last_name",
        "Email": "email",
        "Phone Number": "phone",
        "Company Name": "company",
        "Lifecycle Stage": "role",
        "Job Title": "job_title",
        "Mobile Phone Number": "other_phones",
        "Original Source": "source",
    }
    assert "Record ID" not in mapping
    assert records[2] == {
        "first_name": "Maria",
        "last_name": "Garcia",
        "email": "maria@example.com",
        "phone": "+1 617 555 0100",
        "other_phones": ["+1 617 555 0199"],
        "company": "Acme Corp",
        "role": "lead",
        "job_title": "CTO",
        "source": "Organic Search",
    }
    # A row without "Phone Number" gets its mobile as the phone.
    assert records[3]["phone"] == "+48 512 345 678"
    assert "other_phones" not in records[3]
    assert {n: r.get("role") for n, r in records.items()} == {
        2: "lead",  # Marketing Qualified Lead
        3: "prospect",  # Sales Qualified Lead
        4: "client",  # customer
        5: "lead",  # Subscriber
        6: "prospect",  # Opportunity
        7: "client",  # Evangelist
        8: None,  # "Other" names no role: the import's default applies
    }


def test_plain_name_email_phone_company():
    mapping, records = load("plain.csv", "contact")
    assert mapping == {
        "name": "full_name",
        "email": "email",
        "phone": "phone",
        "company": "company",
    }
    assert records == {
        2: {
            "first_name": "Jan",
            "last_name": "Kowalski",
            "email": "jan.kowalski@example.pl",
            "phone": "+48 22 123 45 67",
            "company": "Kowalski i Syn",
        },
        3: {
            "first_name": "Marie-Claire",
            "last_name": "van der Berg",
            "email": "mc@example.nl",
            "company": "Van der Berg Advocaten",
        },
        4: {
            "first_name": "Émile",
            "last_name": "Zola",
            "email": "emile@example.fr",
            "phone": "+33 1 23 45 67 89",
        },
        5: {"first_name": "Piotr", "last_name": "Nowak", "email": "piotr@example.pl"},
        6: {"first_name": "Cher", "email": "cher@example.com"},
    }


def test_polish_headers():
    mapping, records = load("polish_cp1250.csv", "contact")
    assert mapping == {
        "Imię": "first_name",
        "Nazwisko": "last_name",
        "E-mail": "email",
        "Telefon": "phone",
        "Firma": "company",
        "Stanowisko": "job_title",
        "Etykiety": "labels",
        "Źródło": "source",
    }
    assert records[4] == {
        "first_name": "Zażółć",
        "last_name": "Gęślą-Jaźń",
        "email": "zazolc@example.pl",
        "phone": "+48 42 630 00 00",
        "company": "Łódzkie Młyny S.A.",
        "job_title": "Główna księgowa",
        "labels": ["Klienci", "Łódź"],
        "source": "Targi",
    }


def test_unicode_text_with_polish_headers():
    mapping, records = load("unicode_text.txt", "contact")
    assert mapping["Telefon komórkowy"] == "phone"
    assert mapping["Kategorie"] == "labels"
    assert records[3] == {
        "first_name": "Ewa",
        "last_name": "Źdźbło",
        "email": "ewa@example.pl",
        "job_title": "Księgowa",
    }


def test_companies_with_a_custom_field():
    mapping, records = load("companies.csv", "company", [INDUSTRY])
    assert mapping == {
        "Company name": "name",
        "Website": "website",
        "Phone": "phone",
        "Street": "street",
        "City": "city",
        "ZIP": "postal_code",
        "State": "region",
        "Country": "country",
        "Type": "type",
        "Labels": "labels",
        "Industry": "custom.industry",
    }
    assert records[2] == {
        "name": "Acme Corporation",
        "website": "https://acme.example.com",
        "phone": "+1 555 0100",
        "street": "1 Main Street",
        "city": "Springfield",
        "postal_code": "12345",
        "region": "IL",
        "country": "United States",
        "type": "Customer",
        "labels": ["Key account", "Midwest"],
        "custom": {"industry": "Manufacturing"},
    }
    # Empty cells leave their keys out.
    assert records[4] == {
        "name": "Łódzkie Młyny S.A.",
        "street": "ul. Piotrkowska 100",
        "city": "Łódź",
        "postal_code": "90-001",
        "region": "łódzkie",
        "country": "Polska",
    }


def test_hubspot_companies_layout():
    mapping, records = load("hubspot_companies.csv", "company")
    assert mapping == {
        "Company name": "name",
        "Company Domain Name": "domain",
        "Phone Number": "phone",
        "City": "city",
        "Country/Region": "country",
        "Lifecycle Stage": "role",
        "Type": "type",
        "Street Address": "street",
        "State/Region": "region",
        "Postal Code": "postal_code",
        "Website URL": "website",
    }
    assert records[2] == {
        "name": "Acme Corp",
        "domain": "acme.example.com",
        "phone": "+1 617 555 0100",
        "city": "Boston",
        "country": "United States",
        "role": "client",
        "type": "Partner",
        "street": "1 Main Street",
        "region": "Massachusetts",
        "postal_code": "02101",
        "website": "https://www.acme.example.com",
    }
    assert records[3]["role"] == "lead"


def test_dutch_company_headers():
    mapping, records = load("companies_dutch.csv", "company")
    assert mapping == {
        "Bedrijfsnaam": "name",
        "Website": "website",
        "Telefoonnummer": "phone",
        "Adres": "street",
        "Postcode": "postal_code",
        "Woonplaats": "city",
        "Provincie": "region",
        "Land": "country",
        "Soort": "type",
    }
    assert records[2]["name"] == "Café Noël"
    assert records[3] == {
        "name": "Brasserie Ëlan",
        "street": "Grote Markt 2",
        "postal_code": "9711 LV",
        "city": "Groningen",
        "region": "Groningen",
        "country": "Nederland",
    }


# --- Synonyms and tiers ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "key"),
    [
        ("IMIĘ", "first_name"),
        ("imie", "first_name"),
        ("  Voornaam ", "first_name"),
        ("firstName", "first_name"),
        ("first_name", "first_name"),
        ("Achternaam", "last_name"),
        ("NAZWISKO", "last_name"),
        ("Imię i nazwisko", "full_name"),
        ("Naam", "full_name"),
        ("e_mail", "email"),
        ("E-Mail-Adres", "email"),
        ("E-mailadres", "email"),
        ("Adres e-mail", "email"),
        ("Telefoonnummer", "phone"),
        ("Nr telefonu", "phone"),
        ("Tel.", "phone"),
        ("Mobiel", "phone"),
        ("Mobiel nummer", "phone"),
        ("Telefoonnr.", "phone"),
        ("Telefon stacjonarny", "phone"),
        ("Telefoon (privé)", "phone"),
        ("Bedrijf", "company"),
        ("Nazwa firmy", "company"),
        ("Functie", "job_title"),
        ("Stanowisko", "job_title"),
        ("Title", "job_title"),  # weak, but nothing better claims it here
        ("Tags", "labels"),
        ("Grupy", "labels"),
        ("Etiketten", "labels"),
        ("Źródło", "source"),
        ("Bron", "source"),
        ("Actief", "is_active"),
        ("Rola", "role"),
    ],
)
def test_contact_header_synonyms(header, key):
    assert guess([header], "contact", []) == {0: key}


@pytest.mark.parametrize(
    "header",
    [
        "Record ID",
        "Contact owner",
        "Create Date",
        "E-mail 1 - Label",
        "E-mail Type",
        "E-mail Display Name",
        "Phone 1 - Type",
        "Business Fax",
        "Assistant's Phone",
        "Company Main Phone",
        "Unsubscribed from all email",
        "Email Domain",
        "Notes",
        "",
    ],
)
def test_headers_that_stay_unmapped_for_contacts(header):
    assert guess([header], "contact", []) == {}


@pytest.mark.parametrize(
    ("header", "key"),
    [
        ("Nazwa", "name"),
        ("Naam", "name"),
        ("Domena", "domain"),
        ("Strona WWW", "website"),
        ("Ulica", "street"),
        ("Miejscowość", "city"),
        ("Woonplaats", "city"),
        ("Kod pocztowy", "postal_code"),
        ("Zip code", "postal_code"),
        ("Województwo", "region"),
        ("Kraj", "country"),
        ("Typ", "type"),
        ("Company Main Phone", "phone"),
        ("Telefon", "phone"),
    ],
)
def test_company_header_synonyms(header, key):
    assert guess([header], "company", []) == {0: key}


def test_a_single_target_goes_to_the_first_column_that_claims_it():
    assert guess(["Company", "Organization", "Firma"], "contact", []) == {0: "company"}


def test_primary_phone_wins_over_column_order():
    headers = ["Mobile Phone", "Phone", "Primary Phone", "Home Phone"]
    assert guess(headers, "contact", []) == {
        0: "other_phones",
        1: "other_phones",
        2: "phone",
        3: "other_phones",
    }


def test_plain_phone_wins_over_a_mobile_column_before_it():
    assert guess(["Mobile", "Phone"], "contact", []) == {0: "other_phones", 1: "phone"}


def test_a_company_has_one_phone_and_no_email():
    headers = ["Name", "Phone", "Mobile", "Email"]
    assert guess(headers, "company", []) == {0: "name", 1: "phone"}


def test_custom_fields_match_by_label_and_by_key():
    fields = [INDUSTRY, BIRTHDAY]
    assert guess(["industry", "URODZINY", "custom.birthday"], "contact", fields) == {
        0: "custom.industry",
        1: "custom.birthday",
    }
    assert guess(["Birthday"], "contact", fields) == {0: "custom.birthday"}


def test_built_in_fields_win_over_custom_and_custom_over_weak_synonyms():
    email = FieldDef(key="email_2", label="Email", type="email", required=False)
    salutation = FieldDef(key="salutation", label="Title", type="text", required=False)
    assert guess(["Email", "Title"], "contact", [email, salutation]) == {
        0: "email",
        1: "custom.salutation",
    }


def test_guess_refuses_an_unknown_entity():
    with pytest.raises(ValueError, match="deal"):
        guess(["Name"], "deal", [])


def test_targets_list_built_in_and_custom_fields():
    contact = targets("contact", [INDUSTRY])
    keys = [t.key for t in contact]
    assert keys[:4] == ["first_name", "last_name", "full_name", "email"]
    assert keys[-1] == "custom.industry"
    assert contact[-1].label == "Industry"
    assert {t.key for t in contact if t.multiple} == {"other_emails", "other_phones", "labels"}
    company = [t.key for t in targets("company", [])]
    assert company == [
        "name",
        "domain",
        "website",
        "phone",
        "street",
        "city",
        "postal_code",
        "region",
        "country",
        "type",
        "role",
        "labels",
    ]


def test_every_guessed_key_is_a_target():
    for entity in ("contact", "company"):
        valid = {t.key for t in targets(entity, [INDUSTRY])}
        for name in FIXTURES.glob("*.*"):
            if name.suffix in (".csv", ".txt"):
                assert set(guess(sniff(name).headers, entity, [INDUSTRY]).values()) <= valid


# --- One row → one record --------------------------------------------------------------


def test_record_drops_empty_cells_and_strips_values():
    mapping = {0: "first_name", 1: "last_name", 2: "email", 3: "job_title"}
    assert to_record(mapping, ["  Anna ", "", "  ", "Boss"], "contact") == {
        "first_name": "Anna",
        "job_title": "Boss",
    }


def test_record_tolerates_a_short_row():
    assert to_record({0: "first_name", 5: "email"}, ["Anna"], "contact") == {"first_name": "Anna"}


def test_emails_split_deduplicate_and_promote_the_first():
    mapping = {0: "email", 1: "other_emails", 2: "other_emails"}
    cells = ["", "a@x.com ::: B@x.com; c@x.com", "Anna <b@x.com>, d@x.com"]
    assert to_record(mapping, cells, "contact") == {
        "email": "a@x.com",
        "other_emails": ["B@x.com", "c@x.com", "d@x.com"],
    }


def test_phones_split_on_google_and_outlook_separators_but_keep_spaces():
    mapping = {0: "phone", 1: "other_phones"}
    assert to_record(mapping, ["+48 600 100 200 ::: +48 22 1", "+31 6 1;+31 6 1"], "contact") == {
        "phone": "+48 600 100 200",
        "other_phones": ["+48 22 1", "+31 6 1"],
    }


def test_labels_from_several_columns_merge_without_system_groups():
    mapping = {0: "labels", 1: "labels"}
    cells = ["VIP ::: * myContacts ::: * starred", "VIP;Łódź;* Other Contacts"]
    assert to_record(mapping, cells, "contact") == {"labels": ["VIP", "Łódź"]}
    assert to_record(mapping, ["* myContacts", ""], "contact") == {}


@pytest.mark.parametrize(
    ("raw", "labels"),
    [
        ("Klienci ::: * myContacts", ["Klienci"]),
        ("* My Contacts ::: Partnerzy", ["Partnerzy"]),
        ("* starred ::: * friends", ["friends"]),
        ("Klanten;Utrecht", ["Klanten", "Utrecht"]),
        (" a ;; b ::: a ", ["a", "b"]),
        ("R&D, Sales", ["R&D, Sales"]),
    ],
)
def test_clean_labels(raw, labels):
    assert clean_labels(raw) == labels


@pytest.mark.parametrize(
    ("full", "first", "last"),
    [
        ("Jan Kowalski", "Jan", "Kowalski"),
        ("  Jan   van der  Berg ", "Jan", "van der Berg"),
        ("Kowalski, Jan", "Jan", "Kowalski"),
        ("Dr. Émile Zola", "Émile", "Zola"),
        ("Dhr. Pieter de Vries", "Pieter", "de Vries"),
        ("Madonna", "Madonna", ""),
        ("Dr.", "Dr.", ""),
    ],
)
def test_split_name(full, first, last):
    assert split_name(full) == (first, last)


def test_full_name_fills_in_only_when_first_and_last_are_empty():
    mapping = {0: "full_name", 1: "first_name", 2: "last_name"}
    assert to_record(mapping, ["Anna Nowak", "Ania", ""], "contact") == {"first_name": "Ania"}
    assert to_record(mapping, ["Anna Nowak", "", ""], "contact") == {
        "first_name": "Anna",
        "last_name": "Nowak",
    }


@pytest.mark.parametrize(
    ("raw", "role"),
    [
        ("subscriber", "lead"),
        ("Lead", "lead"),
        ("marketingqualifiedlead", "lead"),
        ("Marketing Qualified Lead", "lead"),
        ("salesqualifiedlead", "prospect"),
        ("Sales Qualified Lead", "prospect"),
        ("opportunity", "prospect"),
        ("Prospect", "prospect"),
        ("customer", "client"),
        ("evangelist", "client"),
        ("Klient", "client"),
        ("Klant", "client"),
        ("client", "client"),
        ("Partner", "Partner"),
        ("other", ""),
        ("Other", ""),
        ("Inne", ""),
        ("Overig", ""),
    ],
)
def test_role_value(raw, role):
    assert role_value(raw) == role


def test_company_record_takes_the_first_phone_of_a_cell():
    assert to_record({0: "name", 1: "phone"}, ["Acme", "+1 555 ::: +1 556"], "company") == {
        "name": "Acme",
        "phone": "+1 555",
    }
    assert to_record({0: "name", 1: "phone"}, ["Acme", ":::"], "company") == {"name": "Acme"}


def test_record_maker_gives_what_to_record_gives():
    mapping = {2: "other_emails", 0: "full_name", 1: "email", 3: "labels"}
    make = record_maker(mapping, "contact")
    for cells in (["Jan Nowak", "", "j@x.pl ::: k@x.pl", "A;B"], ["", "a@x.pl", "", ""], []):
        assert make(cells) == to_record(mapping, cells, "contact")
    assert make(["Jan Nowak", "", "j@x.pl ::: k@x.pl", "A;B"]) == {
        "first_name": "Jan",
        "last_name": "Nowak",
        "email": "j@x.pl",
        "other_emails": ["k@x.pl"],
        "labels": ["A", "B"],
    }


def test_a_mapping_that_went_through_json_still_works():
    assert to_record({"0": "email", "1": "first_name"}, ["a@x.pl", "Ala"], "contact") == {
        "email": "a@x.pl",
        "first_name": "Ala",
    }


def test_is_active_and_custom_values_stay_raw():
    mapping = {0: "email", 1: "is_active", 2: "custom.industry"}
    assert to_record(mapping, ["a@x.com", "Nee", " Retail "], "contact") == {
        "email": "a@x.com",
        "is_active": "Nee",
        "custom": {"industry": "Retail"},
    }


@pytest.mark.parametrize(
    ("text", "normal"),
    [
        ("E-mail 1 - Value", "email 1 value"),
        ("Imię", "imie"),
        ("Łódź", "lodz"),
        ("Straße", "strasse"),
        ("firstName", "first name"),
        ("Country/Region", "country region"),
        ("E-mailadres", "emailadres"),
    ],
)
def test_normalise(text, normal):
    assert normalise(text) == normal


@pytest.mark.parametrize(
    ("cell", "known"),
    [("Nazwisko", True), ("E-mail 2 Address", True), ("Record ID", True), ("Łódź", False)],
)
def test_known_header(cell, known):
    assert known_header(cell) is known


# --- Properties ------------------------------------------------------------------------

HEADER_WORDS = [
    "Email", "E-mail 2 Address", "Phone", "Mobile Phone", "Name", "First Name", "Company",
    "Labels", "Title", "Job Title", "Industry", "Record ID", "Nazwisko", "Woonplaats",
    "Lifecycle Stage", "Primary Phone", "Other email", "Type", "Website", "",
]  # fmt: skip


@settings(max_examples=200, deadline=None)
@given(
    headers=st.lists(st.sampled_from(HEADER_WORDS) | st.text(max_size=15), max_size=25),
    entity=st.sampled_from(["contact", "company"]),
)
def test_guess_gives_each_single_target_at_most_one_column(headers, entity):
    mapping = guess(headers, entity, [INDUSTRY])
    by_key = {t.key: t for t in targets(entity, [INDUSTRY])}
    assert all(0 <= i < len(headers) for i in mapping)
    assert set(mapping.values()) <= set(by_key)
    singles = [key for key in mapping.values() if not by_key[key].multiple]
    assert len(singles) == len(set(singles))


@settings(max_examples=200, deadline=None)
@given(
    cells=st.lists(st.text(max_size=30), max_size=10),
    entity=st.sampled_from(["contact", "company"]),
)
def test_records_hold_only_stripped_non_empty_values(cells, entity):
    keys = [t.key for t in targets(entity, [INDUSTRY])]
    mapping = {i: keys[i % len(keys)] for i in range(len(cells) + 2)}
    record = to_record(mapping, cells, entity)
    allowed = set(keys) - {"full_name"} | {"custom"}
    assert set(record) <= allowed
    for key, value in record.items():
        values = list(value.values()) if key == "custom" else value
        for v in values if isinstance(values, list) else [values]:
            assert v
            assert v == v.strip()
