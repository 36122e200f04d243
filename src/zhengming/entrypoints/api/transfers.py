"""Spreadsheets in and out: ``/imports`` (upload, preview, run, revert) and ``/exports``.

An import is three steps, as on the command line. ``POST /imports`` takes the file (multipart,
up to the ``max_upload_bytes`` setting), previews it and answers 201 with every row's verdict
stored as an import batch; nothing is written to the customers. ``POST /imports/{id}/run``
queues the run as a job and answers 202 at once (``GET /jobs/{id}`` shows its progress);
``POST /imports/{id}/revert`` undoes it. Exports stream: the CSV row by row as the customers
are read, the XLSX from a temporary file deleted once sent.

The upload is kept in a temporary file under the data directory only while it is previewed:
the batch stores what the run needs. A file the reader refuses (empty, corrupt, a zip bomb)
answers 422 with the reader's code ``data_file.invalid`` and ``details.reason``; the library
files that error under 500 because for a packaged lexicon it is the server's fault.
"""

from __future__ import annotations

import datetime
import json
import logging
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path as FilePath
from typing import Annotated, Any, Literal
from urllib.parse import quote

from fastapi import (
    APIRouter,
    BackgroundTasks,
    Depends,
    File,
    Form,
    Path,
    Query,
    Request,
    Response,
    UploadFile,
)
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from zhengming.bootstrap import Services
from zhengming.domain.customer import Actor, CustomerType
from zhengming.entrypoints.api.deps import CurrentActor, ServicesDep, current_actor
from zhengming.entrypoints.api.errors import HttpError, error_responses
from zhengming.entrypoints.api.review import JobPublic
from zhengming.entrypoints.api.schemas import ListedStatus
from zhengming.errors import DataFileError, InvalidInputError
from zhengming.services.commands import Reason, ShortText
from zhengming.services.exporting import HEADER
from zhengming.services.ports import CustomerFilter
from zhengming.spreadsheets import iter_csv_bytes

logger = logging.getLogger("zhengming.api")

router = APIRouter(responses=error_responses({413: "`input.too_large`", 422: "`input.invalid`"}))

#: Paths (under the API prefix) that take file uploads, and so the upload size limit.
UPLOAD_PATHS = ("/imports",)
#: Where uploads and XLSX exports wait, under the data directory (owner-only).
TEMPORARY_DIR = "tmp"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_CHUNK_BYTES = 64 * 1024
_CHARSETS = {"utf-8-sig": "utf-8", "gbk": "gb18030"}  # GBK is written as GB18030, its superset

BatchId = Annotated[int, Path(ge=1, le=2**63 - 1, description="id of the import batch")]
OnDuplicate = Literal["skip", "update", "review", "create"]

_NO_BATCH = {404: "`not_found`: no such import batch"}
_REFUSED_FILE = (
    "`data_file.invalid` (details.reason: empty, corrupt, zip_bomb, malformed_csv, "
    "not_a_spreadsheet, ...), `input.column_not_found` (no customer-name column; details.header), "
    "`input.invalid` (an unknown encoding or sheet, a bad mapping)"
)


# --- request and answer shapes --------------------------------------------------------------


class ImportBatchPublic(BaseModel):
    """An uploaded file: how it was read and mapped, its verdict totals, its run and revert."""

    id: int
    status: Literal["previewed", "running", "done", "reverted"]
    file_name: str
    sha256: str
    format: str = Field(description="csv, xlsx, xls or ods (judged from the bytes)")
    encoding: str | None = Field(description="a CSV's encoding as read")
    sheet: str | None
    header_row: int | None
    mapping: dict[str, Any] = Field(description="the header mapping used (saveable)")
    row_count: int
    totals: dict[str, int] = Field(description="rows per verdict")
    on_duplicate: OnDuplicate | None
    reason: str | None
    job_id: int | None = Field(description="the run's job (GET /jobs/{id})")
    result: dict[str, int] | None = Field(description="rows per action once the run is done")
    created_by: str
    created_at: datetime.datetime
    started_at: datetime.datetime | None
    finished_at: datetime.datetime | None
    reverted_by: str | None
    reverted_at: datetime.datetime | None
    revert_report: dict[str, Any] | None


