"""Candidate phrases of a paragraph: the short spans the phrase models are asked about.

Names, organisations and places have no shape a pattern can check, but in clinical text they
are capitalised runs ("Maria Gonzalez", "St. Mary's Hospital", "Lake Amy"), so those runs are
the candidates; numbers that no validated pattern claimed are candidates too, sent with the
words before them ("Med Rec # 0012345"), because the label is what makes them an ID. Spans a
pattern already matched are not asked about again. Each candidate keeps the span to redact
apart from the text sent to the models: "Dr. Smith" is classified, "Smith" is redacted.

Words are letters of any script ("Łukasz Wróbel", "Παπαδόπουλος"; a word of a script without case,
"王秀英", counts as capitalised). Medical shorthand in capitals and drug names are not names: a run
made only of them ("PO BID", "CABG", "ZOCOR") is not proposed, and one at a run's edge is left out
of it ("Continue ZOCOR"); `vocabulary` holds both lists.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Sequence

from services.gateway.pipeline.charclasses import LETTERS, MARKS
from services.gateway.pipeline.patterns import Match
from services.gateway.pipeline.vocabulary import is_clinical_term

MAX_RUN_TOKENS = 6

# A word is letters of any script ("Brkić", "Łukasz", "Παπαδόπουλος", "Кузнецова"), with the
# apostrophes, hyphens and combining marks inside names ("O'Brien", "Smith-Jones", a decomposed "é"),
# a hyphen or apostrophe only between letters ("Reply-----" is the word "Reply" and a rule):
# `charclasses` spells the letters out, which `re` tests faster than `[^\W\d_]`.
_TOKEN = re.compile(rf"[{LETTERS}](?:[{LETTERS}{MARKS}]|['’\-](?=[{LETTERS}]))*|\d[\w/\-.:#]*\w|\d|#\d[\w\-]*|&|\S")
_TITLES = {"Mr", "Mrs", "Ms", "Miss", "Mx", "Dr", "Prof", "Sr", "Fr", "Rev",
           "Mme", "Mlle", "Herr", "Frau", "Dra", "Sra", "Srta", "Dott", "Dottssa"}
# Lower-case words that may join the capitalised words of one name: "University of Chicago",
# "Maria de la Cruz", "Ludwig van Beethoven", "João dos Santos". Compared casefolded.
_CONNECTORS = {"of", "de", "la", "del", "van", "von", "der", "den", "da", "di", "du", "le", "y", "&", "e",
               "dos", "das", "do", "della", "zu", "ter", "ten", "bin", "ibn"}
# Words that start or end a capitalised run without being part of the name in it: sentence
# starts ("The patient", "Seen by") and the labels around names in clinical notes ("DOB",
# "Acct"). Compared casefolded.
_EDGE_WORDS = frozenset("""
a about above after again against all also am an and any are as at be because been before being below between
both but by can could did do does doing down during each either even ever every few for from further had has
have having he her here hers herself him himself his how however i if in into is it its itself just least less
let many may me might more most much must my myself neither no nor not now of off on once only or other our
ours ourselves out over own per perhaps please same she should since so some still such than that the their
theirs them themselves then there these they this those though through thus to too under until up upon us very
was we were what when where whether which while who whom whose why will with within without would yet you your
yours yourself today yesterday tomorrow patient pt seen saw dear attending resident signed electronically
dictated reviewed referred referring admitted discharged transferred name contact daughter son wife husband
mother father sister brother spouse guardian primary care physician provider nurse plan note notes called spoke
discussed informed family visit follow acct account dob mrn ssn id page printed phone tel fax email address date
birth referral re regarding from cc attn
""".split())
# Numbers with four digits in a row may be IDs; "120/80" and "2.5" are measurements.
_DIGIT_RUN = re.compile(r"\d{4}")


@dataclass(frozen=True)
class Candidate:
    start: int  # the span to redact, in the paragraph's text
    end: int
    text: str   # what the models classify (the span, with a title or label word before it)


class _Tokens:
    """A paragraph's tokens as three parallel lists: `text[i]` spans `start[i]:end[i]`.

    Lists, not an object per token: a clinical corpus has hundreds of thousands of tokens, and
    building a named tuple for each cost more than finding them.
    """

    __slots__ = ("start", "end", "text")

    def __init__(self, paragraph: str):
        found = [(m.start(), m.end(), m.group(0)) for m in _TOKEN.finditer(paragraph)]
        self.start: list[int] = [t[0] for t in found]
        self.end: list[int] = [t[1] for t in found]
        self.text: list[str] = [t[2] for t in found]

    def __len__(self) -> int:
        return len(self.text)


def _capitalised(word: str) -> bool:
    """A word that may be part of a name: capitalised ("Łukasz", "Παπαδόπουλος"), or in a script
    without case ("王秀英", "محمد"), where capitals cannot tell a name and a name in such a script in
    a note written in a cased one is a name more often than not."""
    first = word[0]
    return first.isupper() or (first.isalpha() and not first.islower())


def _is_initial(toks: _Tokens, i: int) -> bool:
    """'M.' in 'M. Gonzalez': one capital letter directly followed by a period."""
    word = toks.text[i]
    return (len(word) == 1 and word.isupper() and i + 1 < len(toks)
            and toks.text[i + 1] == "." and toks.start[i + 1] == toks.end[i])


def _joins_a_name(toks: _Tokens, i: int) -> bool:
    """A connector inside a name: more connectors, then a capitalised word ("de la Cruz")."""
    j = i + 1
    while j < len(toks) and toks.text[j].casefold() in _CONNECTORS:
        j += 1
    return j < len(toks) and _capitalised(toks.text[j]) and j - i <= 3


def _normalise(text: str) -> str:
    return " ".join(text.split())


def _taken_mask(text: str, taken: Sequence[Match]) -> bytes:
    """1 for every character a pattern matched: a token's overlap test is then one C-level find."""
    mask = bytearray(len(text))
    for m in taken:
        mask[m.start:m.end] = b"\x01" * (m.end - m.start)
    return bytes(mask)


