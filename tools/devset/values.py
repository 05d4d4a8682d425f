"""Fake values for the dev set, drawn from mimesis (never from Faker, whose lists the training data uses).

`Source` owns every random choice of a generation run: one `random.Random` for structure and
one seeded mimesis provider set per locale for values, so a seed gives the same notes on any
machine. Format variants are dealt from `Deck`s (every variant once before any repeats, the
first pass in listed order), which is how a 60-note set is guaranteed to show each format.
"""

from __future__ import annotations

import datetime as dt
import random
import re
import unicodedata
from dataclasses import dataclass

from mimesis import Address, Finance, Internet, Person
from mimesis.enums import Gender, TitleType
from mimesis.locales import Locale

from tools.devset.countries import COUNTRIES, ENGLISH_LOCALES, FACILITY_UNITS, LONG_DATE, MONTHS, Country
from tools.devset.doc import Ent, Neg
from tools.devset.negatives import ABBREVIATIONS, DRUGS_CAPS
from veil.contracts import AGE, DATE, EMAIL, ID, IP, LOCATION, ORGANIZATION, PERSON, PHONE, URL

MONTHS_EN = ("January February March April May June July August September October November "
             "December").split()
TLD = {"en": "org", "en-gb": "nhs.uk", "en-au": "org.au", "en-ca": "ca", "de": "de", "de-at": "at", "de-ch": "ch",
       "fr": "fr", "nl": "nl", "nl-be": "be", "es": "es", "es-mx": "mx", "pt": "pt", "pt-br": "com.br", "it": "it",
       "pl": "pl", "cs": "cz", "sk": "sk", "hr": "hr", "is": "is", "el": "gr", "ru": "ru", "uk": "ua", "tr": "com.tr",
       "sv": "se", "da": "dk", "no": "no", "fi": "fi", "hu": "hu", "et": "ee", "ja": "jp", "zh": "cn", "ko": "kr",
       "ar-eg": "eg", "fa": "ir"}
_GB_STREETS = ("Road", "Street", "Lane", "Close", "Gardens", "Crescent", "Terrace")
_AU_STREETS = ("Street", "Road", "Parade", "Crescent", "Avenue")
_FR_ARTICLES = {"Des": "des", "De": "de", "Du": "du", "La": "la", "Le": "le", "Les": "les", "L": "l'", "D": "d'"}


_HARD_TOKENS = re.compile(r"(?<![A-Za-z.])(" + "|".join(re.escape(t) for t in ABBREVIATIONS + DRUGS_CAPS) + r")(?![A-Za-z])")


class Deck:
    """Deals `items` without replacement: the first round in listed order, later rounds shuffled."""

    def __init__(self, rng: random.Random, items):
        self.rng, self.items, self.pool, self.rounds = rng, list(items), [], 0

    def draw(self):
        if not self.pool:
            self.pool = list(self.items)
            if self.rounds:
                self.rng.shuffle(self.pool)
            self.pool.reverse()
            self.rounds += 1
        return self.pool.pop()


@dataclass(frozen=True)
class Human:
    code: str
    first: str
    last: str
    female: bool
    second: str             # a second given name: the source of a middle initial
    patronymic: str | None  # ru, uk
    title: str | None       # a courtesy title as the locale writes it ("Herr", "Mme.", "Pani")

    @property
    def country(self) -> Country:
        return COUNTRIES[self.code]


