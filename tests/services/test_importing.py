"""Importing spreadsheets: preview verdicts, runs in every mode, resume, revert (SQLite and
PostgreSQL through the ``services`` fixture). Files are made here, as Chinese Excel saves them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.spreadsheets.builders import customers_xlsx, excel_gbk_csv
from tests.support.seeding import fresh_uscc, seed
from zhengming.bootstrap import Services
from zhengming.domain.customer import SYSTEM, CustomerStatus, NameType
from zhengming.errors import (
    BatchError,
    ColumnNotFoundError,
    InvalidInputError,
    InvalidStateError,
)
from zhengming.services.bulk import BulkCustomer
from zhengming.services.commands import CustomerUpdate
from zhengming.services.importing import ImportService
from zhengming.services.importing.applying import RowApplier
from zhengming.services.ports import CustomerFilter, ImportRow

HEADER = ["客户名称", "统一社会信用代码", "联系人", "手机"]
INVALID_USCC = "914403001922038217"  # the check character of 914403001922038216 changed


def gbk_csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    """A CSV as Chinese Excel saves it: GBK, CRLF line ends, empty cells as nothing."""
    lines = [",".join(header)] + [",".join(row) for row in rows]
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("gbk"))
    return path


@pytest.fixture
def base(services: Services) -> dict[str, str]:
    """Stored customers the file's rows meet: by name, by credit code, probably."""
    huawei_uscc = fresh_uscc()
    numbers = seed(
        services,
        [
            BulkCustomer("平安银行股份有限公司"),
            BulkCustomer("华为技术有限公司", uscc=huawei_uscc),
            BulkCustomer("杭州娃哈哈集团有限公司"),
        ],
    )
    return {"pa": numbers[0], "hw": numbers[1], "whh": numbers[2], "hw_uscc": huawei_uscc}


@pytest.fixture
def customer_file(tmp_path: Path, base: dict[str, str]) -> Path:
    return gbk_csv(
        tmp_path / "客户名单.csv",
        HEADER,
        [
            ["平安银行股份有限公司", "", "张三", "13800138000"],  # 2: duplicate (same name)
            ["北京字节跳动科技有限公司", "", "李四", "13900139000"],  # 3: new
            ["字节跳动（北京）科技有限公司", "", "王五", "13600136000"],  # 4: row 3 again
            ["王总", "", "", "13500135000"],  # 5: a title, not a customer
            ["小米科技有限责任公司", INVALID_USCC, "", ""],  # 6: invalid credit code
            ["华为技术有限公司", base["hw_uscc"], "赵六", "13700137000"],  # 7: update (USCC)
            ["娃哈哈集团有限公司", "", "", ""],  # 8: uncertain (likely 杭州娃哈哈集团有限公司)
        ],
    )


def _id(services: Services, number: str) -> int:
    return services.customers.get(number, actor=SYSTEM).id


def _verdicts(services: Services, batch_id: int) -> dict[int, str]:
    return {row.row_number: row.verdict for row in services.imports.rows(batch_id)}


def _actions(services: Services, batch_id: int) -> dict[int, tuple[str | None, int | None]]:
    return {
        row.row_number: (row.action, row.customer_id) for row in services.imports.rows(batch_id)
    }


def _pending_clusters(services: Services) -> dict[int, list[int]]:
    """Pending review clusters (what the review queue lists) -> their members."""
    with services.database.unit_of_work() as uow:
        clusters: dict[int, set[int]] = {}
        for pair in uow.duplicates.pairs(statuses=("pending",)):
            cluster = uow.duplicates.cluster(pair.cluster_id or 0)
            if cluster is not None and cluster.status == "pending":
                clusters.setdefault(cluster.id, set()).update((pair.customer_a, pair.customer_b))
    return {cluster_id: sorted(members) for cluster_id, members in clusters.items()}


def _count(services: Services, *statuses: str) -> int:
    page = services.customers.list(
        actor=SYSTEM, filters=CustomerFilter(status=statuses or ("active",)), page_size=1
    )
    return page.total