def _overlaps(start: int, end: int, mask: bytes) -> bool:
    return mask.find(1, start, end) != -1


def _name_runs(text: str, toks: _Tokens, taken: bytes) -> list[Candidate]:
    found: list[Candidate] = []
    run: list[int] = []  # token indices of the current run (periods of initials included)
    title: int | None = None   # index of the title token before the run ("Dr")
    words_of, starts, ends = toks.text, toks.start, toks.end

    def outer(i: int, after_shorthand: bool) -> bool:
        """Whether word `i`, at a run's edge, is left out of it: a sentence or label word, a connector, or
        medical shorthand ("Continue ZOCOR", "History of CABG", "Continue PO BID PRN"). A two-letter
        abbreviation goes only next to other shorthand: "PA JONES" may be Pa Jones."""
        word = words_of[i]
        folded = word.casefold()
        if folded in _EDGE_WORDS or folded in _CONNECTORS:
            return True
        return (len(word) > 2 or after_shorthand) and is_clinical_term(word)

    def close() -> None:
        nonlocal run, title
        if not run:
            title = None
            return
        words = [i for i in run if words_of[i] != "."]
        for pop in (0, -1):
            shorthand = False
            while words and outer(words[pop], shorthand):
                shorthand = is_clinical_term(words_of[words.pop(pop)])
        for chunk_start in range(0, len(words), MAX_RUN_TOKENS):
            chunk = words[chunk_start:chunk_start + MAX_RUN_TOKENS]
            first, last = chunk[0], chunk[-1]
            end = ends[last]
            if words_of[last].endswith(("'s", "’s")):
                end -= 2  # "Gonzalez's": the possessive is not part of the name
            if len(chunk) == 1 and _is_initial(toks, first):
                continue
            if all(is_clinical_term(words_of[i]) for i in chunk if words_of[i].casefold() not in _CONNECTORS):
                continue  # "PO BID", "HTN", "ZOCOR": medical shorthand and drugs are not names
            if len(chunk) > 1 or len(words_of[first]) > 1:
                # An initial's period belongs to the span: "Maria G." is redacted whole.
                if last + 1 < len(toks) and _is_initial(toks, last):
                    end = ends[last + 1]
                span = text[starts[first]:end]
                shown = f"{words_of[title]}. {span}" if title is not None and chunk_start == 0 else span
                found.append(Candidate(starts[first], end, _normalise(shown)))
        run, title = [], None

    i = 0
    while i < len(toks):
        word = words_of[i]
        first = word[0]
        if not run and title is None and not first.isupper() and (first.islower() or not first.isalpha()):
            # Most tokens: a word that cannot start a name while none is open (every branch below
            # would only close the empty run).
            i += 1
            continue
        if _overlaps(starts[i], ends[i], taken):
            close()
        elif word in _TITLES and i + 1 < len(toks):
            # "Dr." / "Dr": remembered for the model's text, never redacted; it starts a new run.
            close()
            title = i
            if words_of[i + 1] == "." and starts[i + 1] == ends[i]:
                i += 1
        elif _is_initial(toks, i):
            run.extend((i, i + 1))
            i += 1
        elif _capitalised(word) and (len(word) > 1 or word.isalpha()):
            run.append(i)
        elif run and word.casefold() in _CONNECTORS and _joins_a_name(toks, i):
            run.append(i)
        elif run and word == "." and words_of[run[-1]] in {"St", "Mt", "Ft"} and starts[i] == ends[run[-1]]:
            run.append(i)  # "St. Mary's Hospital": the abbreviation's period does not end the name
        else:
            close()
        i += 1
    close()
    return found


