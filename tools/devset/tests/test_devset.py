"""The independent dev set: reproducible, exact gold, every coverage item present, hard negatives
unlabelled, and no code or data shared with the training generators."""

from __future__ import annotations

import ast
import json
import re
import unicodedata
from pathlib import Path

import pytest

from tools.devset import DEFAULT_NOTES, DEFAULT_SEED, generate, read_brat
from tools.devset.__main__ import main
from tools.devset.countries import DEFAULT_LOCALES
from tools.devset.negatives import ABBREVIATIONS, DRUGS_CAPS, EPONYMS, HEADINGS
from tools.devset.styles import STYLES
from veil.contracts import ENTITY_TYPES

PACKAGE = Path(__file__).resolve().parents[1]
COMMITTED = PACKAGE / "data"


class Note:
    def __init__(self, folder: Path, record: dict):
        self.name = record["name"]
        self.record = record
        self.text = (folder / f"{self.name}.txt").read_text(encoding="utf-8")
        self.spans = read_brat(folder / f"{self.name}.ann")

    def before(self, start: int, n: int) -> str:
        return self.text[max(0, start - n):start]


@pytest.fixture(scope="module")
def devset(tmp_path_factory) -> tuple[Path, dict, list[Note]]:
    folder = tmp_path_factory.mktemp("devset")
    paths = generate(folder)
    assert len(paths) == DEFAULT_NOTES
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    return folder, manifest, [Note(folder, rec) for rec in manifest["notes"]]


def spans_of(notes, kind=None):
    """(note, type, start, end, surface) of every gold span, optionally of one type."""
    return [(n, t, s, e, x) for n in notes for (t, s, e, x) in n.spans if kind is None or t == kind]


def surfaces(notes, kind):
    return [x for _n, _t, _s, _e, x in spans_of(notes, kind)]


def tags(manifest) -> set[str]:
    return {t for note in manifest["notes"] for t in note["tags"]}


def any_match(pattern: str, values) -> bool:
    rx = re.compile(pattern)
    return any(rx.search(v) for v in values)


# ---- reproducibility -----------------------------------------------------------------------------


def test_same_seed_gives_identical_files_and_another_seed_does_not(tmp_path):
    a, b, c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    generate(a, n_notes=12, seed=7)
    generate(b, n_notes=12, seed=7)
    generate(c, n_notes=12, seed=8)
    files = sorted(p.name for p in a.iterdir())
    assert files == sorted(p.name for p in b.iterdir())
    assert len([f for f in files if f.endswith(".txt")]) == 12
    for name in files:
        assert (a / name).read_bytes() == (b / name).read_bytes(), name
    assert (a / "000_discharge_summary.txt").read_bytes() != (c / "000_discharge_summary.txt").read_bytes()


def test_regenerating_a_smaller_set_leaves_no_stale_notes(tmp_path):
    generate(tmp_path, n_notes=5, seed=3)
    generate(tmp_path, n_notes=2, seed=3)
    assert len(list(tmp_path.glob("*.txt"))) == 2 and len(list(tmp_path.glob("*.ann"))) == 2


def test_unknown_locale_is_refused(tmp_path):
    with pytest.raises(ValueError, match="xx"):
        generate(tmp_path, n_notes=1, locales=["de", "xx"])


def test_cli_writes_the_requested_notes(tmp_path, capsys):
    assert main(["--out", str(tmp_path), "--n", "3", "--seed", "11", "--locales", "pl,el"]) == 0
    assert len(list(tmp_path.glob("*.txt"))) == 3
    assert "wrote 3 notes" in capsys.readouterr().out
    readme = (tmp_path / "README.md").read_text(encoding="utf-8")
    assert "Seed: 11" in readme and "pl, el" in readme


def test_committed_set_is_the_default_generation_and_small(devset):
    folder, _manifest, _notes = devset
    committed = sorted(p.name for p in COMMITTED.iterdir() if p.is_file())
    assert committed == sorted(p.name for p in folder.iterdir())
    for name in committed:
        assert (COMMITTED / name).read_bytes() == (folder / name).read_bytes(), \
            f"{name} differs: regenerate with `python -m tools.devset --out tools/devset/data`"
    assert sum((COMMITTED / n).stat().st_size for n in committed) < 1_000_000


# ---- gold ------------------------------------------------------------------------------------------


