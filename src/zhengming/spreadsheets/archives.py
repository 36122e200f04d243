"""Refusing zip bombs before a spreadsheet library inflates them.

XLSX and ODS files are zip archives, and a few kilobytes of deflated XML can inflate to
gigabytes. The check runs in two steps: the sizes the archive declares (free, catches the usual
bomb) and then the sizes it really inflates to, measured by streaming every member through zlib
with bounded output, because the declared sizes are written by whoever made the file.
"""

from __future__ import annotations

import struct
import zipfile
import zlib
from pathlib import Path
from typing import BinaryIO

from zhengming.errors import DataFileError
from zhengming.spreadsheets.limits import ReadLimits
from zhengming.spreadsheets.refusals import Refusal, refuse

_LOCAL_HEADER = struct.Struct("<4s22xHH")
_CHUNK = 1024 * 1024


def check_archive(path: Path, limits: ReadLimits) -> int:
    """Measure what the zip at ``path`` inflates to; refuse it if that breaks ``limits``.

    Returns:
        The total inflated size in bytes.

    Raises:
        DataFileError: the archive is corrupt, uses an unusual compression, inflates beyond
            ``limits.max_uncompressed_bytes`` or by more than ``limits.max_compression_ratio``.
    """
    size = path.stat().st_size
    ceiling = _ceiling(size, limits)
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            declared = sum(member.file_size for member in members)
            if declared > ceiling:
                raise _bomb(path, declared, size, limits)
            inflated = 0
            with path.open("rb") as raw:
                for member in members:
                    inflated = _inflate(raw, member, inflated, ceiling)
                    if inflated > ceiling:
                        raise _bomb(path, inflated, size, limits)
    except (zipfile.BadZipFile, zlib.error, struct.error, OSError, EOFError) as exc:
        raise refuse(
            path, Refusal.CORRUPT, "文件已损坏（zip 无法解压）/ the file is corrupt"
        ) from exc
    return inflated


def _ceiling(size: int, limits: ReadLimits) -> int:
    """The largest inflated size accepted for an archive of ``size`` bytes."""
    by_ratio = max(int(size * limits.max_compression_ratio), limits.ratio_checked_from_bytes)
    return min(limits.max_uncompressed_bytes, by_ratio)


def _inflate(raw: BinaryIO, member: zipfile.ZipInfo, total: int, ceiling: int) -> int:
    """``total`` plus the bytes ``member`` inflates to, stopping as soon as it passes ``ceiling``."""
    raw.seek(member.header_offset)
    signature, name_length, extra_length = _LOCAL_HEADER.unpack(raw.read(_LOCAL_HEADER.size))
    if signature != b"PK\x03\x04":
        raise zipfile.BadZipFile(f"bad local header for {member.filename}")
    raw.seek(name_length + extra_length, 1)
    remaining = member.compress_size
    if member.compress_type == zipfile.ZIP_STORED:
        return total + remaining
    if member.compress_type != zipfile.ZIP_DEFLATED:
        # Excel, LibreOffice and WPS only deflate; another method is either damage or a trick.
        raise zipfile.BadZipFile(f"unsupported compression {member.compress_type}")
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    while remaining > 0 and not inflater.eof:
        chunk = raw.read(min(_CHUNK, remaining))
        if not chunk:
            raise EOFError(member.filename)
        remaining -= len(chunk)
        # max_length bounds the memory of one step; the unconsumed tail is inflated in turn.
        total += len(inflater.decompress(chunk, _CHUNK))
        while inflater.unconsumed_tail and total <= ceiling:
            total += len(inflater.decompress(inflater.unconsumed_tail, _CHUNK))
        if total > ceiling:
            return total
    # Output zlib still holds once all input is in is at most one back-reference (258 bytes).
    return total + len(inflater.flush())


def _bomb(path: Path, inflated: int, size: int, limits: ReadLimits) -> DataFileError:
    return refuse(
        path,
        Refusal.ZIP_BOMB,
        "文件解压后过大，疑似“压缩炸弹”，已拒绝 / the file inflates far beyond its size and was refused",
        size_bytes=size,
        inflated_bytes_at_least=inflated,
        max_uncompressed_bytes=limits.max_uncompressed_bytes,
        max_compression_ratio=limits.max_compression_ratio,
    )
