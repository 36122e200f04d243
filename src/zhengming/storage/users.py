"""The ``app_user`` table behind ``services.users.UserStore``.

``user_store_factory(database)`` gives the UserService its transactions: each one is a unit of
work of the database (so a write takes the same write lock as every other write).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from zhengming.domain.customer import AccessScope
from zhengming.errors import ConflictError
from zhengming.services.users import NewUser, Role, StoredUser, User, UserStoreFactory
from zhengming.storage.database import Database
from zhengming.storage.rows import inserted_id
from zhengming.storage.tables import user as user_table


class SqlUserStore:
    """Users on one connection (see services.users.UserStore)."""

    def __init__(self, connection: Connection) -> None:
        self._db = connection

    def add(self, new: NewUser) -> int:
        # A savepoint: a taken username must not end the caller's transaction.
        try:
            with self._db.begin_nested():
                result = self._db.execute(
                    user_table.insert().values(
                        username=new.username,
                        password_hash=new.password_hash,
                        role=new.role,
                        scope=new.scope,
                        team=new.team,
                        display_name=new.display_name,
                        active=True,
                        created_at=new.created_at,
                    )
                )
        except sa.exc.IntegrityError as exc:
            raise ConflictError(
                f"用户名已存在 / the username is taken: {new.username}",
                details={"username": new.username},
            ) from exc
        return inserted_id(result)

    def get(self, username: str) -> StoredUser | None:
        row = (
            self._db.execute(sa.select(user_table).where(user_table.c.username == username))
            .mappings()
            .first()
        )
        return _stored(dict(row)) if row else None

    def count(self) -> int:
        return int(
            self._db.execute(sa.select(sa.func.count()).select_from(user_table)).scalar_one()
        )

    def set_password_hash(self, user_id: int, password_hash: str) -> None:
        self._db.execute(
            user_table.update()
            .where(user_table.c.id == user_id)
            .values(password_hash=password_hash)
        )


def user_store_factory(database: Database) -> UserStoreFactory:
    """Transactions on the users of ``database``: ``factory(write=True)``."""

    def open_store(*, write: bool = False) -> AbstractContextManager[SqlUserStore]:
        return _store(database, write=write)

    return open_store


@contextmanager
def _store(database: Database, *, write: bool) -> Iterator[SqlUserStore]:
    with database.unit_of_work(write=write) as uow:
        yield SqlUserStore(uow.connection)


def _stored(row: dict[str, Any]) -> StoredUser:
    user = User(
        id=int(row["id"]),
        username=row["username"],
        role=_role(row["role"]),
        scope=_scope(row["scope"]),
        team=row["team"],
        display_name=row["display_name"],
        active=bool(row["active"]),
    )
    return StoredUser(user, row["password_hash"])


def _role(value: str) -> Role:
    # A role this version does not know (a newer one wrote it) gets the least rights.
    try:
        return Role(value)
    except ValueError:
        return Role.VIEWER


def _scope(value: str) -> AccessScope:
    try:
        return AccessScope(value)
    except ValueError:
        return AccessScope.OWN
