"""Writes the honest development set: notes from mimesis values and templates of their own, with BRAT gold.

Veil's training data and its built-in evaluation come from one generator (Faker values, one
family of templates), so scores on them measure recall of that generator. This set shares no
code, template or name list with it: values come from mimesis in 35 locales, the ten note
styles and their sentences were written for this set alone.

Output, per note NAME (``007_lab_report``): ``NAME.txt`` (UTF-8, ``\\n`` line ends) and
``NAME.ann`` (BRAT standoff: ``T1<TAB>TYPE START END<TAB>surface``, offsets in characters of
the text). ``manifest.json`` lists each note's style, locales, coverage tags and hard negatives;
``README.md`` says how the set was made.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from importlib import metadata
from pathlib import Path
from typing import Iterable, Sequence

from tools.devset.countries import COUNTRIES, DEFAULT_LOCALES, ENGLISH_LOCALES
from tools.devset.doc import Doc
from tools.devset.negatives import SCENARIOS
from tools.devset.styles import STYLES, Case
from tools.devset.values import Source
from veil.contracts import ENTITY_TYPES

GENERATOR_VERSION = "1.0"
DEFAULT_SEED = 20261207
DEFAULT_NOTES = 60
MANIFEST = "manifest.json"

def _case(src: Source, style: str, code: str, locales: Sequence[str]) -> Case:
    english = [loc for loc in locales if loc in ENGLISH_LOCALES] or list(locales)
    if style == "transfer_note" or not src.draw("same_care", (True, False)):
        others = [loc for loc in english if loc != code] or [loc for loc in locales if loc != code] or [code]
        care = src.draw(f"care_locale:{code}", others)
    else:
        care = code
    old = src.draw("old", (True, False, False))
    target = src.rng.randint(90, 104) if old else src.rng.randint(19, 89)
    if src.draw("era", ("now",) * 5 + ("shifted",)) == "now":
        visit = src.day(dt.date(2014, 1, 1), dt.date(2026, 6, 30))
    else:  # date-shifted records, as de-identified corpora have them
        visit = src.day(dt.date(2060, 1, 1), dt.date(2095, 12, 31))
    dob = visit - dt.timedelta(days=int(target * 365.25) + src.rng.randint(1, 360))
    return Case(src, code, care, src.human(code), dob, visit, src.draw("scenario", SCENARIOS))


def brat(doc: Doc) -> str:
    lines = []
    for i, span in enumerate(sorted(doc.spans, key=lambda s: (s.start, s.end)), 1):
        lines.append(f"T{i}\t{span.type} {span.start} {span.end}\t{span.text}\n")
    return "".join(lines)


def read_brat(path: Path) -> list[tuple[str, int, int, str]]:
    """(type, start, end, surface) of each text-bound annotation of a .ann file."""
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("T"):
            continue
        _tid, middle, surface = line.split("\t")
        kind, start, end = middle.split(" ")
        out.append((kind, int(start), int(end), surface))
    return out


def generate(out_dir, n_notes: int = DEFAULT_NOTES, seed: int = DEFAULT_SEED,
             locales: Iterable[str] | None = None) -> list[Path]:
    """Write `n_notes` notes with gold into `out_dir` and return the paths of the ``.txt`` files.

    Deterministic: the same seed, count and locales give byte-identical files. Files a previous
    run listed in `out_dir`'s manifest are removed first, so a smaller set leaves no stale notes.
    """
    locales = list(DEFAULT_LOCALES if locales is None else locales)
    unknown = [loc for loc in locales if loc not in COUNTRIES]
    if not locales or unknown:
        raise ValueError(f"unsupported locales {unknown}; choose from {', '.join(COUNTRIES)}")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    _remove_previous(out)

    src = Source(seed)
    order = list(locales)
    src.rng.shuffle(order)  # patient locales: every one once before any repeats
    written, records = [], []
    for i in range(n_notes):
        style = src.draw("style", list(STYLES))
        code = src.draw("patient_locale", order)
        case = _case(src, style, code, locales)
        doc = STYLES[style](case)
        doc.check()
        name = f"{i:03d}_{style}"
        text = doc.text
        for span in doc.spans:
            assert text[span.start:span.end] == span.text, (name, span)
        (out / f"{name}.txt").write_text(text, encoding="utf-8", newline="\n")
        (out / f"{name}.ann").write_text(brat(doc), encoding="utf-8", newline="\n")
        written.append(out / f"{name}.txt")
        records.append({
            "name": name, "style": style, "patient_locale": case.code, "care_locale": case.care,
            "locales": sorted({s.tag.split(":")[-1].split("|")[0] for s in doc.spans if s.tag.startswith("person:")}
                              | {case.code, case.care}),
            "tags": sorted({s.tag for s in doc.spans}),
            "negatives": [[n.start, n.end, n.kind] for n in doc.negatives],
        })
    manifest = {"generator": "tools.devset", "version": GENERATOR_VERSION, "mimesis": _mimesis_version(),
                "seed": seed, "n_notes": n_notes, "locales": locales, "notes": records}
    (out / MANIFEST).write_text(_compact_json(manifest), encoding="utf-8", newline="\n")
    (out / "README.md").write_text(readme(out, manifest), encoding="utf-8", newline="\n")
    return written


def _remove_previous(out: Path) -> None:
    path = out / MANIFEST
    if not path.exists():
        return
    try:
        names = [note["name"] for note in json.loads(path.read_text(encoding="utf-8")).get("notes", [])]
    except (ValueError, AttributeError, KeyError, TypeError):
        return
    for name in names:
        for suffix in (".txt", ".ann"):
            (out / f"{name}{suffix}").unlink(missing_ok=True)


def _mimesis_version() -> str:
    return metadata.version("mimesis")


def _compact_json(manifest: dict) -> str:
    """One note per line: small, and diffs of a regenerated set stay readable."""
    head = {k: v for k, v in manifest.items() if k != "notes"}
    body = ",\n".join("  " + json.dumps(note, ensure_ascii=False, separators=(",", ":")) for note in manifest["notes"])
    return json.dumps(head, ensure_ascii=False)[:-1] + ', "notes": [\n' + body + "\n]}\n"


def stats(out: Path) -> dict:
    """Counts of a written set: notes per style, annotations per type, locales."""
    manifest = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    types: Counter = Counter()
    for note in manifest["notes"]:
        types.update(kind for kind, *_rest in read_brat(out / f"{note['name']}.ann"))
    return {
        "styles": Counter(n["style"] for n in manifest["notes"]),
        "types": Counter({t: types.get(t, 0) for t in ENTITY_TYPES}),
        "patient_locales": Counter(n["patient_locale"] for n in manifest["notes"]),
        "locales": sorted({loc for n in manifest["notes"] for loc in n["locales"]}),
        "negatives": Counter(kind for n in manifest["notes"] for _s, _e, kind in n["negatives"]),
        "chars": sum((out / f"{n['name']}.txt").stat().st_size for n in manifest["notes"]),
    }


def readme(out: Path, manifest: dict) -> str:
    s = stats(out)
    seed, n = manifest["seed"], manifest["n_notes"]
    cmd = "python -m tools.devset --out DIR" + ("" if n == DEFAULT_NOTES else f" --n {n}") + \
        ("" if seed == DEFAULT_SEED else f" --seed {seed}")
    if manifest["locales"] != list(DEFAULT_LOCALES):
        cmd += " --locales " + ",".join(manifest["locales"])
    table = lambda counter: "\n".join(f"| {k} | {v} |" for k, v in sorted(counter.items()))  # noqa: E731
    return f"""# Veil development set (independent generator)

