"""Streaming the rows of a CSV or tab-separated file, one record at a time.

The file is decoded incrementally, so a million-row CSV never sits in memory whole. Bytes the
chosen encoding cannot decode (a GBK line pasted into a UTF-8 file) become U+FFFD and are
reported on their row instead of stopping the import; a quote that is never closed stops it,
with the line where the broken record starts, because every later row would be misread.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections import Counter
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import BinaryIO

from zhengming.errors import DataFileError, InvalidInputError
from zhengming.spreadsheets.charsets import detect_encoding, resolve_encoding
from zhengming.spreadsheets.limits import ReadLimits
from zhengming.spreadsheets.refusals import Refusal, refuse
from zhengming.spreadsheets.rows import ProblemCode, RawRow, RowProblem, clean_cell

#: Delimiters recognised, in order of preference on a tie.
DELIMITERS = (",", "\t", ";")
_SNIFFED_RECORDS = 50
_REPLACEMENT = "\ufffd"


class DelimitedSource:
    """The records of one delimited text file, with its encoding and delimiter decided."""

    def __init__(
        self,
        path: Path,
        *,
        encoding: str | None,
        delimiter: str | None,
        limits: ReadLimits,
    ) -> None:
        self.path = path
        self._raw: BinaryIO = path.open("rb")
        try:
            sample = self._raw.read(limits.encoding_sample_bytes)
            self._raw.seek(0)
            self.encoding = resolve_encoding(encoding) if encoding else detect_encoding(sample)
            if self.encoding == "utf-8" and sample.startswith(codecs.BOM_UTF8):
                self.encoding = "utf-8-sig"  # "UTF-8" from the caller; the BOM is no header text
            if delimiter is not None and delimiter not in DELIMITERS:
                raise InvalidInputError(
                    f"不支持的分隔符 / unsupported delimiter: {delimiter!r}",
                    details={"delimiter": delimiter, "supported": list(DELIMITERS)},
                )
            text_sample = sample.decode(self.encoding, errors="replace")
            self.delimiter = delimiter or sniff_delimiter(text_sample)
        except BaseException:
            self._raw.close()
            raise

    def rows(self) -> Iterator[RawRow]:
        """Every record with the line it starts on, cells stripped, decoding problems noted."""
        text = io.TextIOWrapper(self._raw, encoding=self.encoding, errors="replace", newline="")
        # strict: a stray quote (`"x"y`) or a quote never closed is an error, not a guess.
        reader = csv.reader(text, delimiter=self.delimiter, strict=True)
        start = 1
        while True:
            try:
                record = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                raise _malformed(self.path, start, str(exc)) from exc
            problems = tuple(
                RowProblem(
                    ProblemCode.CELL_UNDECODABLE,
                    f"第 {column + 1} 列有无法按 {self.encoding} 解码的字节，文件可能混用了编码"
                    f" / column {column + 1} has bytes that are not {self.encoding}",
                    column,
                )
                for column, cell in enumerate(record)
                if _REPLACEMENT in cell
            )
            yield RawRow(start, [clean_cell(cell) for cell in record], problems)
            start = reader.line_num + 1

    def header_candidates(self, rows: Sequence[RawRow]) -> list[tuple[int, list[str | None]]]:
        """Possible header rows among ``rows``: each row as it is (a CSV has no merged cells)."""
        return [(position, row.cells) for position, row in enumerate(rows)]

    def close(self) -> None:
        self._raw.close()


def sniff_delimiter(sample: str) -> str:
    """The delimiter that splits the first records of ``sample`` most consistently.

    Each candidate splits the sample; the one whose most common field count (above one) is
    shared by the most records wins, comma on a tie or when nothing splits. This is steadier than
    ``csv.Sniffer``, whose guesses flip on short samples and on quoted cells holding delimiters.

    Example:
        >>> sniff_delimiter("客户名称\\t地址\\r\\n腾讯\\t深圳市南山区, 科技园\\r\\n")
        '\\t'
    """
    # The sample may end inside a record: only its complete lines are looked at.
    end = max(sample.rfind("\n"), sample.rfind("\r")) + 1
    lines = sample[:end] or sample
    best, best_score = ",", (0, 0)
    for delimiter in DELIMITERS:
        counts: Counter[int] = Counter()
        reader = csv.reader(io.StringIO(lines, newline=""), delimiter=delimiter)
        try:
            for record in reader:
                if any(cell.strip() for cell in record):
                    counts[len(record)] += 1
                if reader.line_num >= _SNIFFED_RECORDS:
                    break
        except csv.Error:
            continue
        width, records = max(counts.items(), key=lambda item: (item[1], item[0]), default=(0, 0))
        score = (records, width) if width > 1 else (0, 0)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _malformed(path: Path, line: int, reason: str) -> DataFileError:
    if "field larger than field limit" in reason:
        hint = (
            "引号没有闭合，或单元格超过 131072 个字符 / a quote is never closed, or a cell is huge"
        )
    else:
        hint = "引号不配对 / unbalanced quotes"
    return refuse(
        path, Refusal.MALFORMED_CSV, f"CSV 格式错误：第 {line} 行起 {hint}", line=line, error=reason
    )
