"""The web UI's languages: gettext catalogs, Chinese first, English as the source language.

Messages are written in English in the templates (``{{ _("Customers") }}``) and the code
(``N_("...")`` marks a message translated later); ``locales/zh_CN/LC_MESSAGES/zhengming.po``
translates them. Why ``.po`` files read by Python's own ``gettext``:

* ``.po`` is what translators and their tools (Poedit, Weblate, ``msgmerge``) work with, and
  plural forms come with the format;
* Babel is not a dependency, and installing must need no build step, so the ``.po`` files are
  compiled to gettext's binary ``.mo`` format in memory when the app is built (a few lines, the
  logic of CPython's ``Tools/i18n/msgfmt.py``). No compiled file is committed, so none can drift
  from its source; tests check that every message used has a translation and none is unused.

The language is the ``lang`` cookie: ``zh_CN`` (default) or ``en``.
"""

from __future__ import annotations

import array
import gettext
import io
import re
import struct
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from markupsafe import Markup, escape

LANGUAGES = ("zh_CN", "en")
DEFAULT_LANGUAGE = "zh_CN"
#: The source language of the msgids: it needs no catalog.
SOURCE_LANGUAGE = "en"
COOKIE = "lang"
DOMAIN = "zhengming"
LOCALES = Path(__file__).resolve().parent / "locales"
#: ``<html lang>`` values (BCP 47).
HTML_LANG = {"zh_CN": "zh-CN", "en": "en"}

_STRING = re.compile(r'"((?:[^"\\]|\\.)*)"')
_ESCAPES = {"n": "\n", "t": "\t", '"': '"', "\\": "\\", "r": "\r"}
_MO_MAGIC = 0x950412DE


def N_(message: str) -> str:  # noqa: N802 - the name gettext's extractors look for
    """Mark ``message`` for translation where it is defined; it is translated where shown."""
    return message


def choose_language(cookie: str | None) -> str:
    """The language named by the ``lang`` cookie, or the default (Chinese)."""
    return cookie if cookie in LANGUAGES else DEFAULT_LANGUAGE


@dataclass(frozen=True, slots=True)
class Translator:
    """Messages in one language, as safe HTML: the translation is escaped, then the values.

    Example: ``t.gettext("Owner: %(owner)s", owner="<b>")`` gives ``负责人：&lt;b&gt;``.
    """

    lang: str
    translations: gettext.NullTranslations

    def gettext(self, message: str, /, **values: object) -> Markup:
        text = escape(self.translations.gettext(message))
        return text % values if values else text

    def ngettext(self, singular: str, plural: str, n: int, /, **values: object) -> Markup:
        text = escape(self.translations.ngettext(singular, plural, n))
        return text % {"n": n, **values}


def translator(lang: str) -> Translator:
    return Translator(choose_language(lang), catalog(choose_language(lang)))


@lru_cache(maxsize=len(LANGUAGES))
def catalog(lang: str) -> gettext.NullTranslations:
    """The compiled catalog of ``lang`` (English: the msgids themselves)."""
    if lang == SOURCE_LANGUAGE:
        return gettext.NullTranslations()
    path = po_path(lang)
    mo = compile_mo(parse_po(path.read_text(encoding="utf-8")))
    return gettext.GNUTranslations(io.BytesIO(mo))


def po_path(lang: str) -> Path:
    return LOCALES / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def parse_po(text: str) -> dict[str, str]:
    """The messages of a ``.po`` file, in the ``.mo`` layout gettext reads.

    Keys are msgids (``msgid\\0msgid_plural`` for plurals, ``""`` for the header); values are
    msgstrs (the plural forms joined by NUL). Fuzzy and untranslated entries are left out, as
    ``msgfmt`` does; ``msgctxt`` is not used by this project and refused.

    Raises:
        ValueError: a line the parser does not understand (with its number).
    """
    messages: dict[str, str] = {}
    entry: dict[str, list[str]] = {}
    current: list[str] | None = None
    fuzzy = False

    def finished() -> bool:
        return any(keyword.startswith("msgstr") for keyword in entry)

    def flush(number: int) -> None:
        nonlocal current, fuzzy
        if entry:
            if "msgid" not in entry or not finished():
                raise ValueError(f"line {number}: an entry needs a msgid and a msgstr")
            key = "".join(entry["msgid"])
            if "msgid_plural" in entry:
                key += "\0" + "".join(entry["msgid_plural"])
            forms = sorted(keyword for keyword in entry if keyword.startswith("msgstr"))
            value = "\0".join("".join(entry[keyword]) for keyword in forms)
            if not fuzzy and value.strip("\0"):
                messages[key] = value
        entry.clear()
        current, fuzzy = None, False

    number = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        if line.startswith("#"):
            if finished():
                flush(number)
            if line.startswith("#,") and "fuzzy" in line[2:].replace(",", " ").split():
                fuzzy = True
            continue
        if line.startswith('"'):
            if current is None:
                raise ValueError(f"line {number}: a string outside an entry")
            current.append(_unquote(line, number))
            continue
        keyword, _, rest = line.partition(" ")
        if keyword == "msgid" and finished():
            flush(number)
        if keyword not in ("msgid", "msgid_plural") and not re.fullmatch(
            r"msgstr(\[\d+\])?", keyword
        ):
            raise ValueError(f"line {number}: unsupported keyword {keyword!r}")
        if keyword in entry:
            raise ValueError(f"line {number}: {keyword} twice in one entry")
        current = entry[keyword] = [_unquote(rest.strip(), number)]
    flush(number)
    return messages


def compile_mo(messages: dict[str, str]) -> bytes:
    """The GNU ``.mo`` bytes of ``messages`` (UTF-8), as ``msgfmt`` writes them."""
    encoded = sorted((k.encode(), v.encode()) for k, v in messages.items())
    ids = strs = b""
    offsets: list[tuple[int, int, int, int]] = []
    for key, value in encoded:
        offsets.append((len(ids), len(key), len(strs), len(value)))
        ids += key + b"\0"
        strs += value + b"\0"
    count = len(encoded)
    key_start = 7 * 4 + 16 * count
    value_start = key_start + len(ids)
    table: list[int] = []
    for id_offset, id_length, _, _ in offsets:
        table += [id_length, id_offset + key_start]
    for _, _, str_offset, str_length in offsets:
        table += [str_length, str_offset + value_start]
    header = struct.pack("Iiiiiii", _MO_MAGIC, 0, count, 7 * 4, 7 * 4 + count * 8, 0, 0)
    return header + array.array("i", table).tobytes() + ids + strs


def _unquote(text: str, number: int) -> str:
    match = _STRING.fullmatch(text)
    if match is None:
        raise ValueError(f"line {number}: expected a quoted string, got {text[:40]!r}")
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), m.group(0)), match.group(1))
