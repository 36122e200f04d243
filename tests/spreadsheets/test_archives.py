from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from tests.spreadsheets.builders import customers_xlsx, zip_bomb_xlsx
from zhengming.errors import DataFileError, InvalidInputError
from zhengming.spreadsheets import ReadLimits, open_table
from zhengming.spreadsheets.archives import check_archive

MIB = 1024 * 1024


def test_an_ordinary_workbook_measures_what_it_declares(tmp_path: Path) -> None:
    path = customers_xlsx(tmp_path / "c.xlsx")
    with zipfile.ZipFile(path) as archive:
        declared = sum(member.file_size for member in archive.infolist())
    assert check_archive(path, ReadLimits()) == declared


def test_a_zip_bomb_is_refused_with_the_default_limits(tmp_path: Path) -> None:
    # 80 MiB of sheet XML in a file of about 200 KB: past 64 MiB, a ratio of 100 is the limit.
    path = zip_bomb_xlsx(tmp_path / "bomb.xlsx", inflated_mib=80)
    assert path.stat().st_size < 1 * MIB
    with pytest.raises(DataFileError) as info:
        open_table(path)
    assert info.value.details["reason"] == "zip_bomb"


def test_a_bomb_lying_about_its_size_is_measured(tmp_path: Path) -> None:
    path = zip_bomb_xlsx(tmp_path / "bomb.xlsx", inflated_mib=12, lie_about_size=True)
    with zipfile.ZipFile(path) as archive:
        assert sum(member.file_size for member in archive.infolist()) < MIB
    limits = ReadLimits(max_uncompressed_bytes=8 * MIB)
    with pytest.raises(DataFileError) as info:
        check_archive(path, limits)
    assert info.value.details["reason"] == "zip_bomb"
    assert info.value.details["inflated_bytes_at_least"] > 8 * MIB


def test_the_total_size_limit_applies_to_compressible_but_honest_files(tmp_path: Path) -> None:
    path = zip_bomb_xlsx(tmp_path / "big.xlsx", inflated_mib=3)
    check_archive(path, ReadLimits())
    with pytest.raises(DataFileError):
        check_archive(path, ReadLimits(max_uncompressed_bytes=2 * MIB))


def test_a_damaged_member_is_corrupt(tmp_path: Path) -> None:
    path = customers_xlsx(tmp_path / "c.xlsx")
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        member = archive.getinfo("xl/worksheets/sheet1.xml")
    start = member.header_offset + 30 + len(member.filename)
    data[start : start + 40] = b"\xff" * 40
    path.write_bytes(bytes(data))
    with pytest.raises(DataFileError) as info:
        open_table(path)
    assert info.value.details["reason"] == "corrupt"


@pytest.mark.parametrize("field", ["max_rows", "max_cell_length", "max_uncompressed_bytes"])
def test_limits_must_be_positive(field: str) -> None:
    with pytest.raises(InvalidInputError):
        ReadLimits(**{field: 0})