def test_every_annotation_matches_its_text_and_none_overlap(devset):
    _folder, _manifest, notes = devset
    for note in notes:
        assert note.spans, note.name
        last_end = -1
        for kind, start, end, surface in sorted(note.spans, key=lambda s: (s[1], s[2])):
            assert kind in ENTITY_TYPES
            assert note.text[start:end] == surface, (note.name, kind, start, end, surface)
            assert surface == surface.strip() and "\n" not in surface
            assert start >= last_end, (note.name, surface)
            last_end = end


def test_readme_says_how_the_set_was_made(devset):
    folder, manifest, _notes = devset
    readme = (folder / "README.md").read_text(encoding="utf-8")
    assert f"Seed: {DEFAULT_SEED}" in readme and "mimesis" in readme and manifest["mimesis"] in readme
    for loc in DEFAULT_LOCALES:
        assert loc in readme


# ---- hard negatives ----------------------------------------------------------------------------------


def _occurrences(text: str, term: str):
    for m in re.finditer(rf"(?<![\w.]){re.escape(term)}(?!\w)", text):
        yield m.start(), m.end()


def test_no_hard_negative_term_is_inside_an_annotation(devset):
    _folder, _manifest, notes = devset
    seen = set()
    for note in notes:
        for term in ABBREVIATIONS + DRUGS_CAPS + EPONYMS + HEADINGS:
            for start, end in _occurrences(note.text, term):
                seen.add(term)
                for kind, s, e, surface in note.spans:
                    assert e <= start or s >= end, f"{note.name}: {term!r} inside {kind} {surface!r}"
    brief = {"PO", "BID", "PRN", "CABG", "RBBB", "SOB", "MIBI", "HTN", "NIDDM", "ZOCOR", "LASIX", "COPD", "NSTEMI",
             "q.i.d.", "Parkinson's disease", "Crohn's disease", "Hodgkin lymphoma", "Babinski sign",
             "Glasgow Coma Scale"}
    assert brief <= seen, brief - seen
    assert set(ABBREVIATIONS + DRUGS_CAPS) <= seen


def test_placed_negatives_are_unlabelled_and_of_every_kind(devset):
    _folder, manifest, notes = devset
    kinds = set()
    for note in notes:
        for start, end, kind in note.record["negatives"]:
            kinds.add(kind)
            for t, s, e, surface in note.spans:
                assert e <= start or s >= end, f"{note.name}: negative {note.text[start:end]!r} inside {t} {surface!r}"
    assert {"year", "age", "lab", "dose", "vital", "score", "state", "country"} <= kinds
    placed = [note.text[s:e] for note in notes for s, e, k in note.record["negatives"]]
    assert any(re.fullmatch(r"K \d\.\d", p) for p in placed)
    assert any(re.fullmatch(r"BP \d+/\d+", p) for p in placed)
    assert any(re.fullmatch(r"\d+ mg", p) for p in placed)
    assert any(re.fullmatch(r"1[0-4]/15", p) for p in placed)
    ages = [int(re.match(r"\d+", p).group()) for note in notes for s, e, k in note.record["negatives"]
            if k == "age" and (p := note.text[s:e])[0].isdigit()]
    assert ages and max(ages) <= 89


def test_every_age_label_is_over_89(devset):
    _folder, _manifest, notes = devset
    words = {w: i for i, w in enumerate("zero one two three four five six seven eight nine".split())}
    for surface in surfaces(notes, "AGE"):
        m = re.match(r"\d+", surface)
        if m:
            assert int(m.group()) > 89, surface
        else:
            assert surface.startswith(("ninety", "one hundred")), surface
            assert words  # words over 89 only start with these


# ---- coverage ---------------------------------------------------------------------------------------


def test_every_style_and_locale_appears(devset):
    _folder, manifest, notes = devset
    styles = {n.record["style"] for n in notes}
    assert styles == set(STYLES) and len(styles) >= 8
    person_locales = {t.split("|")[0].removeprefix("person:") for t in tags(manifest) if t.startswith("person:")}
    assert set(DEFAULT_LOCALES) <= person_locales


def _script(text: str) -> set[str]:
    out = set()
    for ch in text:
        if ch.isalpha():
            name = unicodedata.name(ch, "")
            out.add(name.split(" ")[0])
    return out