def test_the_preview_gives_every_row_a_verdict_and_writes_no_customer(
    services: Services, base: dict[str, str], customer_file: Path
) -> None:
    preview = services.imports.preview(customer_file, actor=SYSTEM)

    rows = {row.row_number: row for row in preview.rows}
    assert _verdicts(services, preview.batch.id) == {
        2: "duplicate",
        3: "new",
        4: "duplicate_in_file",
        5: "invalid",
        6: "invalid",
        7: "update",
        8: "uncertain",
    }
    assert rows[2].matched_customer_id == _id(services, base["pa"])
    assert rows[2].decision == "same"
    assert rows[2].evidence is not None
    assert rows[2].evidence["customer_no"] == base["pa"]
    assert rows[2].evidence["evidence"]  # the comparisons that decided it
    assert rows[4].duplicate_of_row == 3
    assert [p["code"] for p in rows[5].problems if p["severity"] == "error"] == [
        "individual.title_as_name"
    ]
    assert rows[6].problems[0]["code"] == "uscc.invalid"
    assert rows[6].standard_name == "小米科技有限责任公司"
    assert rows[7].matched_customer_id == _id(services, base["hw"])
    assert rows[7].evidence is not None
    assert rows[7].evidence["by"] == "uscc"
    assert rows[8].matched_customer_id == _id(services, base["whh"])
    assert rows[8].decision == "likely"
    assert rows[3].data == {
        "name": "北京字节跳动科技有限公司",
        "contact_name": "李四",
        "phone": "13900139000",
    }

    batch = preview.batch
    assert batch.status == "previewed"
    assert batch.totals == {
        "new": 1,
        "update": 1,
        "duplicate": 1,
        "uncertain": 1,
        "duplicate_in_file": 1,
        "invalid": 2,
    }
    assert (batch.format, batch.encoding, batch.file_name) == ("csv", "gb18030", "客户名单.csv")
    assert len(batch.sha256) == 64
    assert batch.mapping["headers"]["name"] == "客户名称"
    assert batch.created_by == SYSTEM.username
    assert _count(services) == 3


def test_skip_mode_creates_only_the_new_customer_and_its_file_duplicate_joins_it(
    services: Services, base: dict[str, str], customer_file: Path
) -> None:
    preview = services.imports.preview(customer_file, actor=SYSTEM)
    result = services.imports.run(preview.batch.id, actor=SYSTEM, on_duplicate="skip")

    assert result.batch.status == "done"
    assert result.batch.result == {
        "created": 1,
        "updated": 0,
        "merged": 1,
        "queued": 0,
        "skipped": 5,
        "failed": 0,
    }
    actions = _actions(services, preview.batch.id)
    created_id = actions[3][1]
    assert created_id is not None
    assert actions[4] == ("merged", created_id)
    assert actions[2] == ("skipped", _id(services, base["pa"]))
    created = services.customers.get(created_id, actor=SYSTEM)
    assert created.name == "北京字节跳动科技有限公司"
    assert ("字节跳动（北京）科技有限公司", NameType.FORMER) in {
        (n.name, n.type) for n in created.names
    }
    assert {c.phone for c in created.contacts} == {"+8613900139000", "+8613600136000"}
    assert _count(services) == 4
    job = services.scans.job(result.batch.job_id or 0)
    assert job is not None
    assert (job.kind, job.status, job.done, job.total) == ("import", "succeeded", 7, 7)

    with pytest.raises(InvalidStateError):
        services.imports.run(preview.batch.id, actor=SYSTEM)
    assert _count(services) == 4


def test_a_run_that_stopped_resumes_and_applies_no_row_twice(
    services: Services, customer_file: Path
) -> None:
    imports = ImportService(services.database.unit_of_work, services.customers, chunk_size=2)
    preview = imports.preview(customer_file, actor=SYSTEM)

    def crash(stage: str, done: int, total: int) -> None:
        raise RuntimeError("power cut")

    with pytest.raises(BatchError):
        imports.run(preview.batch.id, actor=SYSTEM, progress=crash)
    stopped = imports.batch(preview.batch.id)
    assert stopped.status == "running"
    applied = [row for row in imports.rows(preview.batch.id) if row.action]
    assert len(applied) == 2
    with pytest.raises(InvalidStateError):  # resumed in the mode it started with, or not at all
        imports.run(preview.batch.id, actor=SYSTEM, on_duplicate="update")

    result = imports.run(preview.batch.id, actor=SYSTEM)

    assert result.batch.status == "done"
    assert result.batch.result is not None
    assert result.batch.result["created"] == 1
    assert sum(result.batch.result.values()) == 7
    assert _count(services) == 4