def _numbers(text: str, toks: _Tokens, taken: bytes) -> list[Candidate]:
    found: list[Candidate] = []
    words, starts, ends = toks.text, toks.start, toks.end
    for i, word in enumerate(words):
        # Only number tokens ("0012345", "#12345") can hold a run of digits: a look at the first
        # character spares a pattern call for every word.
        if not (word[0].isdigit() or word[0] == "#") or not _DIGIT_RUN.search(word) \
                or _overlaps(starts[i], ends[i], taken):
            continue
        # The label words before a number are what make it an ID: send up to three of them.
        j = i
        while j > 0 and i - j < 3 and words[j - 1] not in {",", ";", ")", "("} and \
                not any(c.isdigit() for c in words[j - 1]) and starts[j] - ends[j - 1] < 4:
            j -= 1
        found.append(Candidate(starts[i], ends[i], _normalise(text[starts[j]:ends[i]])))
    return found


_COMMA_GAP = re.compile(r",\s{1,3}")


def _join_reversed_names(text: str, names: list[Candidate]) -> list[Candidate]:
    """ "STAFFORD, CYNTHIA" / "Gonzalez, Maria": two one-word runs around a comma are one name to classify."""
    joined: list[Candidate] = []
    i = 0
    while i < len(names):
        a = names[i]
        b = names[i + 1] if i + 1 < len(names) else None
        if (b is not None and _COMMA_GAP.fullmatch(text[a.end:b.start]) and " " not in a.text and " " not in b.text
                and a.text == text[a.start:a.end]):
            joined.append(Candidate(a.start, b.end, _normalise(text[a.start:b.end])))
            i += 2
            continue
        joined.append(a)
        i += 1
    return joined


def extract(text: str, taken: Sequence[Match] = ()) -> list[Candidate]:
    """The candidate phrases of one paragraph, in text order, skipping spans in `taken` (pattern matches)."""
    toks = _Tokens(text)
    mask = _taken_mask(text, taken)
    found = _join_reversed_names(text, _name_runs(text, toks, mask)) + _numbers(text, toks, mask)
    return sorted(found, key=lambda c: c.start)
