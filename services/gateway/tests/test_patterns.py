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


@pytest.mark.parametrize("text, url", [
    ("results online at portal.klinik-nord.de/patient/3516", "portal.klinik-nord.de/patient/3516"),
    ("book at sante-ouest.fr/rdv today", "sante-ouest.fr/rdv"),
    ("portal: patients.hospital.cz.", "patients.hospital.cz"),
])
def test_domains_of_countries_are_urls_with_a_path_or_two_labels(text, url):
    assert (url, "URL") in found(text)
    assert found("e.g. this, i.e. that; dose 0.5 mg/ml; see Fig.de and report.v2.pdf") == []


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


@pytest.mark.parametrize("text, value", [
    ("MRN | 4410-22-31 | Ward | 4B", "4410-22-31"),            # a table's bar between label and value
    ("NIR 2 55 08 75 114 032 47 on file", "2 55 08 75 114 032 47"),   # digits in the groups of a national number
    ("SVNr. 1234 010180 noted", "1234 010180"),
    ("Rodné číslo 805412/1234 noted", "805412/1234"),
    ("Parking permit QX71AB 42.", "QX71AB 42"),
])
def test_labelled_ids_in_tables_groups_and_with_a_slash(text, value):
    assert (value, "ID") in found(text)


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
                                   for k in _id_keyword_examples()] + _ADDRESSES_PHONES_AND_DATES
    assert len(patterns.PLAIN_FORMS) >= 25
    for fast, (pattern, flags) in patterns.PLAIN_FORMS.items():
        plain = __import__("re").compile(pattern, flags)
        for text in texts:
            got = [(m.span(), m.groups()) for m in fast.finditer(text)]
            assert got == [(m.span(), m.groups()) for m in plain.finditer(text)], (pattern[:40], text[:80])


# Other-language addresses, phones and dates (and their look-alikes) that the generated notes lack, so
# that the patterns led by a character (`patterns._led`) meet every branch in the test above.
_ADDRESSES_PHONES_AND_DATES = [
    "10 Rue de Rivoli, 75001 Paris; rue de Rivoli 12; 12, rue de Rivoli; Avenue Louise 54; Av. de la Paz 3",
    "Hauptstraße 5, 10115 Berlin; Berliner Straße 12; Hauptstr. 7; Keizersgracht 123, 1012 AB Amsterdam; Straße 5",
    "ul. Marszałkowska 10, 00-950 Warszawa; al. Jana Pawła II 5; et al. Nature 2019; Et al. Science 2005",
    "Via Roma 3, 00184 Roma; Calle Mayor 8, 28013 Madrid; calle de Alcalá 20; Rua dos Anjos 4, 1000-001 Lisboa",
    "Apt 4B, apt. 5, APT 6, Apartment 7, Suite 300, STE 2, Unit 7, UNIT 9, Room 210, Rm. 4, Flat 2, Bldg 3",
    "London SW1A 1AA; Ottawa, ON K1A 0B1; QC H2X1Y4; T2N1M0; CD4 3TC; Postcode: SW1A 1AA; PLZ 10115",
    "Tel: 01 42 68 53 00, 06-12345678, (0)20 7946 0958, +44 20 7946 0958, +33 1 42 68 53 00, 0 1 2 3 4 5 6 7",
    "DOB 7-13-81, 1981/07/13, 1981.07.13, 19810713, in 10/62, since 1/88, on 7/13, 11/2019, 13.07.1981",
    "13 mars 1981, 5. Mai 2019, 3 de mayo de 2019, 1er mai, 13 lipca 1981, März 2019, marzo de 2019, 13 января",
    "Seen 3rd March, 4th of July 2020, Sept. 3rd, December 2019, early March, mid-June 2019, JANUARY 5",
    "A 92 y/o, 91 yo, 95 years of age, 92 years, 101 yrs, 99-year-old, 1 2 3; Alabama 35203, AL 35203, New York 10001",
    "12-3456789, 4410-2231-0098, 123456789012345, AB1234567, A-123456, 1HGCM82633A004352, 4111 1111 1111 1111",
    "Dr. Dvořák, Mrs. Smith, Miss Kim, Mx. Lee, Prof. Παπαδόπουλος, Kraków, Poland; Łódź, PA 19103; São Paulo, SP",
]


@pytest.fixture(scope="module")
def clinical_paragraphs():
    from services.redactor.extract import extract
    from tools.synthetic import samples

    texts = []
    for seed, templates in ((3, "train"), (1003, "heldout")):
        doc = samples.generate(seed, pages=3, paragraphs=3, templates=templates)
        texts += [p["text"] for p in extract(doc.pdf)["paragraphs"]]
    return texts


# -- names in any script -----------------------------------------------------------------------------

def test_titled_labelled_and_credentialed_names_may_be_written_in_any_script():
    text = ("Seen by Dr. Dvořák and Mr. Đorđević. Patient Name: Łukasz Wróbel. Ms. Кузнецова called; "
            "Ólafur Ólafsdóttir, MD signed; Prof. Παπαδόπουλος agreed.")
    assert [t for t, kind in found(text) if kind == "PERSON"] == [
        "Dvořák", "Đorđević", "Łukasz Wróbel", "Кузнецова", "Ólafur Ólafsdóttir", "Παπαδόπουλος"]


