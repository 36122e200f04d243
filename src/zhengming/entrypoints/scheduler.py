"""The nightly duplicate scan `zhengming serve` runs (DESIGN.md §7: a scheduler for scans).

A daemon thread sleeps until the configured local time (setting ``scan_time``, default 02:00 in
``time_zone``) and runs an incremental scan as a job. Several server processes may each run the
thread: the scan service lets one scan run at a time, and the others skip that night.
"""

from __future__ import annotations

import datetime
import logging
import threading
import zoneinfo

from zhengming.bootstrap import Services
from zhengming.errors import InvalidStateError, ZhengmingError

log = logging.getLogger(__name__)


def next_run(now: datetime.datetime, at: str, zone: datetime.tzinfo) -> datetime.datetime:
    """The next moment (aware) after ``now`` whose local time in ``zone`` is ``at`` (HH:MM)."""
    hour, minute = (int(part) for part in at.split(":"))
    local = now.astimezone(zone)
    candidate = local.replace(hour=hour, minute=minute, second=0, microsecond=0)
    if candidate <= local:
        candidate = (local + datetime.timedelta(days=1)).replace(
            hour=hour, minute=minute, second=0, microsecond=0
        )
    return candidate


class NightlyScan:
    """Runs ``services.scans.run()`` every day at ``settings.scan_time``; ``stop()`` ends it."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def enabled(self) -> bool:
        return bool(self.services.settings.scan_time)

    def start(self) -> None:
        if not self.enabled or self._thread is not None:
            return
        self._thread = threading.Thread(target=self._loop, name="nightly-scan", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _zone(self) -> datetime.tzinfo:
        try:
            return zoneinfo.ZoneInfo(self.services.settings.time_zone or "UTC")
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            return datetime.UTC

    def _loop(self) -> None:
        while not self._stop.is_set():
            now = datetime.datetime.now(datetime.UTC)
            wake = next_run(now, self.services.settings.scan_time, self._zone())
            if self._stop.wait((wake - now).total_seconds()):
                return
            self.run_once()

    def run_once(self) -> None:
        """One scheduled scan; a scan already running (another process) is not an error."""
        try:
            report = self.services.scans.run()
        except InvalidStateError:
            log.info("nightly scan skipped: another scan is running")
        except ZhengmingError:
            log.exception("nightly scan failed (recorded in its job)")
        else:
            log.info("nightly scan done: %s", report.to_dict())
