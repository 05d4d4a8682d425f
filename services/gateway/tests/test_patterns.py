"""Validated patterns: each identifier found in its usual forms, and look-alikes that fail validation left alone."""

import pytest

from services.gateway.pipeline import patterns
from services.gateway.pipeline.patterns import find, luhn_valid, npi_valid, ssn_valid, vin_valid


def found(text):
    return [(text[m.start:m.end], m.type) for m in find(text)]


@pytest.mark.parametrize("text, date", [
    ("Admitted 03/14/2021 for pain.", "03/14/2021"),
    ("DOB 7/4/50.", "7/4/50"),
    ("Seen 2021-03-14T10:30.", "2021-03-14T10:30"),
    ("Born 14.03.1950 in Lyon.", "14.03.1950"),
    ("Discharged March 20, 2021.", "March 20, 2021"),
    ("Surgery on 4th of July 2020.", "4th of July 2020"),
    ("Seen again Sept. 3rd.", "Sept. 3rd"),
    ("Last visit December 2019.", "December 2019"),
    ("Last visit 11/2019.", "11/2019"),
])
def test_dates_more_precise_than_a_year_are_found(text, date):
    assert (date, "DATE") in found(text)


@pytest.mark.parametrize("text", [
    "Diagnosed in 2019.", "BP 120/80 today.", "Ratio 12/40.", "Invalid 02/30/2021 date.", "Version 1.2.34 here.",
    "Ranged 13/13/2013.",
])
def test_a_year_alone_and_date_look_alikes_are_not_dates(text):
    assert not [t for t, kind in found(text) if kind == "DATE"]


def test_ages_over_89_are_found_and_younger_ages_are_not():
    text = "A 92-year-old woman, age: 95, and a 45-year-old man; 91 y/o; 89 years old."
    ages = [t for t, kind in found(text) if kind == "AGE"]
    assert ages == ["92-year-old", "95", "91 y/o"]


@pytest.mark.parametrize("phone", [
    "(555) 123-4567", "555.987.6543x123", "+1-212-555-0199", "312-555-0100", "+44 20 7946 0958",
    "001-312-555-0100", "(312)555-0100 ext. 22",
])
def test_phone_and_fax_numbers_are_found(phone):
    assert (phone, "PHONE") in found(f"Fax: {phone}, after hours.")


def test_email_url_and_ip_are_found_and_an_invalid_ip_is_not():
    text = ("Mail maria.gonzalez@example.org or see https://mychart.example.com/login. Host 192.168.1.20, "
            "v6 2001:db8::8a2e:370:7334, not 999.1.1.1 nor 10:30:45.")
    assert found(text) == [("maria.gonzalez@example.org", "EMAIL"), ("https://mychart.example.com/login", "URL"),
                           ("192.168.1.20", "IP"), ("2001:db8::8a2e:370:7334", "IP")]


def test_check_digits_are_validated():
    assert luhn_valid("4111111111111111") and not luhn_valid("4111111111111112")
    assert npi_valid("1234567893") and not npi_valid("1234567890")
    assert vin_valid("1HGCM82633A004352") and not vin_valid("1HGCM82633A004353")
    assert ssn_valid("123", "45", "6789") and not ssn_valid("666", "45", "6789") and not ssn_valid("900", "1", "1")


def test_ids_are_found_by_check_digit_or_by_their_label():
    text = ("SSN 123-45-6789, bad 000-12-3456. MRN: 00123456, Account #: AC-99812, Plan ID: HP4432189. "
            "Card 4111 1111 1111 1111 and 4111 1111 1111 1112. VIN 1HGCM82633A004352.")
    ids = [t for t, kind in found(text) if kind == "ID"]
    assert ids == ["123-45-6789", "00123456", "AC-99812", "HP4432189", "4111 1111 1111 1111",
                   "1HGCM82633A004352"]


def test_an_unlabelled_vin_is_recognised_by_its_check_digit():
    assert [m.rule for m in find("Car 1HGCM82633A004352 parked.")] == ["vin"]
    # A bad check digit is not a VIN, though a code of that shape is still taken as an ID, less surely.
    assert [(m.rule, m.score) for m in find("Car 1HGCM82633A004353 parked.")] == [("id-mixed", 0.8)]


def test_serials_and_codes_are_ids_but_short_clinical_codes_are_not():
    assert found("Pump (serial SN-8F3A2B1C) and lot SN-1234ABCD, account A12345678.") == [
        ("SN-8F3A2B1C", "ID"), ("SN-1234ABCD", "ID"), ("A12345678", "ID")]
    assert found("COVID-19, HbA1c, T2N1M0, SARS-CoV-2, ICD-10, IL-6 and B12 were discussed.") == []