def test_a_row_that_breaks_its_chunk_fails_alone(
    services: Services, customer_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    apply = RowApplier.apply

    def broken(self: RowApplier, row: ImportRow) -> dict[str, Any]:
        if row.row_number == 3:
            raise RuntimeError("disk full")
        return apply(self, row)

    monkeypatch.setattr(RowApplier, "apply", broken)
    preview = services.imports.preview(customer_file, actor=SYSTEM)

    result = services.imports.run(preview.batch.id, actor=SYSTEM)

    assert [(row.row_number, row.error) for row in result.failed] == [
        (3, {"code": "batch.failed", "message": "disk full"})
    ]
    actions = _actions(services, preview.batch.id)
    assert actions[3] == ("failed", None)
    assert actions[4] == ("skipped", None)  # its representative created nothing
    assert actions[2][0] == "skipped"


def test_revert_archives_what_the_run_created_and_is_audited(
    services: Services, customer_file: Path
) -> None:
    preview = services.imports.preview(customer_file, actor=SYSTEM)
    services.imports.run(preview.batch.id, actor=SYSTEM)
    created_id = _actions(services, preview.batch.id)[3][1]
    assert created_id is not None

    result = services.imports.revert(preview.batch.id, actor=SYSTEM, reason="导错了文件")

    created = services.customers.get(created_id, actor=SYSTEM)
    assert created.status is CustomerStatus.ARCHIVED
    assert result.archived == [created.customer_no]
    assert result.conflicts == []
    assert services.imports.batch(preview.batch.id).status == "reverted"
    assert _count(services) == 3
    history = services.customers.history(created.customer_no, actor=SYSTEM)
    assert [entry["action"] for entry in history][-1] == "customer.archive"
    with services.database.unit_of_work() as uow:
        actions = [e["action"] for e in uow.audit.history("import_batch", str(preview.batch.id))]
    assert actions == ["import.run", "import.revert"]
    with pytest.raises(InvalidStateError):
        services.imports.revert(preview.batch.id, actor=SYSTEM, reason="again")


def test_update_mode_fills_empty_fields_and_revert_restores_them(
    services: Services, base: dict[str, str], tmp_path: Path
) -> None:
    path = gbk_csv(
        tmp_path / "更新.csv",
        [*HEADER, "行业", "标签", "简称"],
        [
            [
                "华为技术有限公司",
                base["hw_uscc"],
                "赵六",
                "13700137000",
                "I65",
                "重点;华南",
                "华为",
            ],
            ["平安银行股份有限公司", "", "张三", "13800138000", "J66", "", ""],
        ],
    )
    preview = services.imports.preview(path, actor=SYSTEM)
    assert _verdicts(services, preview.batch.id) == {2: "update", 3: "duplicate"}

    result = services.imports.run(preview.batch.id, actor=SYSTEM, on_duplicate="update")

    assert result.batch.result is not None
    assert result.batch.result["updated"] == 2
    huawei = services.customers.get(base["hw"], actor=SYSTEM)
    assert huawei.industry == "I65"
    assert set(huawei.tags) == {"重点", "华南"}
    assert ("华为", NameType.SHORT) in {(n.name, n.type) for n in huawei.names}
    assert [c.phone for c in huawei.contacts] == ["+8613700137000"]
    ping_an = services.customers.get(base["pa"], actor=SYSTEM)
    assert ping_an.industry == "J66"
    # Someone corrects the industry after the import: the revert keeps their value.
    services.customers.update(
        base["pa"],
        CustomerUpdate(industry="J67"),
        expected_version=ping_an.version,
        actor=SYSTEM,
    )

    reverted = services.imports.revert(preview.batch.id, actor=SYSTEM, reason="测试撤销")

    huawei = services.customers.get(base["hw"], actor=SYSTEM)
    assert (huawei.industry, huawei.tags, huawei.contacts) == (None, (), ())
    assert [n.type for n in huawei.names] == [NameType.LEGAL]
    assert huawei.status is CustomerStatus.ACTIVE
    assert services.customers.get(base["pa"], actor=SYSTEM).industry == "J67"
    assert sorted(reverted.restored) == sorted([base["hw"], base["pa"]])
    assert [(c["customer_no"], c["field"], c["current"]) for c in reverted.conflicts] == [
        (base["pa"], "industry", "J67")
    ]


def test_create_mode_is_refused_without_a_reason(services: Services, customer_file: Path) -> None:
    preview = services.imports.preview(customer_file, actor=SYSTEM)

    with pytest.raises(InvalidInputError):
        services.imports.run(preview.batch.id, actor=SYSTEM, on_duplicate="create")
    assert services.imports.batch(preview.batch.id).status == "previewed"

    result = services.imports.run(
        preview.batch.id, actor=SYSTEM, on_duplicate="create", reason="分公司另立户头"
    )
    assert result.batch.result is not None
    # The uncertain row is created with the reason; a same-customer duplicate never is.
    assert result.batch.result["created"] == 2
    assert _actions(services, preview.batch.id)[2][0] == "skipped"


def test_review_mode_queues_uncertain_rows_and_revert_takes_them_back(
    services: Services, base: dict[str, str], customer_file: Path
) -> None:
    preview = services.imports.preview(customer_file, actor=SYSTEM)
    services.imports.run(preview.batch.id, actor=SYSTEM, on_duplicate="review")

    action, queued_id = _actions(services, preview.batch.id)[8]
    assert action == "queued"
    assert queued_id is not None
    whh_id = _id(services, base["whh"])
    assert list(_pending_clusters(services).values()) == [sorted([whh_id, queued_id])]

    services.imports.revert(preview.batch.id, actor=SYSTEM, reason="复核前撤销")

    assert _pending_clusters(services) == {}
    assert services.customers.get(queued_id, actor=SYSTEM).status is CustomerStatus.ARCHIVED


def test_a_header_only_file_previews_zero_rows(services: Services, tmp_path: Path) -> None:
    preview = services.imports.preview(gbk_csv(tmp_path / "空.csv", HEADER, []), actor=SYSTEM)

    assert (preview.batch.row_count, preview.rows) == (0, [])
    assert set(preview.batch.totals.values()) == {0}
    assert services.imports.run(preview.batch.id, actor=SYSTEM).batch.result == {
        "created": 0,
        "updated": 0,
        "merged": 0,
        "queued": 0,
        "skipped": 0,
        "failed": 0,
    }


def test_a_file_without_a_name_column_is_a_clear_error(services: Services, tmp_path: Path) -> None:
    path = gbk_csv(
        tmp_path / "无名称.csv", ["序号", "联系人", "手机"], [["1", "张三", "13800138000"]]
    )

    with pytest.raises(ColumnNotFoundError) as caught:
        services.imports.preview(path, actor=SYSTEM)

    assert caught.value.details["header"] == ["序号", "联系人", "手机"]
    assert "序号, 联系人, 手机" in caught.value.message


def test_a_mapping_names_the_column_the_header_words_miss(
    services: Services, tmp_path: Path
) -> None:
    path = gbk_csv(tmp_path / "抬头.csv", ["抬头", "手机"], [["北京字节跳动科技有限公司", ""]])

    preview = services.imports.preview(path, actor=SYSTEM, mapping={"name": "抬头"})

    assert _verdicts(services, preview.batch.id) == {2: "new"}


def test_a_customer_number_in_the_file_updates_that_customer_and_never_an_id(
    services: Services, base: dict[str, str], tmp_path: Path
) -> None:
    path = gbk_csv(
        tmp_path / "编号.csv",
        ["客户编号", "客户名称"],
        [[base["whh"], "娃哈哈"], [str(_id(services, base["pa"])), "深圳市腾讯计算机系统有限公司"]],
    )

    preview = services.imports.preview(path, actor=SYSTEM)

    rows = {row.row_number: row for row in preview.rows}
    assert (rows[2].verdict, rows[2].matched_customer_id) == ("update", _id(services, base["whh"]))
    assert (rows[3].verdict, rows[3].matched_customer_id) == ("new", None)


@pytest.mark.parametrize("builder", [excel_gbk_csv, customers_xlsx])
def test_the_spreadsheet_builders_files_preview(
    services: Services, tmp_path: Path, builder: Any
) -> None:
    path = builder(tmp_path / ("客户.xlsx" if builder is customers_xlsx else "客户.csv"))

    preview = services.imports.preview(path, actor=SYSTEM)

    verdicts = {row.data.get("name"): row.verdict for row in preview.rows}
    assert verdicts["华为技术有限公司"] == "new"
    if builder is excel_gbk_csv:
        # Its 腾讯 row carries a credit code that fails the check character.
        assert verdicts["深圳市腾讯计算机系统有限公司"] == "invalid"
    else:
        assert preview.batch.sheet == "客户"
        assert verdicts["北京字节跳动科技有限公司"] == "new"