@dataclass(frozen=True)
class Addr:
    layout: str
    street: Ent
    unit: Ent | None
    postal: Ent
    city: Ent
    region: Neg | None
    country: Neg
    extra: object = None  # pieces written before the city on eastern layouts (a prefecture, province)

    def inline(self, with_country: bool = False) -> tuple:
        s, u, p, c, r = self.street, self.unit, self.postal, self.city, self.region
        cty = (", ", self.country) if with_country else ()
        if self.layout in ("us", "ca"):
            return (s, (", ", u) if u else (), ", ", c, ", ", r, " ", p, *cty)
        if self.layout in ("gb", "au"):
            tail = (" ", r) if r else ()
            return ((u, ", ") if u else (), s, ", ", c, *tail, " ", p, *cty)
        if self.layout in ("ru", "ua"):
            return (s, (", ", u) if u else (), ", ", "г. " if self.layout == "ru" else "м. ", c, ", ", p, *cty)
        if self.layout == "hu":
            return (p, " ", c, ", ", s, (" ", u) if u else (), *cty)
        if self.layout == "ja":
            return ("〒", p, " ", self.extra, s, (" ", u) if u else (), *cty)
        if self.layout == "zh":
            return (self.extra, c, s, (" ", u) if u else (), " ", p, *cty)
        if self.layout == "ko":
            return (self.extra, " ", c, " ", s, (" ", u) if u else (), " (", p, ")", *cty)
        return (s, (", ", u) if u else (), ", ", p, " ", c, *cty)

    def lines(self, with_country: bool = False) -> list[tuple]:
        """The address as a letterhead writes it, one tuple of pieces per line."""
        s, u, p, c, r = self.street, self.unit, self.postal, self.city, self.region
        if self.layout in ("us", "ca"):
            out = [(s, (", ", u) if u else ()), (c, ", ", r, " ", p)]
        elif self.layout in ("gb", "au"):
            out = [((u, ", ") if u else (), s), (c, (" ", r) if r else ()), (p,)] if self.layout == "gb" else \
                  [((u, ", ") if u else (), s), (c, " ", r, " ", p)]
        elif self.layout in ("ja", "zh", "ko", "hu", "ru", "ua"):
            out = [self.inline()]
        else:
            out = [(s, (", ", u) if u else ()), (p, " ", c)]
        if with_country:
            out.append((self.country,))
        return out


def ascii_fold(text: str) -> str:
    text = text.replace("ß", "ss").replace("ø", "o").replace("Ø", "O").replace("æ", "ae").replace("ð", "d") \
        .replace("þ", "th").replace("ł", "l").replace("Ł", "L").replace("đ", "d").replace("Đ", "D").replace("ı", "i")
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", ascii_fold(text).lower()).strip("-")


def ordinal(n: int) -> str:
    return f"{n}{'th' if 10 <= n % 100 <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th')}"


_ONES = "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen " \
        "seventeen eighteen nineteen".split()
_TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()