# -- phones in national formats ------------------------------------------------------------------------

@pytest.mark.parametrize("phone", [
    "01 42 68 53 00", "06-12345678", "030 123 45 67", "0412 345 678", "+44 20 7946 0958", "020 7946 0958",
    "+33 1 42 68 53 00", "+49 30 1234567", "(0)20 7946 0958",
    "8 (495) 123-45-67", "8 923 371-12-18",     # the trunk prefix 8 of Russia and its neighbours
])
def test_national_and_international_phone_numbers_are_found(phone):
    assert (phone, "PHONE") in found(f"Reached at {phone} in the evening.")


@pytest.mark.parametrize("phone", ["612 345 678", "22 123 45 67", "01711234567",
                                   "552 4410", "912 55 40 18 3"])
def test_numbers_of_plans_without_a_trunk_prefix_or_groups_are_phones_only_after_a_phone_word(phone):
    assert (phone, "PHONE") in found(f"Mobile: {phone}.")
    assert not [t for t, kind in found(f"Batch {phone} received.") if kind == "PHONE"]


@pytest.mark.parametrize("text", [
    "Hemoglobin 13.5 g/dL, WBC 12000, platelets 250 000, dose 0.5 mg.", "Glucose 105 110 98 120 135 mg/dL.",
    "Seen 01.02.2020 at 10:30, again 2021-03-14 12:45:00.", "Values 0 1 2 3 4 5 6 7 8 were charted.",
    "MRN 00123456 and ref 01234567 filed.", "Dose 2.5 mg 10 mg 20 mg.", "INR 2.4, PT 12.0 sec, PTT 30.1 sec.",
])
def test_lab_values_doses_dates_times_and_ids_are_not_phones(text):
    assert not [t for t, kind in found(text) if kind == "PHONE"]


def test_an_area_code_in_brackets_is_part_of_the_phone_and_a_date_shape_must_be_a_date():
    assert ("(11) 91128-5618", "PHONE") in found("Mobile (11) 91128-5618 kept by the chair.")
    assert ("273 65 719", "PHONE") in found("Tel: 273 65 719 / +47 415 39 002")
    assert not [t for t, kind in found("Tel 12 03 2020 seen") if kind == "PHONE"]


# -- dates in compact, partial and other-language forms -----------------------------------------------

@pytest.mark.parametrize("text, date", [
    ("DOB 7-13-81.", "7-13-81"),
    ("CABG in 10/62.", "10/62"),
    ("Diabetic since 1/88.", "1/88"),
    ("Seen on 7/13 in clinic.", "7/13"),
    ("Born 13.07.1981.", "13.07.1981"),
    ("Born 1981/07/13.", "1981/07/13"),
    ("Born 19810713.", "19810713"),
    ("Seen on the 3rd.", "3rd"),
    ("Stable since the 21st, then worse.", "21st"),
    ("Symptoms began in early March.", "early March"),
    ("Worse since December.", "December"),
    ("Last visit mid-June 2019.", "mid-June 2019"),
    ("Last visit March 2019.", "March 2019"),
    ("Né le 13 mars 1981.", "13 mars 1981"),
    ("Geboren am 5. Mai 2019.", "5. Mai 2019"),
    ("Nacido el 3 de mayo de 2019.", "3 de mayo de 2019"),
    ("Urodzony 13 lipca 1981.", "13 lipca 1981"),
    ("Родился 13 января 1981.", "13 января 1981"),
    ("Operiert im März 2019.", "März 2019"),
    ("Operado en marzo de 2019.", "marzo de 2019"),
    ("Född 15 augusti 1949.", "15 augusti 1949"),
    ("Født 17. september 1960.", "17. september 1960"),
    ("Γεννήθηκε 5 Μαρτίου 1950.", "5 Μαρτίου 1950"),
    ("Syntynyt 3 maaliskuuta 1977.", "3 maaliskuuta 1977"),
])
def test_compact_partial_and_other_language_dates_are_found(text, date):
    assert (date, "DATE") in found(text)


@pytest.mark.parametrize("text", [
    "Pain 7/10, improved from 7/10 to 3/10.", "Dilute to 12/15 strength.", "BP 130/85 on arrival.",
    "Seen in 1/2 of cases.", "Ratio 12/40.", "Went to the 3rd floor.", "Gave the 2nd dose.",
    "A call from April.", "The care of June Carter.", "Strength 5/5 in all limbs since admission.",
    "Diagnosed in 2019.", "Ranged 13-13-2013.", "Invalid 20210231 value.",
])
def test_ratios_scores_counts_and_names_are_not_dates(text):
    assert not [t for t, kind in found(text) if kind == "DATE"]


