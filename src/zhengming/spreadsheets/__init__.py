"""The file layer of import and export: reading and writing customer tables.

Readers take CSV (UTF-8, UTF-8 with BOM, GBK/GB18030, UTF-16), XLSX/XLSM, XLS and ODS, judge
the format by content, find the header row and stream rows with every cell as text. Writers
stream CSV and XLSX atomically with spreadsheet formulas neutralised. Nothing here touches the
database or the web: the import and export services call it. docs/reference/spreadsheets.md
describes the formats, limits and header words.
"""

from zhengming.spreadsheets.charsets import detect_encoding
from zhengming.spreadsheets.formats import FileFormat, detect_format
from zhengming.spreadsheets.headers import (
    FIELD_ALIASES,
    FIELDS,
    HeaderMapping,
    map_headers,
    match_field,
    normalize_header,
)
from zhengming.spreadsheets.limits import EXCEL_MAX_CELL_LENGTH, ReadLimits
from zhengming.spreadsheets.reading import TableReader, open_table
from zhengming.spreadsheets.refusals import Refusal
from zhengming.spreadsheets.rows import ProblemCode, Row, RowProblem
from zhengming.spreadsheets.writing import (
    iter_csv_bytes,
    neutralize_cell,
    write_csv,
    write_xlsx,
)

__all__ = [
    "EXCEL_MAX_CELL_LENGTH",
    "FIELDS",
    "FIELD_ALIASES",
    "FileFormat",
    "HeaderMapping",
    "ProblemCode",
    "ReadLimits",
    "Refusal",
    "Row",
    "RowProblem",
    "TableReader",
    "detect_encoding",
    "detect_format",
    "iter_csv_bytes",
    "map_headers",
    "match_field",
    "neutralize_cell",
    "normalize_header",
    "open_table",
    "write_csv",
    "write_xlsx",
]