def test_names_in_their_own_scripts_and_in_many_forms(devset):
    _folder, manifest, notes = devset
    people = surfaces(notes, "PERSON")
    scripts = set().union(*(_script(p) for p in people))
    assert {"CYRILLIC", "GREEK", "CJK", "HANGUL", "ARABIC", "LATIN"} <= scripts
    assert any(re.search("[ĐđćčĆČ]", p) for p in people)  # Croatian / Serbian (Đurđević-style)
    assert any(re.search(r"[ðþÞÐ]|(dóttir|son)\b", p) for p in people)  # Icelandic
    forms = {t.split("|")[1] for t in tags(manifest) if t.startswith("person:")}
    assert {"full", "last_first", "first_mi_last", "title", "local_title", "caps_last", "initials", "native",
            "patronymic"} <= forms
    assert any_match(r"^\w[\w'-]*, \w", people)                 # Last, First
    assert any_match(r"^\w+ \w\. \w", people)                    # First M. Last
    assert any_match(r"^[A-Z][A-Z'-]+,? [A-Z][a-z]", people)     # KOWALSKA, Anna
    assert any_match(r"^\w\.(\w\.)? \w", people)                 # A. Kowalska / A.M. Kowalska
    titles = {note.before(s, 8).split()[-1] for note, _t, s, _e, _x in spans_of(notes, "PERSON")
              if note.before(s, 8).strip()}
    assert {"Dr.", "Mr."} <= titles and len(titles & {"Mrs.", "Ms."}) >= 1
    local = {"Herr", "Frau", "Mme.", "Madame", "M.", "Pan", "Pani", "Sig.", "Sig.ra", "Signora", "Dhr.", "Mevr.", "Sr.",
             "Sra.", "D.", "Doña", "Hr.", "Fru", "Frk.", "Herra", "Rouva", "Bay", "Bayan", "Κύριος.", "Κυρία", "Κ."}
    assert len(titles & local) >= 3, titles


def test_national_phone_formats_extensions_and_fax(devset):
    _folder, _manifest, notes = devset
    phones = surfaces(notes, "PHONE")
    for pattern in (r"^0[1-9]( \d\d){4}$",            # 01 42 68 53 00 (France)
                    r"^06-\d{8}$",                     # 06-12345678 (Netherlands mobile)
                    r"^030 \d{3} \d\d \d\d$",          # 030 123 45 67 (Berlin)
                    r"^04\d\d \d{3} \d{3}$",           # 0412 345 678 (Australian mobile)
                    r"^\+44 20 \d{4} \d{4}$",          # +44 20 7946 0958 (London)
                    r"^\(\d{3}\) \d{3}-\d{4}$",        # (555) 123-4567
                    r"^\d{3}\.\d{3}\.\d{4}$",          # 555.123.4567
                    r"(ext\.?|x|Ext) ?\d+$"):          # extensions
        assert any_match(pattern, phones), pattern
    faxes = [x for note, _t, s, _e, x in spans_of(notes, "PHONE") if re.search(r"[Ff]ax:? $", note.before(s, 6))]
    assert len(faxes) >= 3


def test_addresses_units_foreign_streets_postcodes_and_cities(devset):
    _folder, manifest, notes = devset
    places = surfaces(notes, "LOCATION")
    for pattern in (r"^Apt\.? \w+$", r"^Room \d+\w?$", r"^Suite \d+$", r"^Flat \d+\w?$", r"^Unit \d+$", r"^Bed \d$",
                    r"^(Building|Bldg\.?) \w+$", r"^\d{1,3}$"):
        assert any_match(pattern, places), pattern
    for pattern in (r"\b[Rr]ue\b", r"(straße|strasse|Straße)", r"^(ul\.|ulica) ", r"^Via ", r"^Calle ", r"straat\b"):
        assert any_match(pattern, places), pattern
    for pattern in (r"^[A-Z]{2}\d[A-Z] \d[A-Z]{2}$",   # SW1A 1AA
                    r"^[A-Z]\d[A-Z] \d[A-Z]\d$",        # K1A 0B1
                    r"^750\d\d$",                       # 75008
                    r"^\d{4} [A-Z]{2}$",                # 1012 AB
                    r"^\d\d-\d{3}$",                    # 00-950
                    r"^\d{3} \d\d$"):                   # 101 00
        assert any_match(pattern, places), pattern
    city_tags = {t for t in tags(manifest) if t.startswith("loc:city:")}
    assert len(city_tags) >= 20


def test_organisations_in_free_text(devset):
    _folder, manifest, notes = devset
    kinds = {t.split(":")[1] for t in tags(manifest) if t.startswith("org:")}
    assert {"hospital", "employer", "school", "clinic", "pharmacy"} <= kinds
    employed = [x for note, _t, s, _e, x in spans_of(notes, "ORGANIZATION")
                if re.search(r"(works as an? [\w -]+ at|[Ee]mployed by|for|with|at) $", note.before(s, 40))]
    assert len(employed) >= 10
    assert any_match(r"(GmbH|S\.A\.|Sp\. z o\.o\.|Ltd|LLC|B\.V\.|s\.r\.o\.|Oy|AB|AS|ApS|Kft\.)", surfaces(notes, "ORGANIZATION"))


