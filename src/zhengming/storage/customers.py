"""Customers in SQL: the :class:`~zhengming.services.ports.CustomerStore` on SQLAlchemy Core."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, RowMapping

from zhengming.domain.customer import (
    Contact,
    Customer,
    CustomerName,
    CustomerStatus,
    CustomerType,
    NameType,
)
from zhengming.errors import StorageError
from zhengming.services.clock import utc_now
from zhengming.services.ports import (
    CustomerFilter,
    KeyHit,
    KeyProbe,
    NewCustomer,
    ScanName,
    StoredKey,
)
from zhengming.storage import dialects
from zhengming.storage.rows import inserted_id
from zhengming.storage.tables import (
    contact,
    counter,
    customer,
    customer_name,
    customer_tag,
    match_key,
    tag,
)

_KEY_LOOKUP = (
    "SELECT match_key.customer_id, match_key.name_id, customer_name.folded FROM match_key"
    " LEFT JOIN customer_name ON customer_name.id = match_key.name_id"
    " WHERE match_key.rule = ? AND match_key.value = ? AND match_key.side = ? LIMIT ?"
)

#: Sort orders of the customer list: name -> columns.
SORTS: dict[str, tuple[sa.ColumnElement[Any], ...]] = {
    "updated": (customer.c.updated_at.desc(), customer.c.id.desc()),
    "created": (customer.c.created_at.desc(), customer.c.id.desc()),
    "name": (customer.c.name, customer.c.id),
    "customer_no": (customer.c.customer_no,),
}


class SqlCustomerStore:
    """Customer rows, names, match keys, contacts and tags, on one connection."""

    def __init__(self, connection: Connection) -> None:
        self._db = connection

    def lock_keys(self, keys: Iterable[str]) -> None:
        dialects.lock_keys(self._db, keys)

    def next_value(self, counter_name: str) -> int:
        updated = self._db.execute(
            counter.update()
            .where(counter.c.name == counter_name)
            .values(value=counter.c.value + 1)
            .returning(counter.c.value)
        ).scalar()
        if updated is not None:
            return int(updated)
        self._db.execute(counter.insert().values(name=counter_name, value=1))
        return 1

    def add(self, new: NewCustomer, *, now: datetime.datetime, actor: str) -> int:
        row = {
            "customer_no": new.customer_no,
            "kind": new.kind,
            "name": new.name,
            "name_key": new.name_key,
            "status": CustomerStatus.ACTIVE.value,
            "version": 1,
            "created_at": now,
            "updated_at": now,
            "created_by": actor,
            **new.values,
        }
        return inserted_id(self._db.execute(customer.insert().values(row)))

    def add_name(self, customer_id: int, name: CustomerName, *, folded: str) -> int:
        result = self._db.execute(
            customer_name.insert().values(
                customer_id=customer_id,
                name=name.name,
                type=name.type.value,
                folded=folded,
                valid_from=name.valid_from,
                valid_to=name.valid_to,
                created_at=utc_now(),
            )
        )
        return inserted_id(result)

    def update_name(self, name_id: int, **values: Any) -> None:
        self._db.execute(customer_name.update().where(customer_name.c.id == name_id).values(values))

    def delete_name(self, name_id: int) -> None:
        self._db.execute(match_key.delete().where(match_key.c.name_id == name_id))
        self._db.execute(customer_name.delete().where(customer_name.c.id == name_id))

    def replace_keys(self, customer_id: int, keys: Iterable[StoredKey]) -> None:
        self._db.execute(match_key.delete().where(match_key.c.customer_id == customer_id))
        rows = [
            {
                "customer_id": customer_id,
                "name_id": key.name_id,
                "rule": key.rule,
                "side": key.side,
                "value": key.value,
            }
            for key in dict.fromkeys(keys)
        ]
        if rows:
            self._db.execute(match_key.insert(), rows)

    def add_contact(self, customer_id: int, person: Contact) -> int:
        result = self._db.execute(
            contact.insert().values(
                customer_id=customer_id,
                name=person.name,
                phone=person.phone,
                email=person.email,
                title=person.title,
                created_at=utc_now(),
            )
        )
        return inserted_id(result)

    def set_tags(self, customer_id: int, tags: Iterable[str]) -> None:
        wanted = list(dict.fromkeys(tags))
        self._db.execute(customer_tag.delete().where(customer_tag.c.customer_id == customer_id))
        if not wanted:
            return
        known = dict(
            self._db.execute(sa.select(tag.c.name, tag.c.id).where(tag.c.name.in_(wanted))).all()
        )
        for name in wanted:
            if name not in known:
                known[name] = inserted_id(self._db.execute(tag.insert().values(name=name)))
        self._db.execute(
            customer_tag.insert(),
            [{"customer_id": customer_id, "tag_id": known[name]} for name in wanted],
        )

    def get(self, customer_id: int) -> Customer | None:
        found = self.load([customer_id])
        return found[0] if found else None

    def id_by_number(self, customer_no: str) -> int | None:
        value = self._db.execute(
            sa.select(customer.c.id).where(customer.c.customer_no == customer_no)
        ).scalar()
        return int(value) if value is not None else None

    def load(
        self, customer_ids: Sequence[int], *, contacts: bool = True, tags: bool = True
    ) -> list[Customer]:
        """Customers with names (and contacts and tags unless left out), in the given order.

        The duplicate check leaves out what it does not compare: two fewer queries per check.
        """
        ids = list(dict.fromkeys(customer_ids))
        if not ids:
            return []
        rows = {
            row["id"]: row
            for row in self._db.execute(sa.select(customer).where(customer.c.id.in_(ids)))
            .mappings()
            .all()
        }
        names: dict[int, list[CustomerName]] = defaultdict(list)
        for name_id, customer_id, name, name_type, valid_from, valid_to in self._db.execute(
            sa.select(
                customer_name.c.id,
                customer_name.c.customer_id,
                customer_name.c.name,
                customer_name.c.type,
                customer_name.c.valid_from,
                customer_name.c.valid_to,
            )
            .where(customer_name.c.customer_id.in_(ids))
            .order_by(customer_name.c.id)
        ):
            names[customer_id].append(
                CustomerName(name, NameType(name_type), valid_from, valid_to, id=name_id)
            )
        found_contacts: dict[int, list[Contact]] = defaultdict(list)
        if contacts:
            for row in self._db.execute(
                sa.select(contact).where(contact.c.customer_id.in_(ids)).order_by(contact.c.id)
            ).mappings():
                found_contacts[row["customer_id"]].append(
                    Contact(
                        name=row["name"],
                        phone=row["phone"],
                        email=row["email"],
                        title=row["title"],
                        id=row["id"],
                    )
                )
        found_tags: dict[int, list[str]] = defaultdict(list)
        if tags:
            for customer_id, tag_name in self._db.execute(
                sa.select(customer_tag.c.customer_id, tag.c.name)
                .join(tag, tag.c.id == customer_tag.c.tag_id)
                .where(customer_tag.c.customer_id.in_(ids))
                .order_by(tag.c.name)
            ):
                found_tags[customer_id].append(tag_name)
        return [
            _customer(rows[i], names[i], found_contacts[i], found_tags[i]) for i in ids if i in rows
        ]

    def update(self, customer_id: int, *, expected_version: int, values: dict[str, Any]) -> bool:
        """Apply ``values`` if the row is still at ``expected_version``; bumps the version."""
        result = self._db.execute(
            customer.update()
            .where(customer.c.id == customer_id, customer.c.version == expected_version)
            .values({**values, "version": expected_version + 1, "updated_at": utc_now()})
        )
        return result.rowcount == 1

    def move_contact(self, contact_id: int, customer_id: int) -> None:
        self._db.execute(
            contact.update().where(contact.c.id == contact_id).values(customer_id=customer_id)
        )

    def scan_names(self, statuses: Sequence[str]) -> list[ScanName]:
        """Every name of the customers in ``statuses``, with the credit code and first contact."""
        first_contact = (
            sa.select(
                contact.c.customer_id,
                sa.func.min(contact.c.phone).label("phone"),
                sa.func.min(contact.c.email).label("email"),
            )
            .group_by(contact.c.customer_id)
            .subquery()
        )
        rows = self._db.execute(
            sa.select(
                customer_name.c.customer_id,
                customer_name.c.id,
                customer_name.c.name,
                customer_name.c.type,
                customer.c.uscc,
                first_contact.c.phone,
                first_contact.c.email,
            )
            .join(customer, customer.c.id == customer_name.c.customer_id)
            .outerjoin(first_contact, first_contact.c.customer_id == customer.c.id)
            .where(customer.c.status.in_(list(statuses)))
            .order_by(customer_name.c.customer_id, customer_name.c.id)
        )
        return [ScanName(*row) for row in rows]

    def changed_since(self, since: datetime.datetime, statuses: Sequence[str]) -> list[int]:
        rows = self._db.execute(
            sa.select(customer.c.id)
            .where(customer.c.updated_at >= since, customer.c.status.in_(list(statuses)))
            .order_by(customer.c.id)
        )
        return [row[0] for row in rows]

    def find_keys(self, probes: Sequence[KeyProbe], *, limit: int) -> list[KeyHit]:
        """Stored keys equal to each probe, at most ``limit`` per probe (one indexed query each).

        The duplicate check's hottest statement runs on the driver's cursor: a third of the time
        through SQLAlchemy on SQLite (measured); one ``UNION ALL`` of the lookups was slower.
        """
        hits: list[KeyHit] = []
        sql = dialects.driver_sql(self._db, _KEY_LOOKUP)
        cursor = dialects.driver_cursor(self._db)
        try:
            for probe in dict.fromkeys(probes):
                cursor.execute(sql, (probe.rule, probe.value, probe.side, limit))
                hits.extend(
                    KeyHit(customer_id, name_id, probe.rule, folded)
                    for customer_id, name_id, folded in cursor.fetchall()
                )
        except dialects.driver_error(self._db) as exc:
            raise StorageError(
                f"数据库查询失败 / the database query failed: {exc}", details={"query": "keys"}
            ) from exc
        finally:
            cursor.close()
        return hits

    def find_by_name(self, folded: str, *, limit: int) -> list[int]:
        """Customers with a name whose folded form is exactly ``folded``."""
        rows = self._db.execute(
            sa.select(customer_name.c.customer_id)
            .where(customer_name.c.folded == folded)
            .limit(limit)
        )
        return list(dict.fromkeys(row[0] for row in rows))

    def find_by_prefix(self, prefix: str, *, limit: int) -> list[int]:
        """Customers with a name whose folded form starts with ``prefix`` (index range scan)."""
        rows = self._db.execute(
            sa.select(customer_name.c.customer_id)
            .where(customer_name.c.folded >= prefix, customer_name.c.folded < prefix + "\U0010ffff")
            .limit(limit)
        )
        return list(dict.fromkeys(row[0] for row in rows))

    def find_by_substring(self, text: str, *, limit: int) -> list[int]:
        """Customers with a name containing ``text`` anywhere (a scan: the last resort)."""
        pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        rows = self._db.execute(
            sa.select(customer_name.c.customer_id)
            .where(customer_name.c.folded.like(pattern, escape="\\"))
            .limit(limit)
        )
        return list(dict.fromkeys(row[0] for row in rows))

    def find_by_key_prefix(self, rule: str, prefix: str, *, limit: int) -> list[int]:
        rows = self._db.execute(
            sa.select(match_key.c.customer_id)
            .where(
                match_key.c.rule == rule,
                match_key.c.value >= prefix,
                match_key.c.value < prefix + "\U0010ffff",
            )
            .limit(limit)
        )
        return list(dict.fromkeys(row[0] for row in rows))

    def page(
        self, filters: CustomerFilter, *, sort: str, offset: int, limit: int
    ) -> tuple[list[Customer], int]:
        conditions = _conditions(filters)
        total = self._db.execute(
            sa.select(sa.func.count()).select_from(customer).where(*conditions)
        ).scalar_one()
        ids = [
            row[0]
            for row in self._db.execute(
                sa.select(customer.c.id)
                .where(*conditions)
                .order_by(*SORTS[sort])
                .offset(offset)
                .limit(limit)
            )
        ]
        return self.load(ids), int(total)

    def ids_after(self, filters: CustomerFilter, *, after_id: int, limit: int) -> list[int]:
        """Ids of the customers ``filters`` selects, in id order, after ``after_id``.

        Keyset paging for long walks (an export): every page costs the same however deep it is,
        and a customer added or changed meanwhile is never seen twice.
        """
        query = (
            sa.select(customer.c.id)
            .where(*_conditions(filters), customer.c.id > after_id)
            .order_by(customer.c.id)
            .limit(limit)
        )
        return [row[0] for row in self._db.execute(query)]


def _conditions(filters: CustomerFilter) -> list[sa.ColumnElement[bool]]:
    conditions: list[sa.ColumnElement[bool]] = []
    if filters.status:
        conditions.append(customer.c.status.in_(list(filters.status)))
    for column, value in (
        (customer.c.type, filters.type),
        (customer.c.industry, filters.industry),
        (customer.c.owner, filters.owner),
        (customer.c.team, filters.team),
    ):
        if value is not None:
            conditions.append(column == value)
    if filters.region_code:
        # 440000 covers its cities and counties: compare the significant digits only.
        significant = filters.region_code.rstrip("0") or filters.region_code
        conditions.append(customer.c.region_code.startswith(significant))
    if filters.tag:
        conditions.append(
            customer.c.id.in_(
                sa.select(customer_tag.c.customer_id)
                .join(tag, tag.c.id == customer_tag.c.tag_id)
                .where(tag.c.name == filters.tag)
            )
        )
    if filters.visible_owner is not None:
        visible = [customer.c.owner.is_(None), customer.c.owner == filters.visible_owner]
        if filters.visible_team is not None:
            visible.append(customer.c.team == filters.visible_team)
        conditions.append(sa.or_(*visible))
    return conditions


def _customer(
    row: RowMapping, names: list[CustomerName], contacts: list[Contact], tags: list[str]
) -> Customer:
    return Customer(
        id=row["id"],
        customer_no=row["customer_no"],
        kind=row["kind"],
        name=row["name"],
        name_key=row["name_key"],
        status=CustomerStatus(row["status"]),
        version=row["version"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        uscc=row["uscc"],
        region_code=row["region_code"],
        trade_name=row["trade_name"],
        industry_words=row["industry_words"],
        legal_form=row["legal_form"],
        branch=row["branch"],
        type=CustomerType(row["type"]),
        industry=row["industry"],
        size=row["size"],
        owner=row["owner"],
        team=row["team"],
        source=row["source"],
        merged_into=row["merged_into"],
        last_verified_at=row["last_verified_at"],
        names=tuple(names),
        contacts=tuple(contacts),
        tags=tuple(tags),
        extra=row["extra"] or {},
    )
