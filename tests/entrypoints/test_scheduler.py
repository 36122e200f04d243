"""The nightly scan's clock and one scheduled run."""

from __future__ import annotations

import datetime
import zoneinfo
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from tests.support.seeding import seed
from zhengming.bootstrap import build_services
from zhengming.domain.customer import SYSTEM
from zhengming.entrypoints.scheduler import NightlyScan, next_run
from zhengming.services.bulk import BulkCustomer
from zhengming.settings import Settings

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def test_next_run_is_tonight_or_tomorrow_in_local_time() -> None:
    now = datetime.datetime(2026, 11, 23, 17, 30, tzinfo=datetime.UTC)  # 01:30 in Shanghai
    assert next_run(now, "02:00", SHANGHAI) == datetime.datetime(
        2026, 11, 24, 2, 0, tzinfo=SHANGHAI
    )
    later = datetime.datetime(2026, 11, 23, 18, 0, tzinfo=datetime.UTC)  # exactly 02:00
    assert next_run(later, "02:00", SHANGHAI) == datetime.datetime(
        2026, 11, 25, 2, 0, tzinfo=SHANGHAI
    )


@given(
    st.datetimes(
        min_value=datetime.datetime(2000, 1, 1), max_value=datetime.datetime(2100, 1, 1)
    ).map(lambda d: d.replace(tzinfo=datetime.UTC)),
    st.integers(0, 23),
    st.integers(0, 59),
)
def test_next_run_is_within_a_day_and_at_the_time(
    now: datetime.datetime, hour: int, minute: int
) -> None:
    wake = next_run(now, f"{hour:02d}:{minute:02d}", SHANGHAI)
    assert now < wake <= now + datetime.timedelta(days=1)
    assert (wake.hour, wake.minute, wake.second) == (hour, minute, 0)


def test_a_scheduled_run_scans_and_a_disabled_schedule_never_starts(tmp_path: Path) -> None:
    services = build_services(
        Settings(data_dir=tmp_path, database_url=f"sqlite:///{tmp_path / 'z.db'}", scan_time="")
    )
    try:
        seed(
            services,
            [
                BulkCustomer("北京字节跳动科技有限公司"),
                BulkCustomer("字节跳动（北京）科技有限公司"),
            ],
        )
        scheduler = NightlyScan(services)
        assert not scheduler.enabled
        scheduler.start()
        assert scheduler._thread is None
        scheduler.run_once()
        assert services.review.clusters(actor=SYSTEM).total == 1
        services.scans.create_job(actor=SYSTEM, full=False)
        scheduler.run_once()  # another scan is running: skipped, not raised
    finally:
        services.close()
