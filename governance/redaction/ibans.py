"""IBANs.

Country code from the IBAN registry, two check digits, the BBAN; single spaces
anywhere, either case; the length must be the country's IBAN length and the
ISO 7064 mod-97 check must give 1.
"""

import re

from governance.redaction.base import Detector, Text

_IBAN = Detector.IBAN

IBAN_LENGTHS: dict[str, int] = {
    "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22,
    "BH": 22, "BI": 27, "BR": 29, "BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24,
    "DE": 22, "DJ": 27, "DK": 18, "DO": 28, "EE": 20, "EG": 29, "ES": 24, "FI": 18,
    "FK": 18, "FO": 18, "FR": 27, "GB": 22, "GE": 22, "GI": 23, "GL": 18, "GR": 27,
    "GT": 28, "HN": 28, "HR": 21, "HU": 28, "IE": 22, "IL": 23, "IQ": 23, "IS": 26,
    "IT": 27, "JO": 30, "KW": 30, "KZ": 20, "LB": 28, "LC": 32, "LI": 21, "LT": 20,
    "LU": 20, "LV": 21, "LY": 25, "MC": 27, "MD": 24, "ME": 22, "MK": 19, "MN": 20,
    "MR": 27, "MT": 31, "MU": 30, "NI": 28, "NL": 18, "NO": 15, "OM": 23, "PK": 24,
    "PL": 28, "PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22, "RU": 33, "SA": 24,
    "SC": 31, "SD": 18, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "ST": 25, "SV": 28,
    "TL": 23, "TN": 24, "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20, "YE": 30,
}  # fmt: skip
_IBAN_START = re.compile(r"(?<![A-Za-z0-9])[A-Za-z]{2}\d\d(?= ?[A-Za-z0-9])")
_ALNUM = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
# The end of an IBAN-shaped prefix: digits after it belong to the IBAN, so the card
# and phone detectors leave them alone.
IBAN_BEFORE = re.compile(r"(?i)(?<![A-Za-z0-9])[A-Z]{2}\d{2}[A-Z0-9]*(?: [A-Z0-9]{1,4})* \Z")


def iban_valid(iban: str) -> bool:
    """Length for the country and the mod-97 check of a compact IBAN."""
    iban = iban.upper()
    if IBAN_LENGTHS.get(iban[:2]) != len(iban) or not iban.isalnum():
        return False
    rearranged = iban[4:] + iban[:4]
    return int("".join(str(int(ch, 36)) for ch in rearranged)) % 97 == 1


def find_ibans(t: Text, out: list) -> None:
    text = t.text
    n = len(text)
    for m in _IBAN_START.finditer(text):
        start = m.start()
        length = IBAN_LENGTHS.get(text[start : start + 2].upper())
        if length is None:
            continue
        need = length - 4
        i = m.end()
        chars = [text[start : start + 4]]
        while need and i < n:
            ch = text[i]
            if ch in _ALNUM:
                chars.append(ch)
                need -= 1
                i += 1
            elif ch == " " and i + 1 < n and text[i + 1] in _ALNUM:
                i += 1
            else:
                break
        if need or (i < n and text[i] in _ALNUM):
            continue
        if iban_valid("".join(chars)):
            out.append((start, i, _IBAN))
