"""The tagged-paragraph generator: reproducible, offsets exact, every entity type and style, many
locales and scripts, the identifier shapes the tagger used to miss, hard negatives never
labelled, and no code shared with the independent development set."""

from __future__ import annotations

import ast
import collections
import json
import os
import pathlib
import re
import subprocess
import sys
import unicodedata

import pytest

from tools.synthetic import tagged_notes, tagged_styles, tagged_templates
from tools.synthetic.tagged_negatives import EPONYMS, SIGNS
from veil.contracts import ENTITY_TYPES

REPO = pathlib.Path(__file__).resolve().parents[3]
SYNTHETIC = REPO / "tools" / "synthetic"
N = 4000  # half the paragraphs are narrative without identifiers: enough of each format


@pytest.fixture(scope="module")
def items():
    return tagged_notes.generate(N, seed=0)


def surfaces(items, kind):
    return [item.text[s.start:s.end] for item in items for s in item.spans if s.type == kind]


def negatives(items):
    return [item.text[s.start:s.end] for item in items for s in item.negatives]


def some(values, pattern):
    return [v for v in values if re.fullmatch(pattern, v)]


# ---- reproducible --------------------------------------------------------------------------


def test_when_seeded_twice_then_the_paragraphs_are_identical(items):
    assert tagged_notes.generate(300, seed=0) == items[:300]


def test_a_shorter_run_is_the_start_of_a_longer_one():
    assert tagged_notes.generate(40, seed=5) == tagged_notes.generate(80, seed=5)[:40]


def test_when_the_seed_changes_then_the_text_changes(items):
    other = tagged_notes.generate(200, seed=1)
    assert sum(a.text == b.text for a, b in zip(items, other)) < 10


def test_the_output_does_not_depend_on_the_hash_seed_of_the_process():
    code = ("import json, sys; from tools.synthetic import tagged_notes as t; "
            "json.dump(t.to_rows(t.generate(60, seed=3)), sys.stdout, ensure_ascii=False)")
    outputs = set()
    for hash_seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        done = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True,
                              check=True)
        outputs.add(done.stdout)
    assert len(outputs) == 1
    assert json.loads(outputs.pop()) == tagged_notes.to_rows(tagged_notes.generate(60, seed=3))


# ---- offsets -------------------------------------------------------------------------------


def test_every_span_is_an_exact_trimmed_non_empty_surface(items):
    for item in items:
        for span in (*item.spans, *item.negatives):
            surface = item.text[span.start:span.end]
            assert 0 <= span.start < span.end <= len(item.text), item
            assert surface == surface.strip(), (surface, item.text)


def test_spans_are_sorted_and_never_overlap(items):
    for item in items:
        ends = [0]
        for span in item.spans:
            assert span.start >= ends[-1], item
            ends.append(span.end)


def test_paragraphs_are_single_spaced_lines_of_at_most_about_150_words(items):
    for item in items:
        assert item.text == item.text.strip() and "\n" not in item.text and "  " not in item.text, item.text
        assert 1 <= len(item.text.split()) <= 160


def test_rows_are_json_ready_with_the_agreed_keys(items):
    rows = tagged_notes.to_rows(items[:50])
    assert json.loads(json.dumps(rows, ensure_ascii=False)) == rows
    assert set(rows[0]) == {"text", "spans", "style", "locale"}
    for row, item in zip(rows, items):
        assert [(s["start"], s["end"], s["type"]) for s in row["spans"]] == [(s.start, s.end, s.type) for s in item.spans]


def test_every_template_slot_is_known():
    shapes = [t for style in tagged_templates.STYLES.values() for t in (*style["prose"], *style["lines"])]
    shapes += [t for local in tagged_templates.TRANSFER_LOCAL.values() for t in local]
    for template in shapes:
        tagged_styles.compile_template(template)


# ---- coverage ------------------------------------------------------------------------------


def test_every_entity_type_and_every_style_is_present(items):
    types = collections.Counter(s.type for item in items for s in item.spans)
    assert set(types) == set(ENTITY_TYPES)
    assert min(types.values()) >= 20, types
    styles = collections.Counter(item.style for item in items)
    assert set(styles) == set(tagged_notes.STYLES) and len(styles) >= 12


def test_paragraphs_come_from_at_least_40_locales(items):
    assert len({item.locale for item in items}) >= 40


def test_names_are_written_in_at_least_five_non_latin_scripts(items):
    scripts = collections.Counter()
    for name in surfaces(items, "PERSON"):
        letters = [ch for ch in name if ch.isalpha()]
        scripts[unicodedata.name(letters[0]).split()[0]] += 1
    non_latin = {s for s, n in scripts.items() if s != "LATIN" and n >= 3}
    assert {"GREEK", "CYRILLIC"} <= non_latin
    assert non_latin & {"ARABIC", "HEBREW", "CJK", "HANGUL"}
    assert len(non_latin) >= 5


