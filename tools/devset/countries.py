"""Per-locale conventions of the dev set: how a country writes its phone numbers, identifiers,
plates, postal codes and hospital names.

The fake values themselves (names, streets, cities, companies, digits) come from mimesis; this
table only says which shapes to ask for. Masks use mimesis' placeholders: ``#`` a digit, ``@`` an
upper-case letter; ``%`` is ours, a digit from 1 to 9 (area codes and trunk prefixes never start
with 0 or 1 where that would be wrong). The first mask of each list is the country's most common
shape and is used first, so even a country drawn once contributes its canonical format.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Country:
    code: str                      # mimesis locale
    name: str                      # English name: a bare country is never PHI
    landlines: tuple[str, ...]
    mobiles: tuple[str, ...]
    national_id: tuple[str, str]   # (label as written in an English note, mask)
    plate: str
    street: str                    # street-line style (values.street_line)
    units: tuple[str, ...]         # unit designators, "{n}" a number, "{a}" a letter
    hospitals: tuple[str, ...]     # "{city}" / "{surname}" filled from mimesis
    employers: tuple[str, ...] = ("{company}",)
    postal: str = ""               # mask overriding mimesis' postal code
    order: str = "western"         # "eastern": family name first ("hu", CJK)
    region: bool = False           # a state/province/territory follows the city (US, CA, AU)
    month_lang: str = ""           # language of the dates in outside documents ("13 juillet 1981")
    title_source: str = ""         # mimesis locale whose courtesy titles ("Herr", "Mme.") the notes quote


C = Country
COUNTRIES: dict[str, Country] = {c.code: c for c in (
    C("en", "United States", ("(%##) %##-####", "%##.%##.####", "%##-%##-####", "1-%##-%##-####"),
      ("(%##) %##-####", "%##-%##-####"), ("SSN", "###-##-####"), "%@@@###", "us",
      ("Apt {n}{a}", "Unit {n}", "Apt. {n}", "#{n}"),
      ("{city} General Hospital", "{city} Memorial Medical Center", "{city} Regional Hospital",
       "{city} Community Health Center"),
      ("{company}", "{surname} Plumbing & Heating LLC", "{surname} Auto Body Inc.", "{city} Unified School District"),
      region=True),
    C("en-gb", "United Kingdom", ("+44 20 #### ####", "020 #### ####", "01%## ######", "0161 ### ####"),
      ("07%## ######", "+44 7%## ######"), ("NHS No.", "%## ### ####"), "@@## @@@", "gb",
      ("Flat {n}", "Flat {n}{a}"),
      ("Royal {city} Infirmary", "{city} General Hospital", "{city} Community Hospital"),
      ("{company}", "{surname} & Sons Ltd", "{surname} Haulage Ltd"),
      postal="@@#@ #@@"),
    C("en-au", "Australia", ("(0%) #### ####", "+61 % #### ####"), ("04## ### ###", "+61 4## ### ###"),
      ("Medicare No.", "%### ##### #"), "@@@-###", "au", ("Unit {n}",),
      ("{city} Base Hospital", "{city} District Health Service"),
      ("{company}", "{surname} Earthmoving Pty Ltd"), region=True),
    C("en-ca", "Canada", ("(%##) %##-####", "%##-%##-####", "+1 %##-%##-####"), ("%##-%##-####",),
      ("Health card", "####-###-###-@@"), "@@@@ ###", "ca", ("Unit {n}", "Apt {n}"),
      ("{city} General Hospital", "{city} Health Sciences Centre"),
      ("{company}", "{surname} Roofing Ltd."), region=True),
    C("de", "Germany", ("030 %## ## ##", "089 %## ###", "+49 30 %#######", "(0221) %## ###"),
      ("015% ########", "+49 17% #######"), ("KVNr.", "@#########"), "@@-@@ %##", "de",
      ("Whg. {n}", "{n}. OG"),
      ("Klinikum {city}", "Städtisches Krankenhaus {city}", "Universitätsklinikum {city}"),
      ("{company}", "{surname} & Söhne GmbH", "Bäckerei {surname} GmbH", "{surname} Bau GmbH & Co. KG"),
      month_lang="de", title_source="de"),
    C("de-at", "Austria", ("+43 1 %## ## ##", "01 %## ## ##"), ("066% ### ####",), ("SVNr.", "%### ######"),
      "W-%####@", "de", ("Top {n}", "Stiege {n}"), ("Landesklinikum {city}", "Krankenhaus {city}"),
      ("{company}", "{surname} Installationen GmbH"), month_lang="de", title_source="de-at"),
    C("de-ch", "Switzerland", ("044 %## ## ##", "+41 44 %## ## ##"), ("07% ### ## ##", "+41 7% ### ## ##"),
      ("AHV-Nr.", "756.####.####.##"), "ZH %#####", "de", ("Wohnung {n}",),
      ("Kantonsspital {city}", "Spital {city}"), ("{company}", "{surname} Treuhand AG"),
      month_lang="de", title_source="de-ch"),
    C("fr", "France", ("0% ## ## ## ##", "+33 % ## ## ## ##", "0%.##.##.##.##"), ("06 ## ## ## ##", "07 ## ## ## ##"),
      ("NIR", "% ## ## ## ### ### ##"), "@@-%##-@@", "fr", ("Appt {n}", "Bât. {a}", "Esc. {a}"),
      ("Centre Hospitalier de {city}", "CHU de {city}", "Hôpital {surname}", "Clinique {surname}"),
      ("{company}", "Transports {surname} SARL", "{surname} et Fils SA"), month_lang="fr", title_source="fr"),
    C("nl", "Netherlands", ("020-%## ####", "010 %## ####", "+31 (0)20 %## ####"), ("06-########", "+31 6 ########"),
      ("BSN", "%########"), "%#-@@@-#", "nl", ("{n}-hoog", "unit {n}"),
      ("Ziekenhuis {city}", "{city} Medisch Centrum"), ("{company}", "{surname} & Zn. B.V.", "Bouwbedrijf {surname} B.V."),
      month_lang="nl", title_source="nl"),
    C("nl-be", "Belgium", ("02 %## ## ##", "+32 2 %## ## ##"), ("04%# ## ## ##",), ("Rijksregisternr.", "##.##.##-%##.##"),
      "%-@@@-%##", "be", ("bus {n}",), ("AZ {city}", "Ziekenhuis Oost-{city}"), ("{company}", "{surname} BV"),
      month_lang="nl", title_source="nl-be"),
    C("es", "Spain", ("91 %## ## ##", "9%# ## ## ##", "+34 9%# ### ###"), ("6%# ### ###", "+34 6%# ### ###"),
      ("DNI", "%#######@"), "%### @@@", "es", ("{n}.º {a}", "piso {n}"),
      ("Hospital Universitario de {city}", "Hospital General de {city}", "Clínica {surname}"),
      ("{company}", "Transportes {surname} S.L.", "Construcciones {surname} S.A."), month_lang="es", title_source="es"),
    C("es-mx", "Mexico", ("55 %### ####", "+52 33 %### ####"), ("+52 1 55 %### ####",), ("CURP", "@@@@######@@@@@@##"),
      "@@@-##-##", "es", ("Depto. {n}", "Int. {n}"), ("Hospital General de {city}", "Clínica {surname}"),
      ("{company}", "Taller {surname} S.A. de C.V."), month_lang="es", title_source="es-mx"),
    C("pt", "Portugal", ("21% ### ###", "+351 21% ### ###"), ("9%# ### ###",), ("NUS", "%## ### ###"), "##-@@-##", "pt",
      ("{n}.º Esq.", "{n}.º Dto."), ("Hospital de {city}", "Centro Hospitalar de {city}"),
      ("{company}", "{surname} & Filhos, Lda."), postal="%###-###", month_lang="pt", title_source="pt"),
    C("pt-br", "Brazil", ("(11) %###-####", "+55 21 %###-####"), ("(11) 9####-####", "+55 21 9####-####"),
      ("CPF", "###.###.###-##"), "@@@#@##", "pt", ("apto {n}", "bloco {a}"),
      ("Hospital Municipal de {city}", "Santa Casa de {city}"), ("{company}", "{surname} Transportes Ltda."),
      month_lang="pt", title_source="pt-br"),
    C("it", "Italy", ("06 %### ####", "02 %#######", "+39 06 %### ####"), ("3%# ### ####", "+39 3%# ### ####"),
      ("Codice fiscale", "@@@@@@##@##@###@"), "@@ %##@@", "it", ("int. {n}", "scala {a}"),
      ("Ospedale di {city}", "Policlinico di {city}", "Azienda Ospedaliera di {city}"),
      ("{company}", "{surname} & Figli S.r.l."), month_lang="it", title_source="it"),
    C("pl", "Poland", ("22 %## ## ##", "+48 22 %## ## ##"), ("+48 %## ### ###", "5%# ### ###"), ("PESEL", "###########"),
      "@@ %####", "pl", ("m. {n}", "lok. {n}"), ("Szpital Miejski {city}", "Szpital Powiatowy - {city}"),
      ("{company}", "{surname} Sp. z o.o.", "Zakład Usługowy {surname}"), title_source="pl"),
    C("cs", "Czech Republic", ("+420 2%# ### ###", "2%# ### ###"), ("+420 6%# ### ###", "7%# ### ###"),
      ("Rodné číslo", "######/####"), "%@% ####", "cs", ("byt {n}",), ("Nemocnice {city}", "Fakultní nemocnice {city}"),
      ("{company}", "{surname} s.r.o.")),
    C("sk", "Slovakia", ("02/%### ####", "+421 2 %### ####"), ("+421 9%# ### ###",), ("Rodné číslo", "######/####"),
      "@@%##@@", "cs", ("byt {n}",), ("Nemocnica {city}", "Fakultná nemocnica {city}"), ("{company}", "{surname} s.r.o.")),
    C("hr", "Croatia", ("01 %## ####", "+385 1 %## ####"), ("+385 9% ### ####", "09% ### ####"), ("OIB", "###########"),
      "ZG %###-@@", "hr", ("stan {n}",), ("Opća bolnica {city}", "KBC {city}"), ("{company}", "{surname} d.o.o.")),
    C("is", "Iceland", ("%## ####", "+354 %## ####"), ("+354 8## ####",), ("Kennitala", "######-####"), "@@ %##",
      "north", ("íbúð {n}",), ("Heilbrigðisstofnun {city}",), ("{company}", "{surname} ehf.")),
    C("el", "Greece", ("21% ### ####", "+30 21% ### ####"), ("+30 69% ### ####", "69% ### ####"), ("AMKA", "###########"),
      "@@@-%###", "el", ("διαμ. {n}",), ("Γενικό Νοσοκομείο {city}",), ("{company}",), postal="%## ##",
      title_source="el"),
    C("ru", "Russia", ("+7 (495) %##-##-##", "8 (4%#) ###-##-##"), ("+7 (9%#) ###-##-##", "8 9%# ###-##-##"),
      ("SNILS", "###-###-### ##"), "@%##@@ %#", "ru", ("кв. {n}",), ("Городская больница № {n}, г. {city}",),
      ("{company}",)),
    C("uk", "Ukraine", ("+380 44 %## ## ##", "(04%) ###-##-##"), ("+380 %# ### ## ##",), ("RNOKPP", "%#########"),
      "@@%###@@", "ua", ("кв. {n}",), ("Міська лікарня № {n}, м. {city}",), ("{company}",)),
    C("tr", "Turkey", ("0 (212) %## ## ##", "+90 212 %## ## ##"), ("+90 5%# ### ## ##", "05%# ### ## ##"),
      ("T.C. Kimlik No", "%##########"), "%# @@ %##", "tr", ("Daire {n}", "Kat {n}"),
      ("{city} Devlet Hastanesi", "{city} Eğitim ve Araştırma Hastanesi"), ("{company}", "{surname} İnşaat Ltd. Şti."),
      title_source="tr"),
    C("sv", "Sweden", ("08-%## ## ##", "+46 8 %## ## ##"), ("07%-### ## ##", "+46 7% ### ## ##"),
      ("Personnummer", "########-####"), "@@@ %#@", "north", ("lgh {n}0{n}",), ("{city} sjukhus", "Länssjukhuset {city}"),
      ("{company}", "{surname}s Bygg AB"), month_lang="sv", title_source="sv"),
    C("da", "Denmark", ("%# ## ## ##", "+45 %# ## ## ##"), ("+45 %# ## ## ##",), ("CPR", "######-####"), "@@ %# %##",
      "north", ("{n}. tv.", "{n}. th."), ("{city} Sygehus", "Regionshospitalet {city}"), ("{company}", "{surname} ApS"),
      month_lang="da", title_source="da"),
    C("no", "Norway", ("%## ## ###", "+47 %# ## ## ##"), ("+47 4## ## ###",), ("Fødselsnr.", "###########"), "@@ %####",
      "north", ("leil. H0{n}0{n}",), ("{city} sykehus",), ("{company}", "{surname} Maskin AS"), month_lang="no",
      title_source="no"),
    C("fi", "Finland", ("09 %## ####", "+358 9 %## ####"), ("040 ### ####", "+358 40 ### ####"), ("HETU", "######-###@"),
      "@@@-%##", "north", ("A {n}", "B {n}"), ("{city} keskussairaala",), ("{company}", "{surname} Oy"), title_source="fi"),
    C("hu", "Hungary", ("+36 1 %## ####", "06 1 %## ####"), ("06 30 ### ####", "+36 20 ### ####"), ("TAJ", "%## ### ###"),
      "@@@-%##", "hu", ("{n}/{n}",), ("{city} Kórház", "{city} Megyei Kórház"), ("{company}", "{surname} Kft."),
      order="eastern"),
    C("et", "Estonia", ("6%# ####", "+372 6%# ####"), ("+372 5### ####",), ("Isikukood", "%##########"), "%## @@@",
      "north", ("korter {n}",), ("{city} Haigla",), ("{company}", "{surname} OÜ")),
    C("ja", "Japan", ("03-%###-####", "+81 3-%###-####"), ("090-####-####", "080-####-####"), ("My Number", "#### #### ####"),
      "%## ##-##", "ja", ("{n}0{n}号室",), ("{city}民病院",), ("{company}",), order="eastern"),
    C("zh", "China", ("010-%#######", "+86 10 %### ####"), ("13% #### ####", "+86 13% #### ####"),
      ("ID card", "%#################"), "@·%####", "zh", ("{n}0{n}室",), ("{city}人民医院",), ("{company}",), order="eastern"),
    C("ko", "South Korea", ("02-%##-####", "+82 2-%##-####"), ("010-####-####", "+82 10-####-####"), ("RRN", "######-#######"),
      "%#@ ####", "ko", ("{n}0{n}호",), ("{city}의료원",), ("{company}",), order="eastern"),
    C("ar-eg", "Egypt", ("+20 2 %### ####", "02 %### ####"), ("+20 1% #### ####", "01% #### ####"),
      ("National ID", "%#############"), "%## @@@", "ar", ("شقة {n}",), ("مستشفى {city} العام",), ("{company}",)),
    C("fa", "Iran", ("021-%#######", "+98 21 %### ####"), ("+98 91% ### ####", "091% ### ####"),
      ("National code", "###-######-#"), "##@###-##", "ar", ("واحد {n}",), ("بیمارستان {city}",), ("{company}",)),
)}

DEFAULT_LOCALES: tuple[str, ...] = tuple(COUNTRIES)
ENGLISH_LOCALES: tuple[str, ...] = ("en", "en-gb", "en-au", "en-ca")
FACILITY_UNITS = ("Suite {n}00", "Floor {n}", "Level {n}")  # a hospital or practice address in English


def in_sentence(country: str) -> str:
    """"the United States", "the Netherlands", "France"."""
    return f"the {country}" if country.startswith("United") or country in ("Netherlands", "Czech Republic") else country

# Month names for dates quoted from outside documents; mimesis' own lists are not in calendar
# order for every locale, and several languages need a case form ("13. Juli", "13 de julio").
MONTHS = {
    "fr": "janvier février mars avril mai juin juillet août septembre octobre novembre décembre",
    "de": "Januar Februar März April Mai Juni Juli August September Oktober November Dezember",
    "es": "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre",
    "pt": "janeiro fevereiro março abril maio junho julho agosto setembro outubro novembro dezembro",
    "it": "gennaio febbraio marzo aprile maggio giugno luglio agosto settembre ottobre novembre dicembre",
    "nl": "januari februari maart april mei juni juli augustus september oktober november december",
    "sv": "januari februari mars april maj juni juli augusti september oktober november december",
    "da": "januar februar marts april maj juni juli august september oktober november december",
    "no": "januar februar mars april mai juni juli august september oktober november desember",
}
LONG_DATE = {  # how each language writes day, month name and year
    "fr": "{d} {m} {y}", "de": "{d}. {m} {y}", "es": "{d} de {m} de {y}", "pt": "{d} de {m} de {y}",
    "it": "{d} {m} {y}", "nl": "{d} {m} {y}", "sv": "{d} {m} {y}", "da": "{d}. {m} {y}", "no": "{d}. {m} {y}",
}