def test_dates_in_compact_partial_and_foreign_forms(devset):
    _folder, manifest, notes = devset
    dates = surfaces(notes, "DATE")
    for pattern in (r"^\d{1,2}-\d{1,2}-\d\d$",                          # 7-13-81
                    r"^(0[1-9]|1[0-2])/\d\d$",                           # 10/62
                    r"^[1-9]/\d\d$",                                     # 1/88
                    r"^\d{4}-\d\d-\d\d$",                                # 2067-05-03
                    r"^\d{1,2}(st|nd|rd|th) of [A-Z][a-z]+$",            # 3rd of May
                    r"^\d\d\.\d\d\.\d{4}$",                              # 13.07.1981
                    r"^(1er|\d{1,2}) (janvier|février|mars|avril|mai|juin|juillet|août|septembre|octobre|novembre|"
                    r"décembre) \d{4}$",                                 # 13 juillet 1981
                    r"^[A-Z][a-z]+ \d{1,2}, \d{4}$", r"^\d{8}$", r"^\d\d [A-Z]{3} \d{4}$"):
        assert any_match(pattern, dates), pattern
    spans = spans_of(notes, "DATE")
    assert any(re.fullmatch(r"\d{1,2}(st|nd|rd|th)", x) and n.before(s, 4) == "the " for n, _t, s, _e, x in spans)
    assert any(re.fullmatch(r"[A-Z][a-z]+ \d{4}", x) and n.before(s, 6) == "early " for n, _t, s, _e, x in spans)
    assert any(int(x[:4]) > 2050 for x in dates if re.fullmatch(r"\d{4}-\d\d-\d\d", x))


def test_ages_over_89_in_words_and_with_units(devset):
    _folder, _manifest, notes = devset
    ages = surfaces(notes, "AGE")
    for pattern in (r"^ninety(-[a-z]+)?-year-old$|^one hundred", r"^\d+ y/o$", r"^\d+ years$", r"^\d+-year-old$",
                    r"^\d+yo$", r"^\d+ yrs$", r"^\d+ years of age$"):
        assert any_match(pattern, ages), pattern
    aged = [x for n, _t, s, _e, x in spans_of(notes, "AGE") if n.before(s, 5) == "aged "]
    assert aged


def test_identifiers_contacts_and_addresses_online(devset):
    _folder, manifest, notes = devset
    id_tags = {t for t in tags(manifest) if t.startswith("id:")}
    assert {"id:mrn", "id:account", "id:plan", "id:licence", "id:device", "id:passport", "id:specimen",
            "id:national:en-gb", "id:national:en"} <= id_tags
    assert any(t.startswith("id:plate:") for t in id_tags)
    ids = spans_of(notes, "ID")
    assert any(n.before(s, 4).endswith(("MRN ", "MRN: ")) for n, _t, s, _e, _x in ids)          # labelled
    assert any(n.before(s, 3) == " | " for n, _t, s, _e, _x in ids)                             # bare, in a header
    assert any(re.fullmatch(r"\d{3} \d{3} \d{4}", x) and "NHS" in n.before(s, 10) for n, _t, s, _e, x in ids)
    assert any(re.fullmatch(r"\d{3}-\d\d-\d{4}", x) and "SSN" in n.before(s, 14) for n, _t, s, _e, x in ids)
    assert any_match(r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$", surfaces(notes, "EMAIL"))
    assert any_match(r"^https?://", surfaces(notes, "URL"))
    ips = surfaces(notes, "IP")
    assert any_match(r"^\d{1,3}(\.\d{1,3}){3}$", ips) and any(":" in ip for ip in ips)
    for kind in ENTITY_TYPES:
        assert surfaces(notes, kind), kind


# ---- independence from the training data --------------------------------------------------------------

FORBIDDEN = ("faker", "services.classifier.training", "services.redactor.samples", "presidio_evaluator")


def test_no_module_imports_faker_or_the_training_generators():
    for path in PACKAGE.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""] + [f"{node.module}.{a.name}" for a in node.names]
            elif isinstance(node, ast.Call) and (getattr(node.func, "id", None) or getattr(node.func, "attr", None)) in (
                    "__import__", "import_module"):
                names = [a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
            else:
                continue
            for name in names:
                assert not any(name == f or name.startswith(f + ".") for f in FORBIDDEN), f"{path}: imports {name}"