{n} synthetic clinical notes with gold PHI spans, for measuring Veil on documents that share **no
code, templates or name lists** with its training data (which is generated with Faker by
`services/classifier/training/phi_data.py` and `services/redactor/samples.py`).

* Generator: `tools.devset` version {manifest['version']}; fake values from mimesis {manifest['mimesis']}
  (no Faker); templates written for this set alone.
* Seed: {seed}. Reproduce byte for byte with `{cmd}` and the pinned mimesis version.
* Locales ({len(manifest['locales'])}): {', '.join(manifest['locales'])}.
* Files: `NAME.txt` (UTF-8) and `NAME.ann` (BRAT standoff, `T1<TAB>TYPE START END<TAB>text`,
  character offsets); `manifest.json` gives each note's style, locales, coverage tags and the
  hard negatives placed in it (`[start, end, kind]`).

## Annotation conventions

Types are Veil's: {', '.join(ENTITY_TYPES)}.
* PERSON: the name as written ("KOWALSKA, Anna", "J.M. Berry"); courtesy titles and degrees
  ("Dr.", "Herr", "Mme.", ", MD") stay outside the span.
* DATE: any date more precise than a year ("7-13-81", "10/62", "3rd of May", "13 juillet 1981");
  in "early March 2019" only "March 2019", in "the 3rd" only "3rd". Years alone are not PHI.
* AGE: only ages over 89, the number with its unit ("92 y/o", "ninety-three-year-old",
  "94 years" in "aged 94 years"). Ages of 89 or less are not labelled.
* LOCATION: each part of an address separately (street line, unit designator such as "Apt 4B",
  "Flat 2", "Room 210", "Bed 3", postal code, city); rooms, beds, bays and buildings too. States,
  provinces, prefectures and countries are never labelled.
* ID: the value without its label ("MRN", "NHS No.", "car reg").
* PHONE: the number with its extension ("(555) 123-4567 ext. 214"); fax numbers are PHONE.
* ORGANIZATION: hospitals, practices, pharmacies, schools and employers.

Hard negatives left unlabelled on purpose: clinical abbreviations and capitalised drug names
(PO, BID, CABG, RBBB, ZOCOR, LASIX ...), eponyms (Parkinson's disease, Babinski sign, Glasgow
Coma Scale ...), capitalised headings, lab values, doses, vital signs, scores ("12/15"), years,
ages of 89 or less, states and countries.

## Contents

| style | notes |
|---|---|
{table(s['styles'])}

| type | gold spans |
|---|---|
{table(s['types'])}

| hard negative kind | placed |
|---|---|
{table(s['negatives'])}

Never tune on this set: it exists to measure. Do not mix it into training data.
"""
