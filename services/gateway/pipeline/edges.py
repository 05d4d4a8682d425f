"""The words at the edges of a found span that name no one: titles, credentials, labels and cues.

The tagger and the phrase models draw span boundaries from context, and the context of an
identifier is its label: "DR ADAMS", "tel +44 20 7946 0958", "NHS No. 485 777 3456", "NOK
Başoğlu", "for Shelton Plumbing LLC". Safe Harbor asks for the identifier, not its label, and a
label blacked out costs the reader the one word that said what was removed (and counts as a
false positive in any evaluation by output). So leading and trailing words of this kind are
trimmed off every span, and a span made only of them is dropped: such a word can never be an
identifier on its own.

The words are those that label or introduce identifiers in clinical documents of many
countries; they are compared casefolded, without the punctuation around them ("Dr.", "Tel:",
"(home)"). National ID names (PESEL, AMKA, BSN...) are the schemes' official short names.
"""

from __future__ import annotations

import re

_WORD = re.compile(r"\S+")
_EDGE_PUNCT = ".:;,()[]{}#'\"’-–—/"

TITLES = ("mr", "mrs", "ms", "miss", "mx", "dr", "dra", "drs", "prof", "sr", "sra", "srta", "fr", "rev", "mme", "mlle",
          "herr", "frau", "dott", "dottssa", "dhr", "mevr", "pani", "sir", "dame", "nurse", "sister",
          "г-н", "г-жа", "д-р", "κ", "κος", "κα")
CREDENTIALS = ("md", "rn", "np", "pa", "pa-c", "phd", "mbbs", "mbchb", "frcp", "frcs", "mrcp", "mrcgp", "facp",
               "facs", "facc", "dnp", "aprn", "lpn", "cna", "pharmd", "rph", "dds", "dmd", "ot", "pt", "slp", "lcsw",
               "msw", "mph", "bsn", "msn", "crna", "dpm", "od", "mba")
CONTACT_CUES = ("tel", "tél", "telephone", "téléphone", "telefon", "telefono", "teléfono", "phone", "ph", "fax",
                "cell", "mobile", "mob", "mobil", "móvil", "handy", "home", "work", "office", "pager", "bleep", "ext",
                "email", "e-mail", "mail", "web", "url", "website", "address", "addr", "contact", "call",
                "nok", "kin", "switchboard")
ID_LABELS = ("mrn", "ssn", "id", "no", "nr", "num", "number", "acct", "account", "policy", "member", "claim",
             "nhs", "pesel", "amka", "bsn", "dni", "nie", "nif", "cpf", "rg", "curp", "rfc", "snils", "inn",
             "oib", "jmbg", "egn", "cnp", "taj", "svnr", "ahv", "cpr", "kennitala", "personnummer", "fødselsnummer",
             "henkilötunnus", "hetu", "nir", "insee", "pps", "ppsn", "medicare", "aadhaar", "tc", "kimlik",
             "rodné", "číslo", "rč", "emšo", "emso", "bsn:", "passport", "pass", "licence", "license", "dea", "npi",
             "mbi", "hicn", "ihi", "nhi", "sin", "ohip", "ramq", "phn", "carecard", "versichertennummer", "kvnr")
CONNECTORS = ("for", "at", "on", "in", "to", "from", "by", "with", "and", "or", "the", "via", "c/o", "per",
              "born", "aged", "age", "dob", "date", "seen", "signed", "dated", "name", "patient", "pt", "re")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
            "mon", "tue", "tues", "wed", "thu", "thur", "thurs", "fri", "sat")

NOT_IDENTIFIERS = frozenset(TITLES + CREDENTIALS + CONTACT_CUES + ID_LABELS + CONNECTORS + WEEKDAYS)


def _bare(word: str) -> str:
    return word.strip(_EDGE_PUNCT).casefold()


def is_label(word: str) -> bool:
    """`word` (one whitespace-separated token) only labels or introduces an identifier."""
    bare = _bare(word)
    return not bare or bare in NOT_IDENTIFIERS


def trim(text: str, start: int, end: int, trailing: bool = True) -> tuple[int, int] | None:
    """[start, end) of `text` without label words at either edge (only at the start unless `trailing`:
    "98 years of age" ends in words of the age); None when nothing else is left."""
    words = [(start + m.start(), start + m.end()) for m in _WORD.finditer(text[start:end])]
    first, last = 0, len(words)
    while first < last and is_label(text[words[first][0]:words[first][1]]):
        first += 1
    while trailing and last > first and is_label(text[words[last - 1][0]:words[last - 1][1]]):
        last -= 1
    if first == last:
        return None
    new_start, new_end = words[first][0], words[last - 1][1]
    # Punctuation left at the new edges ("Tel: +44 ..." -> "+44 ...", "(home" -> "") is no part of it.
    while new_start < new_end and text[new_start] in ",;:(" and first > 0:
        new_start += 1
    while new_end > new_start and text[new_end - 1] in ",;:(" and last < len(words):
        new_end -= 1
    return (new_start, new_end) if new_start < new_end else None

