"""Words that are medicine, not identifiers: clinical abbreviations and drug names.

A capitalised run made only of such words ("ZOCOR", "PO BID", "Lipitor", "CABG") is not a
candidate name: `candidates` asks `is_clinical_term` about each word of a run.

- Abbreviations: `clinical_terms.CLINICAL_ABBREVIATIONS` (a documented list; no maintained package
  ships one), matched in the exact case listed, so the name "Ed" never meets "ED".
- Drug names: the dictionary shipped by the `drug-named-entity-recognition` package (generic and
  brand names, with their synonyms, from public drug databases). Its data file is read directly:
  importing the package would also build its fuzzy-match index (seconds, and memory) and read a
  cache in the home folder, neither of which Veil needs. Only one-word variants are kept, casefolded; any of them
  that is also a given name or surname in Faker's name lists (every locale; Faker is already a
  Veil requirement) is dropped ("Allegra", "Camila"), because redacting a drug costs a reader
  little and leaving a name costs a patient a lot.

The drug set is built once per process, on first use (about 2 s: the file is bz2-compressed);
`preload()` lets a server pay that at start-up instead of on its first request. Lookups are one
set membership test.
"""

from __future__ import annotations

import bz2
import importlib
import importlib.util
import logging
import pathlib
import pickle
import pkgutil
import re
import threading

from services.gateway.pipeline.clinical_terms import CLINICAL_ABBREVIATIONS

log = logging.getLogger(__name__)

_DRUG_PACKAGE = "drug_named_entity_recognition"
_DRUG_FILE = "drug_ner_dictionary.pkl.bz2"
# A one-word variant: letters (any script) and inner hyphens, four characters at least ("ace",
# "ala" and other three-letter variants are too often something else).
_ONE_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")

_lock = threading.Lock()
_drugs: frozenset[str] | None = None


def _person_names() -> frozenset[str]:
    """Every given name and surname in Faker's person providers, all locales, casefolded."""
    names: set[str] = set()
    try:
        import faker.providers.person as person
    except ImportError:  # pragma: no cover - Faker is a base requirement
        return frozenset()
    for module in pkgutil.iter_modules(person.__path__):
        try:
            provider = importlib.import_module(f"{person.__name__}.{module.name}").Provider
        except (ImportError, AttributeError):  # pragma: no cover
            continue
        for attr in ("first_names", "first_names_male", "first_names_female", "first_names_nonbinary",
                     "last_names", "last_names_male", "last_names_female"):
            value = getattr(provider, attr, None)
            if isinstance(value, (list, tuple, set, frozenset, dict)):
                names.update(str(n).casefold() for n in value)
    return frozenset(names)


def _load_drugs() -> frozenset[str]:
    try:
        # The package's folder, found without importing it (its import builds the index Veil does not use).
        spec = importlib.util.find_spec(_DRUG_PACKAGE)
        if spec is None or not spec.submodule_search_locations:
            raise ImportError(f"{_DRUG_PACKAGE} is not installed")
        with bz2.open(pathlib.Path(list(spec.submodule_search_locations)[0]) / _DRUG_FILE, "rb") as f:
            variants = pickle.load(f)["drug_variant_to_canonical"]
    except (ImportError, FileNotFoundError, KeyError, OSError) as e:
        # Candidates then fall back to the abbreviations alone: more words go to the model, none is lost.
        log.warning("drug name dictionary unavailable (%s): drug names will be proposed as candidates", e)
        return frozenset()
    names = _person_names()
    return frozenset(v.casefold() for v in variants
                     if len(v) >= 4 and _ONE_WORD.fullmatch(v) and v.casefold() not in names)


def drug_names() -> frozenset[str]:
    """The casefolded one-word drug names (loaded on the first call, then shared)."""
    global _drugs
    if _drugs is None:
        with _lock:
            if _drugs is None:
                _drugs = _load_drugs()
    return _drugs


def preload() -> None:
    """Build the vocabularies now (a server's start-up) rather than on the first paragraph."""
    drug_names()


def is_abbreviation(word: str) -> bool:
    return word in CLINICAL_ABBREVIATIONS


def is_drug(word: str) -> bool:
    return word.casefold() in drug_names()


def is_clinical_term(word: str) -> bool:
    """`word` (one token) is a clinical abbreviation, in the case it is listed, or a drug name in any case."""
    return word in CLINICAL_ABBREVIATIONS or word.casefold() in drug_names()
