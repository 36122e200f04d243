"""Blocking: which pairs of records are worth comparing at all.

Comparing every record with every other is quadratic; two records are compared only when a
blocking rule pairs them. Rules come from the same match keys search uses, so a candidate the
real-time check would find is a candidate the batch dedupe compares too. Each rule is either
*symmetric* (both records share a value) or a *cross* rule (a value on the query side meets the
same value on the target side only), which keeps rules for rare relations from comparing every
pair of ordinary records:

* ``name_key``, ``core``, ``trade_name``: the name written differently (width, brackets, 繁简,
  region position, legal form), or a sibling with the same 字号.
* ``homophone``: same 字号 pinyin and same industry (字节跳东科技 / 字节跳动科技).
* ``abbreviation`` (cross): a short name without legal form meets full names with the same
  first 字号 character and last core character (浦发银行 -> 上海浦东发展银行股份有限公司: 浦…行),
  or whose 字号 starts with the short name's first two characters (百川股份 -> 江苏百川高科新材料
  股份有限公司); the comparison then *verifies* the abbreviation.
* ``english`` (cross): an English name's Latin key meets the pinyin of Chinese 字号
  (SHENZHEN Quanxinhao CO., LTD. -> 全新好).
* ``uscc``, ``phone``, ``email``, ``id_number``, ``birth_date``: identifiers.

Blocks larger than ``MatchSettings.max_block_size`` are skipped for that rule only.
"""

from __future__ import annotations

from enum import IntEnum

from zhengming.domain.matching.records import MatchRecord

_MIN_CORE = 2


class Side(IntEnum):
    """Where a blocking value stands: both sides of a symmetric rule, or one side of a cross."""

    BOTH = 0
    QUERY = 1
    TARGET = 2


#: Every blocking rule, in the order they are applied.
BLOCKING_RULES = (
    "name_key",
    "core",
    "trade_name",
    "homophone",
    "abbreviation",
    "english",
    "uscc",
    "phone",
    "email",
    "id_number",
    "birth_date",
)

BlockingValue = tuple[str, Side, str]
"""(rule, side, value) of one record."""


def blocking_values(record: MatchRecord) -> list[BlockingValue]:
    """The blocking values of one record, for every rule that applies to it."""
    analysis = record.analysis
    values: list[BlockingValue] = []
    if analysis.uscc:
        values.append(("uscc", Side.BOTH, analysis.uscc))
    if record.phone:
        values.append(("phone", Side.BOTH, record.phone))
    if record.email:
        values.append(("email", Side.BOTH, record.email))
    if record.id_number:
        values.append(("id_number", Side.BOTH, record.id_number))
    if record.birth_date:
        values.append(("birth_date", Side.BOTH, record.birth_date))
    if not analysis.usable or not analysis.standard_name:
        return values
    keys = analysis.keys
    values.append(("name_key", Side.BOTH, keys.name_key))
    core = keys.core if len(keys.core) >= _MIN_CORE else None
    trade = keys.trade_name if keys.trade_name and len(keys.trade_name) >= _MIN_CORE else None
    if core:
        values.append(("core", Side.BOTH, core))
    if trade:
        values.append(("trade_name", Side.BOTH, trade))
    if keys.latin_key:
        values.append(("english", Side.QUERY, keys.latin_key))
        if keys.latin_head and keys.latin_head != keys.latin_key:
            values.append(("english", Side.QUERY, keys.latin_head))
        return values
    if keys.trade_pinyin:
        industry = analysis.parts.industry or ""
        values.append(("homophone", Side.BOTH, f"{keys.trade_pinyin}|{industry}"))
        values.append(("english", Side.TARGET, keys.trade_pinyin))
    full = bool(analysis.parts.legal_form)
    # A short name may read as a person's name (安博通, 利亚德) and have no 字号: its core serves.
    head = trade if full else (trade or core)
    if head and core:
        side = Side.TARGET if full else Side.QUERY
        values.append(("abbreviation", side, head[0] + core[-1]))
        # 百川股份 -> 江苏百川高科新材料股份有限公司: a short name often keeps the 字号's start.
        values.append(("abbreviation", side, "^" + (head[:2] if full else core[:2])))
    return values