# -- ages over 89 ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, age", [
    ("A ninety-three-year-old woman.", "ninety-three-year-old"),
    ("He is ninety three years and frail.", "ninety three years"),
    ("Aged ninety-four, lives alone.", "ninety-four"),
    ("She is one hundred and two years old.", "one hundred and two years old"),
    ("A 92 y/o man.", "92 y/o"),
    ("A 92yo man.", "92yo"),
    ("He is 92 years.", "92 years"),
    ("Aged 94 years.", "94 years"),
    ("Patient, 101 yrs, seen.", "101 yrs"),
])
def test_ages_over_89_in_words_or_with_units_are_found(text, age):
    assert (age, "AGE") in found(text)


@pytest.mark.parametrize("text", [
    "Smoked for 95 years.", "Ninety years ago she moved.", "An 89 years old man.", "A forty-five-year-old.",
    "Ninety percent of the time.", "Over the past 92 years the town grew.",
])
def test_durations_and_younger_ages_are_not_ages(text):
    assert not [t for t, kind in found(text) if kind == "AGE"]


# -- IDs without a label -----------------------------------------------------------------------------------

def test_ids_without_a_label_are_found_by_their_shape():
    text = "Ref 12-3456789 and 4410-2231-0098, code 123456789012345, AB1234567."
    assert [t for t, kind in found(text) if kind == "ID"] == [
        "12-3456789", "4410-2231-0098", "123456789012345", "AB1234567"]


@pytest.mark.parametrize("text", [
    "NDC 0002-3227-30 dispensed.", "From 2019-2020 stable.", "Invalid 000-12-3456 SSN.", "Scores 10-20-30-40.",
    "Hemoglobin 13.5, sodium 140, potassium 4.1.", "Metoprolol 25 mg, lisinopril 10 mg.", "COVID-19 and ICD-10.",
])
def test_ndc_codes_year_ranges_lab_values_and_doses_are_not_unlabelled_ids(text):
    assert not [t for t, kind in found(text) if kind == "ID"]


# -- address parts -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, part", [
    ("Lives at 10 Rue de Rivoli, Paris.", "10 Rue de Rivoli"),
    ("Adresse : Rue de Rivoli 12.", "Rue de Rivoli 12"),
    ("Adresse : 12, rue de Rivoli.", "12, rue de Rivoli"),
    ("Wohnt in der Hauptstraße 5.", "Hauptstraße 5"),
    ("Wohnt Berliner Straße 12.", "Berliner Straße 12"),
    ("Mieszka ul. Marszałkowska 10.", "ul. Marszałkowska 10"),
    ("Abita in Via Roma 3.", "Via Roma 3"),
    ("Vive en Calle Mayor 8.", "Calle Mayor 8"),
    ("Woont Keizersgracht 123.", "Keizersgracht 123"),
    ("Lives at 12-14 Oak Street today.", "12-14 Oak Street"),
    ("Moved to Apt 4B last week.", "Apt 4B"),
    ("Transferred to Room 210.", "Room 210"),
    ("Office in Suite 300.", "Suite 300"),
    ("Lives in Flat 2.", "Flat 2"),
    ("Stays in Unit 7 now.", "Unit 7"),
    ("Adresse: 75008 Paris", "75008 Paris"),
    ("Keizersgracht 123, 1012 AB Amsterdam", "1012 AB Amsterdam"),
    ("ul. Marszałkowska 10, 00-950 Warszawa", "00-950 Warszawa"),
    ("Hauptstraße 5, 10115 Berlin", "10115 Berlin"),
    ("Lives in London SW1A 1AA.", "SW1A 1AA"),
    ("Ottawa, ON K1A 0B1", "K1A 0B1"),
    ("Postcode: SW1A 1AA", "SW1A 1AA"),
])
def test_street_parts_units_and_postcodes_of_other_countries_are_locations(text, part):
    assert (part, "LOCATION") in found(text)


@pytest.mark.parametrize("text", [
    "In 2019 Paris was busy.", "Gave 10000 Units heparin.", "Tylenol 1000 MG Daily.", "Smith et al. Nature 2019.",
    "Et al. Science 2005.", "HIV CD4 3TC regimen.", "Stage T2N1M0 tumour.", "Gave 10 units insulin.", "Room air 98%.",
    "Place Foley 16 Fr.", "Given via PEG 2 times.", "Weg 3 alone.",
])
def test_postcode_and_street_look_alikes_are_not_locations(text):
    assert not [t for t, kind in found(text) if kind == "LOCATION"]


@pytest.mark.parametrize("text, expected", [
    ("Images sent to PACS node 157.150.64.160.", ("157.150.64.160", "IP")),
    ("Reported by the radiologist, 11 MAR 2023", ("11 MAR 2023", "DATE")),
    ("Queries to +48 22 289 12 55 ext. 950 please.", ("+48 22 289 12 55 ext. 950", "PHONE")),
    ("Call 634-744-1982 Ext 2485 today", ("634-744-1982 Ext 2485", "PHONE")),
])
def test_an_address_at_a_sentence_end_a_capitalised_month_and_a_phone_extension_are_matched_whole(text, expected):
    assert expected in [(text[m.start:m.end], m.type) for m in patterns.find(text)]


def test_the_medication_administration_record_is_not_a_month():
    assert patterns.find("Check the MAR for doses given.") == []