class ImportRowPublic(BaseModel):
    """One data row: its verdict at preview and, once run, what the run did with it."""

    row: int = Field(description="the row (or line) number the user sees in the file")
    verdict: Literal["new", "update", "duplicate", "uncertain", "duplicate_in_file", "invalid"]
    standard_name: str | None
    matched_customer_id: int | None
    duplicate_of_row: int | None
    decision: str | None
    probability: float | None
    evidence: dict[str, Any] | None = Field(description="the best stored match and why")
    problems: list[dict[str, Any]] = Field(description="{code, severity, message, suggestion}")
    data: dict[str, Any] = Field(description="the row's mapped cells: field -> text")
    action: str | None = Field(description="created, updated, merged, queued, skipped, failed")
    customer_id: int | None
    changes: dict[str, Any] | None
    error: dict[str, Any] | None


class ImportPreviewPublic(BaseModel):
    """The stored preview: totals per verdict and the first 200 rows (page through the rest)."""

    batch_id: int
    batch: ImportBatchPublic
    header: list[str | None]
    totals: dict[str, int]
    rows: list[ImportRowPublic]


class ImportRowsPublic(BaseModel):
    items: list[ImportRowPublic]
    total: int
    page: int
    page_size: int


class ImportBatchDetailPublic(BaseModel):
    """A batch and one page of its rows."""

    batch: ImportBatchPublic
    rows: ImportRowsPublic


class RowPageQuery(BaseModel):
    page: int = Field(default=1, ge=1, le=1_000_000)
    page_size: int = Field(default=50, ge=1, le=500)