def test_addresses_cities_with_a_state_and_zip_codes_are_locations():
    text = "Lives at 4321 Maria Mills Apt. 5, Springfield, IL 62704. Mail to P.O. Box 77. Zip Code: 90210."
    assert found(text) == [("4321 Maria Mills Apt. 5", "LOCATION"), ("Springfield", "LOCATION"),
                           ("62704", "LOCATION"), ("P.O. Box 77", "LOCATION"), ("90210", "LOCATION")]


def test_names_after_titles_labels_or_before_credentials_are_people_without_the_title():
    text = "Seen by Dr. Alan Turing and Ms. Gonzalez. Jane Doe, MD signed. Patient Name: Maria Gonzalez"
    assert found(text) == [("Alan Turing", "PERSON"), ("Gonzalez", "PERSON"), ("Jane Doe", "PERSON"),
                           ("Maria Gonzalez", "PERSON")]


def test_clinical_numbers_are_left_alone():
    assert found("Hemoglobin 13.5 g/dL, BP 120/80, dose 2.5 mg, 325 mg aspirin, pain 7/10, SpO2 95%.") == []


def test_matches_never_overlap_and_come_in_text_order():
    text = "Call 312-555-0100 on 03/14/2021 about MRN 12345678 at 4 Oak St, Springfield, IL 62704."
    spans = [(m.start, m.end) for m in find(text)]
    assert spans == sorted(spans)
    assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:]))
    assert {m.type for m in find(text)} <= set(patterns.TYPES)


def _id_keyword_examples() -> list[str]:
    """One literal example of every top-level alternative of the ID keywords ("Health Plan ID", "Lot #", ...)."""
    alternatives, depth, current = [], 0, ""
    for c in patterns._ID_KEYWORDS:
        depth += c == "("
        depth -= c == ")"
        if c == "|" and depth == 0:
            alternatives.append(current)
            current = ""
        else:
            current += c
    alternatives.append(current)
    examples = []
    for alt in alternatives:
        for keep_optional in (False, True):
            text = alt
            # Optional groups left out, or kept with their first choice.
            while "(?:" in text:
                start = text.rindex("(?:")
                end = text.index(")", start)
                optional = text[end + 1:end + 2] == "?"
                body = text[start + 3:end].split("|")[0]
                text = text[:start] + (body if keep_optional or not optional else "") + text[end + 1 + optional:]
            text = text.replace(r"\s+", " ").replace(r"\s*", "").replace(r"\.?", ".").replace("[cs]", "c")
            examples.append(text.replace("'?", "'").replace("\\", ""))
    return examples


def test_every_id_keyword_is_found_before_a_number_and_starts_with_a_letter_of_the_lookahead():
    examples = _id_keyword_examples()
    assert len(examples) > 80 and "Medical Record Number" in examples and "Implant Lot Number" in examples
    for keyword in examples:
        assert keyword[0].lower() in patterns._ID_KEYWORD_FIRST, keyword
        text = f"{keyword}: 7QX-2 on file"   # an ID of no shape: only its label makes it one
        assert [(text[m.start:m.end], m.rule) for m in find(text)] == [("7QX-2", "id-labelled")], keyword


def test_the_lookahead_of_every_rule_changes_no_match(clinical_paragraphs):
    """Each rule against its plain form (no first-character lookahead) over generated clinical text."""
    texts = clinical_paragraphs + [f"{k}: A1234567, {k.upper()} #99-1234 and {k.lower()} is 12345678"
                                   for k in _id_keyword_examples()]
    assert len(patterns.PLAIN_FORMS) >= 25
    for fast, (pattern, flags) in patterns.PLAIN_FORMS.items():
        plain = __import__("re").compile(pattern, flags)
        for text in texts:
            got = [(m.span(), m.groups()) for m in fast.finditer(text)]
            assert got == [(m.span(), m.groups()) for m in plain.finditer(text)], (pattern[:40], text[:80])


@pytest.fixture(scope="module")
def clinical_paragraphs():
    from services.redactor import samples
    from services.redactor.extract import extract

    texts = []
    for seed, templates in ((3, "train"), (1003, "heldout")):
        doc = samples.generate(seed, pages=3, paragraphs=3, templates=templates)
        texts += [p["text"] for p in extract(doc.pdf)["paragraphs"]]
    return texts
