"""Email addresses.

``local@domain.tld``: local part of ``[A-Za-z0-9._%+-]`` (so ``email=`` or a quote
before it stays out), dot-separated domain labels, a 2-24 letter TLD that is not a
file extension (``icon@2x.png`` is an image, not an address). ``user:password@host``
in a URL is a secret, not an address.
"""

import re

from governance.redaction.base import Detector, Text

_EMAIL = Detector.EMAIL

_EMAIL_DOMAIN = re.compile(
    r"@((?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+([A-Za-z]{2,24}))(?![A-Za-z0-9_-])"
)
_LOCAL_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._%+-")
_FILE_EXTENSIONS_TEXT = (
    "png jpg jpeg gif svg webp ico bmp tif tiff css scss sass less html htm json yaml yml toml xml "
    "txt csv tsv log exe dll zip tar tgz bz2 pdf doc docx xls xlsx ppt pptx mp3 mp4 wav mov avi "
    "webm woff woff2 ttf otf eot lock java class jar kt cpp hpp swift php vue jsx tsx bak tmp ini "
    "cfg conf env sql sqlite db pyc whl gz js ts py rb go rs sh md"
)
_FILE_EXTENSIONS = frozenset(_FILE_EXTENSIONS_TEXT.split())


def find_emails(t: Text, out: list) -> None:
    text = t.text
    for m in _EMAIL_DOMAIN.finditer(text):
        if m.group(2).lower() in _FILE_EXTENSIONS:
            continue
        at = m.start()
        i = at
        stop = max(0, at - 64)
        while i > stop and text[i - 1] in _LOCAL_CHARS:
            i -= 1
        while i < at and text[i] == ".":
            i += 1
        if i == at or text[at - 1] == ".":
            continue
        if i > 0 and text[i - 1] == ":" and "://" in text[max(0, i - 80) : i]:
            continue  # user:password@host in a URL: the password is a secret
        out.append((i, m.end(), _EMAIL))
