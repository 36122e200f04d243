"""Which text encoding a CSV file is in.

Chinese teams send three kinds of CSV: UTF-8 (new systems), UTF-8 with a BOM (Excel's
"CSV UTF-8") and GBK (Excel's plain "CSV" on a Chinese Windows). GBK is decoded as GB18030, its
superset: the bytes of every GBK character are the same, and the rare characters GBK lacks
(䶮, 𠀀) still decode. charset-normalizer is only asked when the sample is not UTF-8, and only
among the encodings such a file can plausibly be in: left free, it calls short GBK samples
Korean (cp949) or UTF-16.
"""

from __future__ import annotations

import codecs

from charset_normalizer import from_bytes

from zhengming.errors import InvalidInputError

#: Encodings charset-normalizer may choose from, most likely first.
CANDIDATES = ("utf_8", "gb18030", "big5", "cp1252")
_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# Narrower Chinese encodings read (and written) as GB18030: same bytes, more characters.
_WIDENED = {"gbk": "gb18030", "gb2312": "gb18030"}


def resolve_encoding(name: str) -> str:
    """The codec used for an encoding named by a caller: validated, GBK widened to GB18030.

    Raises:
        InvalidInputError: Python knows no such encoding.

    Example:
        >>> resolve_encoding("GBK"), resolve_encoding("utf8")
        ('gb18030', 'utf-8')
    """
    try:
        canonical = codecs.lookup(name).name
    except LookupError as exc:
        raise InvalidInputError(
            f"未知的编码 / unknown encoding: {name}", details={"encoding": name}
        ) from exc
    return _WIDENED.get(canonical, canonical)


def detect_encoding(sample: bytes) -> str:
    """The encoding of a file that starts with ``sample``.

    A BOM decides; a sample that is valid UTF-8 (including plain ASCII) is UTF-8, because
    decoding a later GBK line as UTF-8 shows up as replacement characters the reader reports,
    while the opposite mistake silently turns text into mojibake. Otherwise charset-normalizer
    chooses among :data:`CANDIDATES`, GB18030 first whenever it fits; when it cannot choose,
    UTF-8 again, for the same reason.

    Example:
        >>> detect_encoding("客户名称,电话\\r\\n腾讯,0755\\r\\n".encode("gbk"))
        'gb18030'
    """
    for bom, encoding in _BOMS:
        if sample.startswith(bom):
            return encoding
    sample = _whole_lines(sample)
    try:
        sample.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        return "utf-8"
    matches = from_bytes(sample, cp_isolation=list(CANDIDATES))
    # Every Big5 byte pair is also a GBK one and short samples do not tell them apart, so when
    # GB18030 reads the sample cleanly it wins: mainland files are the common case.
    if any(match.encoding == "gb18030" for match in matches):
        return "gb18030"
    best = matches.best()
    if best is None:
        return "utf-8"
    return resolve_encoding(best.encoding)


def _whole_lines(sample: bytes) -> bytes:
    """``sample`` up to its last line break, so no character is cut in two.

    In UTF-8, GB18030 and Big5 the byte 0x0A only ever stands for a line feed.
    """
    end = sample.rfind(b"\n")
    return sample[: end + 1] if end >= 0 else sample
