"""The limits that keep reading an uploaded file bounded in time and memory.

A spreadsheet comes from a user, so every size in it is untrusted: the limits are data the caller
can tighten (a web upload) or loosen (an administrator's one-off migration), never constants
buried in the readers.
"""

from __future__ import annotations

from dataclasses import dataclass

from zhengming.errors import InvalidInputError

#: Excel's own limit on the characters in one cell.
EXCEL_MAX_CELL_LENGTH = 32_767

_MIB = 1024 * 1024


@dataclass(frozen=True, kw_only=True)
class ReadLimits:
    """How much of a file the readers accept before they stop.

    Attributes:
        max_rows: data rows after which reading stops with ``DataFileError`` (None: no limit).
        max_cell_length: longer cells are reported as a row problem and read as None.
        max_uncompressed_bytes: an XLSX/ODS whose contents inflate beyond this is refused.
        max_compression_ratio: an XLSX/ODS inflating more than this many times its size is
            refused once it inflates beyond ``ratio_checked_from_bytes`` (a zip bomb).
        ratio_checked_from_bytes: small files may compress very well; only big ones are suspect.
        encoding_sample_bytes: bytes of a CSV looked at to detect its encoding and delimiter.
        header_search_rows: non-blank rows searched for the header row.

    Example:
        >>> ReadLimits(max_rows=100_000).max_cell_length
        32767
    """

    max_rows: int | None = None
    max_cell_length: int = EXCEL_MAX_CELL_LENGTH
    max_uncompressed_bytes: int = 1024 * _MIB
    max_compression_ratio: float = 100.0
    ratio_checked_from_bytes: int = 64 * _MIB
    encoding_sample_bytes: int = 256 * 1024
    header_search_rows: int = 10

    def __post_init__(self) -> None:
        sizes = {
            "max_cell_length": self.max_cell_length,
            "max_uncompressed_bytes": self.max_uncompressed_bytes,
            "ratio_checked_from_bytes": self.ratio_checked_from_bytes,
            "encoding_sample_bytes": self.encoding_sample_bytes,
            "header_search_rows": self.header_search_rows,
        }
        if self.max_rows is not None:
            sizes["max_rows"] = self.max_rows
        bad = sorted(name for name, value in sizes.items() if value < 1)
        if bad or self.max_compression_ratio <= 1:
            raise InvalidInputError(
                "读取限制必须为正数 / read limits must be positive",
                details={"limits": bad or ["max_compression_ratio"]},
            )