class ImportRunRequest(BaseModel):
    """How the run treats rows that match stored customers (see ``zhengming import --help``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    on_duplicate: OnDuplicate = "skip"
    reason: Reason | None = Field(default=None, description="required by create")


class ImportRevertRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    reason: Reason


class RevertPublic(BaseModel):
    """What a revert did: customers archived and restored, values changed since (kept)."""

    batch_id: int
    archived: list[str] = Field(description="customer numbers")
    restored: list[str] = Field(description="customer numbers")
    conflicts: list[dict[str, Any]]


class ExportQuery(BaseModel):
    """Which customers to export (always only those the caller may see)."""

    model_config = ConfigDict(extra="forbid")

    status: list[ListedStatus] = Field(
        default_factory=lambda: list[ListedStatus](["active"]),
        description="repeat for several",
        max_length=3,
    )
    type: CustomerType | None = None
    industry: ShortText | None = None
    region_code: str | None = Field(default=None, max_length=6)
    owner: ShortText | None = None
    team: ShortText | None = None
    tag: ShortText | None = None

    def filters(self) -> CustomerFilter:
        return CustomerFilter(
            status=tuple(self.status),
            type=self.type.value if self.type else None,
            industry=self.industry,
            region_code=self.region_code,
            owner=self.owner,
            team=self.team,
            tag=self.tag,
        )


class CsvExportQuery(ExportQuery):
    encoding: Literal["utf-8-sig", "gbk"] = Field(
        default="utf-8-sig",
        description="UTF-8 with a BOM (Excel opens it), or GBK for older Excel and WPS",
    )


# --- imports --------------------------------------------------------------------------------


@router.post(
    "/imports",
    status_code=201,
    response_model=ImportPreviewPublic,
    tags=["imports"],
    summary="Upload a spreadsheet and preview it: every row's verdict, stored as a batch",
    responses=error_responses(
        {
            413: "`input.too_large`: the file is larger than the max_upload_bytes setting",
            422: _REFUSED_FILE,
        }
    ),
)
def upload_import(
    services: ServicesDep,
    actor: CurrentActor,
    request: Request,
    response: Response,
    file: Annotated[UploadFile, File(description="CSV (UTF-8 or GBK), XLSX, XLS or ODS")],
    encoding: Annotated[
        str | None, Form(max_length=40, description="a CSV's encoding; default: detected")
    ] = None,
    sheet: Annotated[
        str | None, Form(max_length=100, description="worksheet; default: the first with data")
    ] = None,
    mapping: Annotated[
        str | None,
        Form(
            max_length=100_000,
            description='JSON: field -> header or 0-based column, e.g. {"name": "单位", '
            '"phone": 3}, or a batch\'s saved mapping',
        ),
    ] = None,
) -> dict[str, Any]:
    overrides = _mapping(mapping)
    name = FilePath(file.filename or "").name or "upload"
    with _stored(file, services.settings.data_dir) as path:
        try:
            preview = services.imports.preview(
                path,
                actor=actor,
                encoding=encoding or None,
                sheet=sheet or None,
                mapping=overrides,
                file_name=name,
            )
        except DataFileError as exc:
            if "reason" not in exc.details:
                raise  # not the reader's refusal: a server-side data file failed (500)
            raise _refused(exc, path, name) from exc
    response.headers["Location"] = str(request.url_for("read_import", batch_id=preview.batch.id))
    return preview.to_dict()


@router.get(
    "/imports/{batch_id}",
    response_model=ImportBatchDetailPublic,
    tags=["imports"],
    summary="An import batch: status, verdict totals, run result, and a page of its rows",
    dependencies=[Depends(current_actor)],
    responses=error_responses(_NO_BATCH),
)
def read_import(
    batch_id: BatchId, query: Annotated[RowPageQuery, Query()], services: ServicesDep
) -> dict[str, Any]:
    rows = services.imports.row_page(batch_id, page=query.page, page_size=query.page_size)
    return {"batch": services.imports.batch(batch_id).to_dict(), "rows": rows.to_dict()}


@router.post(
    "/imports/{batch_id}/run",
    status_code=202,
    response_model=JobPublic,
    tags=["imports"],
    summary="Run a previewed batch (or resume a stopped one) in the background; answers its job",
    responses=error_responses(
        {
            **_NO_BATCH,
            409: "`customer.invalid_state`: the batch is done, reverted, running right now, or "
            "was started in another mode",
            422: "`input.invalid` (create without a reason)",
        }
    ),
)
def run_import(
    batch_id: BatchId,
    run: ImportRunRequest,
    services: ServicesDep,
    actor: CurrentActor,
    request: Request,
    response: Response,
    background: BackgroundTasks,
) -> dict[str, Any]:
    job = services.imports.create_job(
        batch_id, actor=actor, on_duplicate=run.on_duplicate, reason=run.reason
    )
    background.add_task(_run_import, services, batch_id, job.id, actor=actor, run=run)
    response.headers["Location"] = str(request.url_for("read_job", job_id=job.id))
    return job.to_dict()


@router.post(
    "/imports/{batch_id}/revert",
    response_model=RevertPublic,
    tags=["imports"],
    summary="Undo a run: archive what it created, restore what it updated",
    responses=error_responses(
        {
            **_NO_BATCH,
            409: "`customer.invalid_state`: never run, running right now, or already reverted",
        }
    ),
)
def revert_import(
    batch_id: BatchId, revert: ImportRevertRequest, services: ServicesDep, actor: CurrentActor
) -> dict[str, Any]:
    return services.imports.revert(batch_id, actor=actor, reason=revert.reason).to_dict()


def _run_import(
    services: Services, batch_id: int, job_id: int, *, actor: Actor, run: ImportRunRequest
) -> None:
    """Run the queued import after the answer was sent; the job records a failure, so it is
    only logged here (there is no caller left to answer)."""
    try:
        services.imports.run(
            batch_id,
            actor=actor,
            on_duplicate=run.on_duplicate,
            reason=run.reason,
            job_id=job_id,
        )
    except Exception:
        logger.exception("import job %s (batch %s) failed", job_id, batch_id)


def _mapping(text: str | None) -> dict[str, Any] | None:
    if not text or not text.strip():
        return None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidInputError(
            f"列映射不是有效的 JSON / the mapping is not valid JSON: {exc.msg}",
            details={"field": "mapping"},
        ) from exc
    if not isinstance(data, dict):
        raise InvalidInputError(
            "列映射必须是 JSON 对象 / the mapping must be a JSON object",
            details={"field": "mapping"},
        )
    return data


@contextmanager
def _stored(upload: UploadFile, data_dir: FilePath) -> Iterator[FilePath]:
    """The upload copied to an owner-only temporary file under the data directory, removed
    when the block ends (the preview stores what the run needs)."""
    directory = _temporary_dir(data_dir)
    descriptor, name = tempfile.mkstemp(dir=directory, prefix="import-", suffix=".upload")
    path = FilePath(name)
    try:
        with os.fdopen(descriptor, "wb") as target:
            shutil.copyfileobj(upload.file, target, _CHUNK_BYTES)
        yield path
    finally:
        path.unlink(missing_ok=True)


def _refused(exc: DataFileError, path: FilePath, name: str) -> HttpError:
    """A file the reader refused, as 422 naming the uploaded file, never the server's copy."""
    message = exc.message.replace(str(path), name).replace(path.name, name)
    return HttpError(422, exc.code, message, details={**exc.details, "file": name})


