"""The keys a customer is stored under, and the lookups a query makes (DESIGN.md §3 step 5).

One function fills the keys (:func:`customer_keys`) and one queries them (:func:`probes_for`),
both from the blocking values of ``domain.matching.blocking``: a candidate the real-time check
finds is a pair the batch dedupe compares too. Search adds two keys blocking does not use: the
pinyin and pinyin initials of the 字号 (``zjtd`` finds 字节跳动).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from zhengming.domain.matching import MatchRecord
from zhengming.domain.matching.blocking import Side, blocking_values
from zhengming.domain.names import NameAnalysis
from zhengming.domain.names.keys import pinyin_key
from zhengming.services.ports import KeyProbe, StoredKey

#: Search-only rules, looked up by prefix.
PINYIN, INITIALS = "pinyin", "initials"
#: Blocking rules that prove identity when equal: they are locked while registering.
STRONG_RULES = ("uscc", "name_key")
_OPPOSITE = {Side.BOTH: Side.BOTH, Side.QUERY: Side.TARGET, Side.TARGET: Side.QUERY}


@dataclass(frozen=True, slots=True)
class IndexedName:
    """A stored name with its analysis (``name_id`` once it is saved)."""

    analysis: NameAnalysis
    name_id: int | None = None


def customer_keys(
    names: Iterable[IndexedName],
    *,
    uscc: str | None,
    phones: Iterable[str] = (),
    emails: Iterable[str] = (),
) -> list[StoredKey]:
    """Every key of one customer: per name its blocking and search keys, then its identifiers."""
    keys: list[StoredKey] = []
    for name in names:
        record = MatchRecord(name.analysis)
        for rule, side, value in blocking_values(record):
            keys.append(StoredKey(rule, int(side), value, name.name_id))
        name_keys = name.analysis.keys
        if name_keys.trade_pinyin:
            keys.append(StoredKey(PINYIN, int(Side.BOTH), name_keys.trade_pinyin, name.name_id))
        if name_keys.trade_initials:
            keys.append(StoredKey(INITIALS, int(Side.BOTH), name_keys.trade_initials, name.name_id))
        if name.analysis.parts.industry and name_keys.trade_pinyin and name_keys.core:
            # Reps type the industry too: payh and pinganyinhang find 平安银行, not only pa.
            core_pinyin, core_initials = pinyin_key(name_keys.core)
            keys.append(StoredKey(PINYIN, int(Side.BOTH), core_pinyin, name.name_id))
            keys.append(StoredKey(INITIALS, int(Side.BOTH), core_initials, name.name_id))
    if uscc:
        keys.append(StoredKey("uscc", int(Side.BOTH), uscc))
    keys.extend(StoredKey("phone", int(Side.BOTH), phone) for phone in phones)
    keys.extend(StoredKey("email", int(Side.BOTH), email) for email in emails)
    return list(dict.fromkeys(keys))


def probes_for(record: MatchRecord) -> list[KeyProbe]:
    """The stored keys that could belong to the same customer as ``record``.

    A symmetric rule meets the same value; a cross rule's query side meets the target side
    (a short name looks for full names, a full name for short names already stored).
    """
    return [
        KeyProbe(rule, int(_OPPOSITE[side]), value) for rule, side, value in blocking_values(record)
    ]


def strong_keys(record: MatchRecord) -> list[str]:
    """The identity keys a registration locks, so two registrations of one company serialize."""
    locks = [
        f"{rule}:{value}" for rule, _side, value in blocking_values(record) if rule in STRONG_RULES
    ]
    if record.analysis.uscc:
        locks.append(f"uscc:{record.analysis.uscc}")
    return locks
