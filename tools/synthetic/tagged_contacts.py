"""Phone numbers, e-mail addresses, URLs and IP addresses for `tagged_notes`: phones in each
country's national and international formats, with extensions; e-mail users made from the
person's own name.
"""

from __future__ import annotations

import re

from tools.synthetic import tagged_locales as tl
from tools.synthetic.tagged_values import Ctx, ascii_fold, clean, fake

# ---- phones ---------------------------------------------------------------------------------

# National formats by country: '#' any digit, '%' a digit 2-9. Written as each country prints
# them, trunk prefix and country code included.
_PHONE_FORMATS = {
    "FR": ("0% ## ## ## ##", "+33 % ## ## ## ##", "0%.##.##.##.##", "+33 (0)% ## ## ## ##"),
    "NL": ("06-########", "0%#-#######", "+31 6 ########", "+31 (0)%# ### ####", "06 ## ## ## ##"),
    "DE": ("030 ### ## ##", "0%## #######", "+49 30 #######", "+49 (0)%## ### ####", "0%##/#######",
           "0170 #######"),
    "AU": ("04## ### ###", "(0%) #### ####", "+61 4## ### ###", "+61 % #### ####"),
    "GB": ("+44 20 #### ####", "020 #### ####", "07### ######", "+44 (0)1%## ######", "01%## ######",
           "+44 7### ######"),
    "US": ("(%##) %##-####", "%##-%##-####", "+1 %##-%##-####", "%##.%##.####", "1-800-%##-####",
           "+1 (%##) %##-####"),
    "IT": ("+39 06 #### ####", "3## ### ####", "0%# ### ####"),
    "ES": ("9%# ## ## ##", "+34 6## ## ## ##", "6## ### ###"),
    "CH": ("0%# ### ## ##", "+41 %# ### ## ##"),
    "AT": ("0%## #######", "+43 1 ### ## ##", "0664 #######"),
    "BE": ("0% ### ## ##", "+32 4## ## ## ##"),
    "IE": ("01 ### ####", "08% ### ####", "+353 1 ### ####"),
    "JP": ("03-####-####", "090-####-####", "+81 3-####-####"),
    "IN": ("+91 9#### #####", "0%# ####-####", "9#########"),
    "BR": ("(11) 9####-####", "+55 21 ####-####"),
    "PL": ("+48 22 ### ## ##", "5## ### ###", "+48 6## ### ###"),
    "SE": ("08-### ### ##", "07%-### ## ##", "+46 8 ### ### ##"),
    "RU": ("+7 (495) ###-##-##", "8 (9##) ###-##-##", "+7 9## ###-##-##"),
    "CA": ("(%##) %##-####", "+1 %##-%##-####"),
    "NZ": ("021 ### ####", "(09) ### ####", "+64 9 ### ####"),
    "ZA": ("0%# ### ####", "+27 %# ### ####"),
    "MX": ("55 #### ####", "+52 55 #### ####"),
    "CN": ("13# #### ####", "+86 10 #### ####", "010-########"),
    "KR": ("010-####-####", "02-###-####"),
    "IL": ("05#-###-####", "+972 3-###-####"),
    "GR": ("21# ### ####", "+30 69# ### ####"),
    "DK": ("## ## ## ##", "+45 ## ## ## ##"),
    "NO": ("### ## ###", "+47 ### ## ###"),
    "FI": ("040 ### ####", "+358 9 ### ####"),
    "PT": ("2## ### ###", "+351 9## ### ###"),
    "CZ": ("+420 ### ### ###", "### ### ###"),
    "HU": ("+36 1 ### ####", "06 %# ### ####"),
    "TR": ("0(5##) ### ## ##", "+90 212 ### ## ##"),
}
_EXTENSIONS = (" ext. {n}", " x{n}", " ext {n}", " Ext. {n}", " extension {n}", " (ext. {n})", " poste {n}",
               " Durchwahl {n}")


_COUNTRIES = tuple(_PHONE_FORMATS)


def _national_format(c: Ctx, region: str) -> str:
    formats = _PHONE_FORMATS[region]
    # The first format is the country's commonest (a Paris landline, a Dutch mobile): drawn more often.
    return formats[0] if c.chance(0.35) else c.pick(formats)


def _from_format(c: Ctx, fmt: str) -> str:
    return "".join(str(c.randint(0, 9)) if ch == "#" else str(c.randint(2, 9)) if ch == "%" else ch for ch in fmt)


def phone(c: Ctx, extension: float = 0.1) -> str:
    """Mostly the paragraph's own country, in Faker's or the table's formats; now and then a number
    abroad (a relative, the referring hospital)."""
    r = c.rng.random()
    region = tl.region(c.locale)
    own_provider = tl.provider_locale(c.locale, "phone_number") != "en_US" or region == "US"
    if own_provider and r < (0.3 if region in _PHONE_FORMATS else 0.8):
        number = fake(c, "phone_number", "phone_number")
    elif region in _PHONE_FORMATS and r < 0.9:
        number = _from_format(c, _national_format(c, region))
    else:
        number = _from_format(c, _national_format(c, c.pick(_COUNTRIES)))
    if c.chance(extension):
        number += c.pick(_EXTENSIONS).format(n=c.digits(c.randint(2, 4)))
    return number


# ---- internet -------------------------------------------------------------------------------

_PORTAL_PATHS = ("patient", "portal", "mychart", "results", "records", "appointments", "billing", "login",
                 "telehealth", "docs", "share", "view")


def _user(c: Ctx, role: str) -> str:
    p = c.person(role)
    first, last = ascii_fold(p.first).lower(), ascii_fold(p.last).lower()
    first, last = re.sub(r"[^a-z]", "", first), re.sub(r"[^a-z]", "", last)
    if not first or not last:
        return fake(c, "internet", "user_name")
    return c.pick((f"{first}.{last}", f"{first[0]}{last}", f"{first}{c.digits(2)}", f"{last}.{first[0]}",
                   f"{first}_{last}", f"{last}{c.digits(3)}"))


def email(c: Ctx, role: str = "patient") -> str:
    g = c.faker("internet")
    r = c.rng.random()
    if r < 0.5:
        return f"{_user(c, role)}@{g.free_email_domain()}"
    if r < 0.8:
        return f"{_user(c, role)}@{g.domain_name()}"
    return clean(g.email())


def url(c: Ctx) -> str:
    g = c.faker("internet")
    domain = g.domain_name()
    return c.pick((
        f"https://{c.pick(('portal', 'mychart', 'my', 'patients', 'secure'))}.{domain}/{c.pick(_PORTAL_PATHS)}",
        f"https://{domain}/{c.pick(_PORTAL_PATHS)}/{c.digits(c.randint(4, 8))}",
        f"www.{domain}", f"http://{domain}/{c.pick(_PORTAL_PATHS)}?id={c.digits(6)}", clean(g.url()).rstrip("/"),
        f"{domain}/{c.pick(_PORTAL_PATHS)}"))


def ip(c: Ctx) -> str:
    g = c.faker("internet", "en_US")
    r = c.rng.random()
    if r < 0.35:
        return g.ipv4_public()
    if r < 0.6:
        return g.ipv4_private()
    if r < 0.75:
        return f"{g.ipv4()}:{c.randint(1024, 65535)}"
    if r < 0.9:
        return g.ipv6()
    return f"fe80::{g.hexify('^^^^')}:{g.hexify('^^^^')}"
