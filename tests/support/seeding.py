"""Seeding test databases with near-duplicate customers (the trusted bulk loader skips 查重)."""

from __future__ import annotations

import itertools

from stdnum.cn import uscc as stdnum_uscc

from zhengming.bootstrap import Services
from zhengming.domain.customer import SYSTEM, Contact
from zhengming.services.bulk import BulkCustomer, load_customers
from zhengming.storage.bulk import bulk_units

_SERIAL = itertools.count(10_000_000)


def fresh_uscc() -> str:
    """A valid credit code never used before in this test session."""
    body = f"91110108{next(_SERIAL):09d}"
    return body + stdnum_uscc.calc_check_digit(body)


def seed(
    services: Services,
    customers: list[BulkCustomer],
    *,
    contacts: dict[int, list[str]] | None = None,
    tags: dict[int, list[str]] | None = None,
) -> list[str]:
    """Store ``customers`` as trusted rows (no duplicate check), with contacts and tags."""
    with bulk_units(services.database) as units:
        report = load_customers(units, customers, actor=SYSTEM)
    assert report.loaded == len(customers), report.to_dict()
    first = int(report.first_customer_no.rsplit("-", 1)[1])
    prefix = report.first_customer_no.rsplit("-", 1)[0]
    numbers = [f"{prefix}-{first + i:06d}" for i in range(len(customers))]
    with services.database.unit_of_work(write=True) as uow:
        for index, number in enumerate(numbers):
            customer_id = uow.customers.id_by_number(number)
            assert customer_id is not None
            for phone in (contacts or {}).get(index, []):
                uow.customers.add_contact(customer_id, Contact(name="王经理", phone=phone))
            if (tags or {}).get(index):
                uow.customers.set_tags(customer_id, (tags or {})[index])
            services.customers.reindex(uow, customer_id)  # phone keys, as register stores them
    return numbers


def near_duplicates() -> dict[str, BulkCustomer]:
    """Two pairs of near-duplicates and a loner, keyed as the scan and review tests name them:
    北京字节跳动 (with a credit code) and 字节跳动（北京）, 平安银行股份 (with a code) and
    平安银行有限公司, and 杭州娃哈哈."""
    return {
        "bd": BulkCustomer("北京字节跳动科技有限公司", uscc=fresh_uscc()),
        "bd2": BulkCustomer("字节跳动（北京）科技有限公司"),
        "pa": BulkCustomer("平安银行股份有限公司", uscc=fresh_uscc()),
        "pa2": BulkCustomer("平安银行有限公司"),
        "whh": BulkCustomer("杭州娃哈哈集团有限公司"),
    }


def seed_named(services: Services, customers: dict[str, BulkCustomer]) -> dict[str, str]:
    """:func:`seed` for named customers: name -> customer number."""
    return dict(zip(customers, seed(services, list(customers.values())), strict=True))