def test_latin_names_keep_letters_outside_latin_1(items):
    extended = [n for n in surfaces(items, "PERSON")
                if any(ord(ch) > 255 and unicodedata.name(ch).startswith("LATIN") for ch in n)]
    assert len(extended) >= 20


def test_phone_numbers_come_in_the_national_formats_of_several_countries(items):
    phones = surfaces(items, "PHONE")
    formats = {
        "FR": r"(0|\+33 )[1-9]( \d\d){4}", "NL": r"06-\d{8}", "DE": r"030 \d{3} \d\d \d\d", "AU": r"04\d\d \d{3} \d{3}",
        "GB": r"\+44 20 \d{4} \d{4}", "US": r"\(\d{3}\) \d{3}-\d{4}", "RU": r"(\+7|8) \(\d{3}\) \d{3}-\d\d-\d\d",
    }
    missing = [country for country, pattern in formats.items() if not some(phones, pattern)]
    assert not missing
    assert some(phones, r".*\d(,)? ?(ext\.?|x|Ext\.|extension) ?\d+\)?")


def test_unit_designators_are_labelled_with_their_numbers(items):
    places = surfaces(items, "LOCATION")
    for designator in ("Apt", "Unit", "Suite", "Room", "Flat", "Bed", "Floor"):
        assert [p for p in places if re.search(rf"\b{designator}\.? \w+", p)], designator
    assert some(places, r"(Apt\.?|Unit|Suite|Room|Rm|Flat|Bed|Floor) \w+")  # the designator alone, as one span
    assert some(places, r"\d{1,4}[a-z]?")  # a building number alone


def test_postcodes_of_other_countries_are_inside_location_spans(items):
    places = surfaces(items, "LOCATION")
    for pattern in (r"\b[A-Z]{1,2}\d[A-Z\d]? \d[A-Z]{2}\b",  # UK
                    r"\b[A-Z]\d[A-Z] ?\d[A-Z]\d\b",  # Canada
                    r"\b\d{4} ?[A-Z]{2}\b",  # Netherlands
                    r"\b\d{2}-\d{3}\b"):  # Poland
        assert [p for p in places if re.search(pattern, p)], pattern


def test_organisations_appear_in_free_text(items):
    prose = [item for item in items if len(item.text.split()) > 25]
    assert sum(1 for item in prose for s in item.spans if s.type == "ORGANIZATION") >= 200


def test_dates_come_compact_partial_ordinal_vague_and_in_other_languages(items):
    dates = surfaces(items, "DATE")
    assert some(dates, r"\d{1,2}-\d{1,2}-\d{2}")  # 7-13-81
    assert some(dates, r"\d{1,2}/\d{2}")  # 10/62, 1/88
    assert some(dates, r"\d{1,2}(st|nd|rd|th)")  # the 3rd
    assert some(dates, r"[A-Z][a-z]+ \d{1,2}(st|nd|rd|th)")  # March 3rd
    assert some(dates, r"\d{4}-\d\d-\d\d") and some(dates, r"\d{1,2}\.\d{1,2}\.\d{2,4}")
    foreign = r".*\b(März|mars|marzo|maart|março|marca|марта|Μαρτίου|janvier|Oktober|octubre|giugno|mei|maja)\b.*"
    assert some(dates, foreign)
    vague = [item for item in items for s in item.spans
             if s.type == "DATE" and re.search(r"\b(early|late|mid-|around) ?$", item.text[:s.start])]
    assert vague, "no 'early March 2019'-style dates"


def test_only_ages_over_89_are_labelled_and_some_are_in_words_or_units(items):
    ages = surfaces(items, "AGE")
    for age in ages:
        number = re.search(r"\d+", age)
        if number:
            assert int(number.group()) > 89, age
        else:
            assert re.match(r"(?i)(ninety|one hundred)", age), age
    assert some(ages, r"(?i)(ninety|one hundred).*")
    assert some(ages, r"\d+(-year-old| years old| yo| y/o| years)")
    young = [n for n in negatives(items) if re.fullmatch(r"\d{1,2}(-year-old| years old| yo| years)", n)]
    assert young and all(int(re.match(r"\d+", n).group()) <= 89 for n in young)


def test_identifiers_appear_with_and_without_labels(items):
    labelled = unlabelled = 0
    for item in items:
        for s in item.spans:
            if s.type != "ID":
                continue
            before = item.text[max(0, s.start - 3):s.start]
            if re.search(r"(\| |\(|^)$", before):
                unlabelled += 1
            elif re.search(r"[:#] ?$|No\. $", before):
                labelled += 1
    assert labelled >= 50 and unlabelled >= 10