# --- exports --------------------------------------------------------------------------------


@router.get(
    "/exports/customers.csv",
    response_class=StreamingResponse,
    tags=["exports"],
    summary="Export the customers the caller may see as CSV, streamed (Chinese headers)",
    responses={200: {"content": {"text/csv": {}}, "description": "the CSV file"}},
)
def export_csv(
    query: Annotated[CsvExportQuery, Query()], services: ServicesDep, actor: CurrentActor
) -> StreamingResponse:
    rows = services.exports.rows(
        actor=actor, filters=query.filters(), format="csv", encoding=query.encoding
    )
    return StreamingResponse(
        iter_csv_bytes(HEADER, rows, encoding=query.encoding),
        media_type=f"text/csv; charset={_CHARSETS[query.encoding]}",
        headers={"Content-Disposition": _attachment("客户.csv", "customers.csv")},
    )


@router.get(
    "/exports/customers.xlsx",
    response_class=StreamingResponse,
    tags=["exports"],
    summary="Export the customers the caller may see as XLSX (Chinese headers)",
    responses={200: {"content": {XLSX_TYPE: {}}, "description": "the XLSX file"}},
)
def export_xlsx(
    query: Annotated[ExportQuery, Query()], services: ServicesDep, actor: CurrentActor
) -> StreamingResponse:
    directory = _temporary_dir(services.settings.data_dir)
    descriptor, name = tempfile.mkstemp(dir=directory, prefix="export-", suffix=".xlsx")
    os.close(descriptor)
    path = FilePath(name)
    try:
        services.exports.export(path, actor=actor, filters=query.filters(), format="xlsx")
        size = path.stat().st_size
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return StreamingResponse(
        _sent_then_removed(path),
        media_type=XLSX_TYPE,
        headers={
            "Content-Disposition": _attachment("客户.xlsx", "customers.xlsx"),
            "Content-Length": str(size),
        },
    )


def _sent_then_removed(path: FilePath) -> Iterator[bytes]:
    """The file's bytes; the file is removed when they are sent or the download is cut off
    (the generator is then closed), so exports never pile up in the data directory."""
    try:
        with path.open("rb") as stream:
            while chunk := stream.read(_CHUNK_BYTES):
                yield chunk
    finally:
        path.unlink(missing_ok=True)


def _temporary_dir(data_dir: FilePath) -> FilePath:
    directory = data_dir / TEMPORARY_DIR
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    return directory


def _attachment(name: str, fallback: str) -> str:
    """``Content-Disposition`` for a download named ``name`` (RFC 6266: an ASCII fallback for
    old clients, the UTF-8 name for the rest)."""
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name)}"
