"""One page of a longer list, as every list answer (customers, review clusters) returns it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar


class _Described(Protocol):
    def to_dict(self) -> dict[str, Any]: ...


Item = TypeVar("Item", bound=_Described)


@dataclass(frozen=True, slots=True)
class Page(Generic[Item]):
    items: list[Item]
    total: int
    page: int
    page_size: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "items": [item.to_dict() for item in self.items],
            "total": self.total,
            "page": self.page,
            "page_size": self.page_size,
        }