def number_words(n: int) -> str:
    if n < 20:
        return _ONES[n]
    if n < 100:
        return _TENS[n // 10] + ("" if n % 10 == 0 else "-" + _ONES[n % 10])
    rest = n % 100
    return "one hundred" + ("" if rest == 0 else " and " + number_words(rest))


# Age phrases: (form, template). "{a}" is the age expression that is labelled AGE when over 89;
# the words around it stay outside the span.
# Adjective forms stand before a noun ("a ninety-three-year-old woman", "92 y/o F"); apposition
# forms stand after a name ("Anna Nowak, aged 94 years,").
ADJ_AGE_FORMS = (
    ("words_hyphen", "a {a}"),          # a ninety-three-year-old
    ("y_o", "{a}"),                     # 92 y/o
    ("num_hyphen", "a {a}"),            # a 94-year-old
    ("yo_tight", "{a}"),                # 96yo
)
APPOS_AGE_FORMS = (
    ("aged_years", "aged {a}"),         # aged 94 years
    ("paren_yrs", "({a})"),             # (91 yrs)
    ("years_of_age", "{a}"),            # 101 years of age
    ("age_colon", "Age: {a}"),          # Age: 97
)
AGE_FORMS = ADJ_AGE_FORMS + APPOS_AGE_FORMS


def age_expression(n: int, form: str) -> str:
    return {
        "words_hyphen": f"{number_words(n)}-year-old", "y_o": f"{n} y/o", "aged_years": f"{n} years",
        "num_hyphen": f"{n}-year-old", "yo_tight": f"{n}yo", "paren_yrs": f"{n} yrs",
        "years_of_age": f"{n} years of age", "age_colon": str(n),
    }[form]


FULL_DATE_FORMS = ("mdy_dash_yy", "iso", "dmy_dot", "local_long", "mdy_slash", "long_us", "dmy_slash",
                   "abbr_dash", "mdy_slash_yy", "long_dmy", "compact", "dmy_caps")
PARTIAL_DATE_FORMS = ("my_slash", "m_yy", "ordinal_of", "the_ordinal", "early_month_year", "month_ordinal",
                      "md_slash", "month_year")


class Source:
    """Every random choice of one generation run."""

    def __init__(self, seed: int):
        self.seed = seed
        self.rng = random.Random(seed)
        self._decks: dict[str, Deck] = {}
        self._providers: dict[str, tuple[Person, Address, Finance]] = {}
        self.internet = Internet(seed=seed * 7 + 1)
        self.english = Person(Locale.EN, seed=seed * 7 + 2)  # occupations, written in English

    # ---- plumbing -------------------------------------------------------------------------------

    def draw(self, key: str, items):
        """The next of `items` from the deck `key`; a deck deals choices, so its items never change."""
        items = list(items)
        deck = self._decks.get(key)
        if deck is None:
            deck = self._decks[key] = Deck(self.rng, items)
        elif deck.items != items:
            raise ValueError(f"deck {key!r} was made with other items")
        return deck.draw()

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def pick(self, items):
        return self.rng.choice(items)

    def m(self, code: str) -> tuple[Person, Address, Finance]:
        if code not in self._providers:
            index = sorted(COUNTRIES).index(code)  # independent of the order providers are first needed
            seed = self.seed * 1000 + index * 10
            loc = Locale(code)
            self._providers[code] = (Person(loc, seed=seed), Address(loc, seed=seed + 1),
                                     Finance(loc, seed=seed + 2))
        return self._providers[code]

    def mask(self, code: str, mask: str) -> str:
        """`mask` filled in; never with letters that spell a clinical abbreviation ("PO-324202")."""
        for _ in range(50):
            value = self.m(code)[0].identifier(mask=re.sub("%", lambda _m: str(self.rng.randint(1, 9)), mask))
            if not _HARD_TOKENS.search(value):
                break
        return value

    # ---- people -----------------------------------------------------------------------------------

    def human(self, code: str, female: bool | None = None) -> Human:
        person = self.m(code)[0]
        female = self.chance(0.55) if female is None else female
        gender = Gender.FEMALE if female else Gender.MALE
        first, last = person.first_name(gender), person.last_name(gender)
        second = person.first_name(gender)
        patronymic = person.patronymic(gender) if code in ("ru", "uk") else None
        source = COUNTRIES[code].title_source
        title = person.title(gender, TitleType.TYPICAL) if source else None
        return Human(code, first, last, female, second, patronymic, title)

    def name(self, h: Human, form: str | None = None, *, key: str = "name_form") -> tuple:
        """`h` written in one of the forms notes use; only the name itself is the PERSON span."""
        forms = ("full", "last_first", "first_mi_last", "title_last", "caps_last", "initials", "full", "last")
        form = form or self.draw(key, forms)
        first, last = h.first, h.last
        cjk = h.code in ("ja", "zh", "ko")
        tag = f"person:{h.code}"
        if cjk and form not in ("title_last", "last"):
            return (Ent(PERSON, f"{last}{first}", f"{tag}|native"),)
        if form == "full":
            if h.patronymic and self.draw(f"patronymic:{h.code}", (True, False)):
                return (Ent(PERSON, f"{first} {h.patronymic} {last}", f"{tag}|patronymic"),)
            if h.country.order == "eastern":
                return (Ent(PERSON, f"{last} {first}", f"{tag}|native"),)
            return (Ent(PERSON, f"{first} {last}", f"{tag}|full"),)
        if form == "last_first":
            return (Ent(PERSON, f"{last}, {first}", f"{tag}|last_first"),)
        if form == "first_mi_last":
            return (Ent(PERSON, f"{first} {h.second[0]}. {last}", f"{tag}|first_mi_last"),)
        if form == "title_last":
            if h.title and self.draw(f"local_title:{h.code}", (True, False)):
                title, kind = h.title, "local_title"
            else:
                title, kind = ("Mrs." if self.chance(0.5) else "Ms.") if h.female else "Mr.", "title"
            return (f"{title} ", Ent(PERSON, last, f"{tag}|{kind}"))
        if form == "caps_last":
            surface = f"{last.upper()}, {first}" if self.chance(0.5) else f"{last.upper()} {first}"
            return (Ent(PERSON, surface, f"{tag}|caps_last"),)
        if form == "initials":
            surface = f"{first[0]}. {last}" if self.chance(0.5) else f"{first[0]}.{h.second[0]}. {last}"
            return (Ent(PERSON, surface, f"{tag}|initials"),)
        if form == "last":
            return (Ent(PERSON, last, f"{tag}|last"),)
        if form == "first":
            return (Ent(PERSON, first, f"{tag}|first"),)
        raise ValueError(form)

    def doctor(self, h: Human, style: str | None = None) -> tuple:
        """A clinician as notes and signatures write one: the title and degree stay outside the span."""
        style = style or self.draw("doctor_form", ("dr_last", "dr_full", "full_md", "initial_last_md", "dr_caps"))
        if h.code in ("ja", "zh", "ko"):
            return ("Dr. ", Ent(PERSON, f"{h.last}{h.first}", f"person:{h.code}|native"))
        tag = f"person:{h.code}"
        if style == "dr_last":
            title = {"de": "Dr. med.", "de-at": "OA Dr.", "pl": "lek.", "it": "Dott.", "nl": "dr."}.get(h.code, "Dr.")
            if h.code == "it" and h.female:
                title = "Dott.ssa"
            return (f"{title} ", Ent(PERSON, h.last, f"{tag}|title"))
        if style == "dr_full":
            return ("Dr. ", Ent(PERSON, f"{h.first} {h.last}", f"{tag}|full"))
        if style == "full_md":
            return (Ent(PERSON, f"{h.first} {h.last}", f"{tag}|full"), self.pick((", MD", ", M.D.", " MD", ", FRCP")))
        if style == "initial_last_md":
            return (Ent(PERSON, f"{h.first[0]}. {h.last}", f"{tag}|initials"), self.pick((", MD", " (Reg.)", ", RN")))
        if style == "dr_caps":
            return ("DR ", Ent(PERSON, h.last.upper(), f"{tag}|caps"))
        raise ValueError(style)

    # ---- dates and ages ---------------------------------------------------------------------------

    def day(self, start: dt.date, end: dt.date) -> dt.date:
        return dt.date.fromordinal(self.rng.randint(start.toordinal(), end.toordinal()))

    def date(self, d: dt.date, form: str | None = None, *, lang: str = "", partial: bool = False) -> tuple:
        if form is None:
            form = self.draw("date_partial" if partial else "date_full",
                             PARTIAL_DATE_FORMS if partial else FULL_DATE_FORMS)
        y2 = f"{d.year % 100:02d}"
        month = MONTHS_EN[d.month - 1]
        tag = f"date:{form}"
        if form == "local_long" and lang not in LONG_DATE:
            form, tag = "long_dmy", "date:long_dmy"  # languages without a table write it the English way
        if form == "local_long":
            day = "1er" if lang == "fr" and d.day == 1 else str(d.day)
            text = LONG_DATE[lang].format(d=day, m=MONTHS[lang].split()[d.month - 1], y=d.year)
            return (Ent(DATE, text, f"{tag}:{lang}"),)
        simple = {
            "mdy_dash_yy": f"{d.month}-{d.day}-{y2}", "iso": d.isoformat(), "dmy_dot": f"{d.day:02d}.{d.month:02d}.{d.year}",
            "mdy_slash": f"{d.month:02d}/{d.day:02d}/{d.year}", "long_us": f"{month} {d.day}, {d.year}",
            "dmy_slash": f"{d.day:02d}/{d.month:02d}/{d.year}", "abbr_dash": f"{d.day:02d}-{month[:3]}-{d.year}",
            "mdy_slash_yy": f"{d.month}/{d.day}/{y2}", "long_dmy": f"{d.day} {month} {d.year}",
            "compact": f"{d.year}{d.month:02d}{d.day:02d}", "dmy_caps": f"{d.day:02d} {month[:3].upper()} {d.year}",
            "my_slash": f"{d.month:02d}/{y2}", "m_yy": f"{d.month}/{y2}", "ordinal_of": f"{ordinal(d.day)} of {month}",
            "month_ordinal": f"{month} {ordinal(d.day)}", "md_slash": f"{d.month}/{d.day}",
            "month_year": f"{month} {d.year}",
        }
        if form in simple:
            return (Ent(DATE, simple[form], tag),)
        if form == "the_ordinal":
            return ("the ", Ent(DATE, ordinal(d.day), tag))
        if form == "early_month_year":
            return (self.pick(("early ", "late ", "mid-")), Ent(DATE, f"{month} {d.year}", tag))
        raise ValueError(form)

    def age(self, n: int, form: str = "adj") -> tuple:
        """An age phrase: AGE when over 89 (Safe Harbor), a hard negative otherwise. `form` is one
        of AGE_FORMS or "adj"/"appos" for the next form of that kind from its deck."""
        if form in ("adj", "appos"):
            forms = ADJ_AGE_FORMS if form == "adj" else APPOS_AGE_FORMS
            form = self.draw(f"age_form:{form}:{'old' if n > 89 else 'young'}", [f for f, _t in forms])
        template = dict(AGE_FORMS)[form]
        expression = age_expression(n, form)
        piece = Ent(AGE, expression, f"age:{form}") if n > 89 else Neg(expression, "age")
        before, after = template.split("{a}")
        if before == "a " and number_words(n)[0] in "aeiou":
            before = "an "
        return (before, piece, after)

    def year(self, y: int) -> Neg:
        return Neg(str(y), "year")

    # ---- contact details --------------------------------------------------------------------------

    def phone(self, code: str, kind: str = "landline", ext: bool = False) -> Ent:
        c = COUNTRIES[code]
        masks = c.mobiles if kind == "mobile" else c.landlines
        number = self.mask(code, self.draw(f"phone:{code}:{kind}", masks))
        tag = f"phone:{code}:{kind}"
        if ext:
            number += " " + self.draw("ext", ("ext. {x}", "x{x}", "Ext {x}", "ext {x}")).format(
                x=self.rng.randint(10, 9999))
            tag += ":ext"
        return Ent(PHONE, number, tag)

    def email(self, h: Human | None, domain: str | None = None) -> Ent:
        person = self.m(h.code if h else "en")[0]
        local = ""
        if h is not None:
            first, last = slug(h.first).replace("-", ""), slug(h.last).replace("-", "")
            if first and last and ascii_fold(h.first + h.last).isalpha():
                local = self.draw("email_local", ("{f}.{l}", "{i}{l}", "{l}.{i}", "{f}{n}", "{f}_{l}")).format(
                    f=first, l=last, i=first[0], n=self.rng.randint(1, 99))
        if not local:
            local = person.username(mask=self.pick(("ld", "l_l", "l.d")))
        if domain is None:
            return Ent(EMAIL, f"{local}@{person.email().split('@')[1]}", "email:free")
        return Ent(EMAIL, f"{local}@{domain}", "email:org")

    def url(self, host: str | None = None) -> Ent:
        if host is None:
            return Ent(URL, self.internet.url(), "url:mimesis")
        path = self.draw("url_path", ("portal/login", "befunde", "patient/{n}", "results?id={n}", "rdv",
                                      "mychart/messages", "teleconsult/{n}"))
        scheme = self.pick(("https://", "https://", "http://", ""))
        return Ent(URL, f"{scheme}{host}/{path.format(n=self.rng.randint(1000, 999999))}", "url:org")

    def ip(self, version: int) -> Ent:
        return Ent(IP, self.internet.ip_v4() if version == 4 else self.internet.ip_v6(), f"ip:v{version}")

    # ---- identifiers ------------------------------------------------------------------------------

    ID_MASKS = {
        "mrn": ("%#######", "@@-%#####", "%##-##-##", "%######"),
        "account": ("%###-#####", "A%#########", "%########"),
        "plan": ("@@@%########", "%#########-##", "@%#######"),
        "licence": ("@%######", "%###-####-####", "@@%###-%##"),
        "device": ("@@@%#####@", "%#@@-####-@%", "@%##########"),
        "specimen": ("%#-@@-#####", "@%########"),
        "passport": ("@%#######", "%#@@#####", "@@%######"),
    }

    def ident(self, kind: str, code: str = "en") -> Ent:
        if kind == "national":
            label, mask = COUNTRIES[code].national_id
            return Ent(ID, self.mask(code, mask), f"id:national:{code}")
        if kind == "plate":
            return Ent(ID, self.mask(code, COUNTRIES[code].plate), f"id:plate:{code}")
        return Ent(ID, self.mask(code, self.draw(f"id:{kind}", self.ID_MASKS[kind])), f"id:{kind}")

    # ---- places and organisations -----------------------------------------------------------------

    def city(self, code: str) -> str:
        return self.m(code)[1].city().strip()

    def _street_name(self, code: str, keywords: tuple[str, ...]) -> str:
        address = self.m(code)[1]
        want = self.draw(f"street_kw:{code}", (True, False, True))
        first = address.street_name().strip()
        if not want or any(k in first.lower() for k in keywords):
            return first
        for _ in range(12):
            name = address.street_name().strip()
            if any(k in name.lower() for k in keywords):
                return name
        return first

    def street_line(self, code: str) -> str:
        c = COUNTRIES[code]
        address = self.m(code)[1]
        n = self.rng.randint(1, 220)
        style = c.street
        if style in ("us", "ca"):
            return f"{self.rng.randint(2, 9899)} {address.street_name()} {address.street_suffix()}"
        if style == "gb":
            return f"{n} {address.street_name()} {self.pick(_GB_STREETS)}"
        if style == "au":
            return f"{n} {address.street_name()} {self.pick(_AU_STREETS)}"
        if style == "de":
            name = self._street_name(code, ("straße", "strasse", "gasse"))
            return f"{name} {n}{self.pick(('', '', 'a', 'b'))}"
        if style == "fr":
            kind = "rue" if self.draw("fr_rue", (True, False)) else address.street_suffix().lower()
            words = address.street_name().split()
            words[0] = _FR_ARTICLES.get(words[0], words[0])
            name = " ".join(words).replace("' ", "'")
            return f"{n}{self.pick(('', '', ' bis'))} {kind} {name}"
        if style in ("nl", "be"):
            return f"{self._street_name(code, ('straat',))} {n}"
        if style == "es":
            name = self._street_name(code, ("calle",))
            if code == "es-mx" and not name.lower().startswith(("calle", "av")):
                name = f"Calle {name}"
            return f"{name}, {n}" if self.chance(0.5) else f"{name} {n}"
        if style == "pt":
            name = address.street_name()
            if name.split()[0] not in ("Rua", "Avenida", "Praça", "Travessa", "Largo", "Quadrado", "Alameda"):
                name = f"Rua {name}"
            return f"{name}, {n}"
        if style == "it":
            kind = "Via" if self.draw("it_via", (True, False)) else address.street_suffix()
            return f"{kind} {address.street_name()}, {n}" if self.chance(0.5) else f"{kind} {address.street_name()} {n}"
        if style == "pl":
            kind = self.draw("pl_street", ("ul.", "ulica", "ul.", "al.", "os."))
            return f"{kind} {address.street_name()} {n}"
        if style == "cs":
            return f"{address.street_name()} {self.rng.randint(100, 2999)}/{n % 60 + 1}"
        if style in ("hr", "north", "el"):
            return f"{address.street_name()} {n}"
        if style == "ru":
            return f"ул. {address.street_name()}, д. {n}"
        if style == "ua":
            return f"вул. {address.street_name()}, {n}"
        if style == "tr":
            return f"{address.street_name()} {address.street_suffix()} No: {n}"
        if style == "hu":
            return f"{address.street_name()} {address.street_suffix()} {n}."
        if style == "ja":
            return f"{address.street_name()}{self.rng.randint(1, 5)}-{self.rng.randint(1, 30)}-{self.rng.randint(1, 20)}"
        if style == "zh":
            return f"{address.street_name()}{n}号"
        if style == "ko":
            return f"{address.street_name()}{address.street_suffix()} {n}"
        if style == "ar":
            return address.address()
        raise ValueError(style)

    def unit(self, code: str, facility: bool = False) -> Ent:
        if facility:
            pattern = self.draw("unit:facility", FACILITY_UNITS)
        else:
            pattern = self.draw(f"unit:{code}", COUNTRIES[code].units)
        text = pattern.format(n=self.rng.randint(1, 9) if "0" in pattern else self.rng.randint(1, 40),
                              a=self.pick("ABCDEF"))
        return Ent(LOCATION, text, f"loc:unit:{code}")

    def postal(self, code: str) -> str:
        c = COUNTRIES[code]
        if c.postal:
            return self.mask(code, c.postal)
        value = self.m(code)[1].postal_code()
        if code == "fr" and self.draw("fr_paris", (True, False, False)):
            value = f"750{self.rng.randint(1, 20):02d}"
        return value

    def address(self, code: str, unit: bool | None = None, facility: bool = False) -> Addr:
        """An address in `code`'s own conventions; a facility's gets a suite or floor (English
        locales) instead of a flat."""
        c = COUNTRIES[code]
        address = self.m(code)[1]
        if facility:
            unit = code in ENGLISH_LOCALES and self.draw("facility_has_unit", (True, False))
        elif unit is None:
            unit = self.draw(f"has_unit:{code}", (True, False))
        layout = {"de": "eu", "fr": "eu", "nl": "eu", "be": "eu", "es": "eu", "pt": "eu", "it": "eu", "pl": "eu",
                  "cs": "eu", "hr": "eu", "north": "eu", "el": "eu", "tr": "eu", "ar": "eu"}.get(c.street, c.street)
        city = self.city(code)
        region = None
        if c.region:
            region = Neg(address.state(abbr=True).replace("CA-", ""), "state")
        extra = None
        street = self.street_line(code)
        if layout == "ja":
            extra, street = Neg(address.state(), "state"), f"{city}{street}"
        elif layout in ("zh", "ko"):
            extra = Neg(address.state(), "state")
        unit_ent = self.unit(code, facility) if unit else None
        return Addr(layout, Ent(LOCATION, street, f"loc:street:{code}"), unit_ent,
                    Ent(LOCATION, self.postal(code), f"loc:postal:{code}"),
                    Ent(LOCATION, city, f"loc:city:{code}"), region, Neg(c.name, "country"), extra)

    def building(self) -> Ent:
        text = self.draw("building", ("Building {n}", "Bldg. {a}", "Building {a}{n}", "Bldg {n}")).format(
            n=self.rng.randint(1, 30), a=self.pick("ABCDEFGH"))
        return Ent(LOCATION, text, "loc:building")

    def room(self, kind: str) -> Ent:
        n = {"Room": self.rng.randint(101, 730), "Bed": self.rng.randint(1, 6),
             "Bay": self.rng.randint(1, 12)}[kind]
        return Ent(LOCATION, f"{kind} {n}{'' if kind != 'Room' or self.chance(0.7) else 'B'}", f"loc:{kind.lower()}")

    def hospital(self, code: str) -> Ent:
        pattern = self.draw(f"hospital:{code}", COUNTRIES[code].hospitals)
        text = pattern.format(city=self.city(code), surname=self.m(code)[0].last_name(),
                              n=self.rng.randint(1, 40))
        return Ent(ORGANIZATION, text, f"org:hospital:{code}")

    def company(self, code: str) -> Ent:
        pattern = self.draw(f"employer:{code}", COUNTRIES[code].employers)
        finance = self.m(code)[2]
        text = pattern.format(company=f"{finance.company()} {finance.company_type(abbr=True)}".strip(),
                              surname=self.m(code)[0].last_name(), city=self.city(code))
        return Ent(ORGANIZATION, text, f"org:employer:{code}")

    def school(self, code: str) -> Ent:
        return Ent(ORGANIZATION, self.m(code)[0].university(), f"org:school:{code}")

    def occupation(self) -> str:
        return " ".join(self.english.occupation().lower().split())
