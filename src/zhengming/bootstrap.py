"""Builds the services from settings. Nothing happens at import time.

Front doors call :func:`build_services` once (per process) and hand the result to their adapters;
tests build their own with a temporary database.
"""

from __future__ import annotations

import datetime
import zoneinfo
from dataclasses import dataclass

from zhengming.domain.matching import MatchSettings
from zhengming.domain.names import RuleSettings
from zhengming.services.customers import CustomerService
from zhengming.services.exporting import ExportService
from zhengming.services.importing import ImportService
from zhengming.services.links import LinkService
from zhengming.services.merging import MergeService
from zhengming.services.review import ReviewService
from zhengming.services.scanning import ScanService
from zhengming.services.search import SearchService
from zhengming.services.users import UserService
from zhengming.settings import Settings, load_settings_file
from zhengming.storage.database import Database
from zhengming.storage.users import user_store_factory


@dataclass
class Services:
    """Everything a front door needs."""

    settings: Settings
    database: Database
    customers: CustomerService
    search: SearchService
    users: UserService
    merges: MergeService
    links: LinkService
    scans: ScanService
    review: ReviewService
    imports: ImportService
    exports: ExportService

    def close(self) -> None:
        self.database.dispose()


def build_services(settings: Settings | None = None, *, upgrade: bool = True) -> Services:
    """Services on the configured database; ``upgrade`` applies pending migrations first."""
    settings = settings or Settings()
    database = Database(settings.resolved_database_url)
    if upgrade:
        database.upgrade()
    rules = (
        load_settings_file(settings.rules_file, RuleSettings, "rules file")
        if settings.rules_file
        else None
    )
    match_settings = (
        load_settings_file(settings.match_settings_file, MatchSettings, "match settings")
        if settings.match_settings_file
        else MatchSettings()
    )
    customers = CustomerService(
        database.unit_of_work,
        rules=rules,
        match_settings=match_settings,
        number_pattern=settings.customer_number_pattern,
    )
    search = SearchService(database.unit_of_work, analyze=customers.analyze)
    users = UserService(user_store_factory(database))
    merges = MergeService(database.unit_of_work, customers, limit=settings.merge_limit)
    links = LinkService(database.unit_of_work, customers)
    scans = ScanService(
        database.unit_of_work, customers, merges, auto_merge=settings.scan_auto_merge
    )
    review = ReviewService(database.unit_of_work, customers, merges, links)
    imports = ImportService(database.unit_of_work, customers)
    exports = ExportService(database.unit_of_work, time_zone=_time_zone(settings.time_zone))
    return Services(
        settings, database, customers, search, users, merges, links, scans, review, imports, exports
    )


def _time_zone(name: str) -> datetime.tzinfo:
    """The installation's time zone; UTC when the setting names none the system knows."""
    try:
        return zoneinfo.ZoneInfo(name) if name else datetime.UTC
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return datetime.UTC