def test_emails_urls_and_ip_addresses_look_like_themselves(items):
    assert all("@" in e for e in surfaces(items, "EMAIL"))
    assert all("." in u or "/" in u for u in surfaces(items, "URL"))
    ips = surfaces(items, "IP")
    assert some(ips, r"\d+\.\d+\.\d+\.\d+(:\d+)?") and some(ips, r"[0-9a-f:]+:[0-9a-f:]+")


# ---- label conventions -----------------------------------------------------------------------


def test_titles_and_credentials_stay_outside_person_spans(items):
    titles = {"Dr.", "Dr", "Mr.", "Mrs.", "Ms.", "Herr", "Frau", "Mme", "Sr.", "Sra.", "Prof.", "DR.", "MR."}
    for name in surfaces(items, "PERSON"):
        assert name.split()[0] not in titles, name
        assert not re.search(r", (MD|RN|PhD)$", name), name


def test_phone_spans_keep_their_country_code_and_id_spans_drop_their_label(items):
    assert any(p.startswith("+") for p in surfaces(items, "PHONE"))
    for value in surfaces(items, "ID"):
        assert not re.match(r"(MRN|SSN|NHS|Acct|Account|Member|Policy|Claim)\b", value), value
        assert not value.startswith("#"), value


# ---- hard negatives --------------------------------------------------------------------------


def test_clinical_shorthand_the_tagger_took_for_names_appears_unlabelled(items):
    text = " ".join(negatives(items))
    for word in ("PO", "BID", "PRN", "CABG", "RBBB", "SOB", "MIBI", "HTN", "NIDDM"):
        assert re.search(rf"\b{word}\b", text), word


def test_drug_names_appear_in_capitals(items):
    capitals = [n for n in negatives(items) if re.fullmatch(r"[A-Z]{5,}", n)]
    assert len(set(capitals)) >= 100


def test_eponyms_vitals_years_weekdays_times_states_and_countries_appear_unlabelled(items):
    negs = negatives(items)
    assert len(set(negs) & set(EPONYMS)) >= 20 and len(set(negs) & set(SIGNS)) >= 20
    assert "Glasgow Coma Scale" in negs or "Babinski sign" in negs
    assert some(negs, r".*\bBP \d{2,3}/\d{2,3}.*")
    assert some(negs, r".*\d{1,2}/(5|10|15|30)\b.*")  # strength 4/5, GCS 12/15: date-like, not dates
    assert some(negs, r"(19|20)\d\d")
    assert set(negs) & {"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"}
    assert some(negs, r"\d{1,2}:\d\d( ?[AaPp][Mm])?")
    assert set(negs) & {"Ohio", "Texas", "CA", "NY", "Florida", "California"}
    assert set(negs) & {"Poland", "Germany", "Mexico", "India", "Greece"}


def test_hard_negatives_are_never_inside_a_labelled_span(items):
    for item in items:
        for neg in item.negatives:
            for span in item.spans:
                assert neg.end <= span.start or neg.start >= span.end, (item.text, neg, span)


def test_a_labelled_span_never_repeats_a_negative_of_its_paragraph(items):
    for item in items:
        negs = {item.text[n.start:n.end].casefold() for n in item.negatives}
        for span in item.spans:
            assert item.text[span.start:span.end].casefold() not in negs, item.text


# ---- separation from the development set -------------------------------------------------------


def _imports(path: pathlib.Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def test_the_generator_imports_neither_mimesis_nor_the_development_set():
    files = sorted(SYNTHETIC.glob("tagged_*.py")) + sorted((SYNTHETIC / "tests").glob("*.py"))
    assert len(files) >= 8
    for path in files:
        for name in _imports(path):
            assert not name.startswith(("mimesis", "tools.devset")), (path, name)


def test_importing_the_generator_loads_neither_mimesis_nor_the_development_set():
    code = ("import sys; from tools.synthetic import tagged_notes as t; t.generate(5); "
            "print(sorted(m for m in sys.modules if m.startswith(('mimesis', 'tools.devset'))))")
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_most_words_are_narrative_that_names_no_one(items):
    # Real notes label one word in twenty or fewer; a tagger that learns from paragraphs where every
    # third word is an identifier labels ward nouns, services and relations as names.
    words = sum(len(t.text.split()) for t in items)
    labelled = sum(len(t.text[s.start:s.end].split()) for t in items for s in t.spans)
    assert labelled / words < 0.25
    assert sum(not t.spans for t in items) / len(items) > 0.3
    plain = {"team", "hallway", "bedside", "wife", "husband"}
    assert not [t.text[s.start:s.end] for t in items for s in t.spans
                if s.type in ("PERSON", "ORGANIZATION") and {w.casefold() for w in t.text[s.start:s.end].split()} & plain]
