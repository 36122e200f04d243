"""Blocking: which pairs of records are worth comparing at all.

Comparing every record with every other is quadratic; two records are compared only when they
share at least one blocking value. The values come from the same match keys search uses, so a
candidate the real-time check would find is a candidate the batch dedupe compares too.

* ``name_key``, ``core``, ``trade_name``: the name written differently (width, brackets, 繁简,
  region position, legal form).
* ``trade_pinyin``: homophone typos, and English names meeting Chinese ones (the Latin key of
  "SHENZHEN Quanxinhao CO., LTD." is the pinyin of 全新好).
* ``short_form``: the 字号's first character and the core's last one, shared by a short name and
  its full name (浦发银行 / 上海浦东发展银行: 浦…行); the abbreviation is then *verified* by the
  comparison, never assumed.
* ``uscc``, ``phone``, ``email``: identifiers.

Blocks larger than ``MatchSettings.max_block_size`` are skipped for that key only.
"""

from __future__ import annotations

from zhengming.domain.matching.records import MatchRecord

_MIN_CORE = 2


def blocking_values(record: MatchRecord) -> dict[str, str | None]:
    """The value of every blocking key for one record (None: the key does not apply)."""
    analysis = record.analysis
    keys = analysis.keys
    usable = analysis.usable and analysis.standard_name != ""
    core = keys.core if usable and len(keys.core) >= _MIN_CORE else None
    trade = keys.trade_name if usable and keys.trade_name and len(keys.trade_name) >= 2 else None
    short_form = None
    if trade and core and not keys.latin_key:
        short_form = trade[0] + core[-1]
    return {
        "name_key": keys.name_key if usable else None,
        "core": core,
        "trade_name": trade,
        "trade_pinyin": keys.trade_pinyin if usable else None,
        "short_form": short_form,
        "uscc": analysis.uscc,
        "phone": record.phone,
        "email": record.email,
    }
