"""UserService on the app_user table, on SQLite and PostgreSQL.

(These test services/users.py and storage/users.py; they live here until the maintainers move
them to tests/services and tests/storage.)
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from argon2 import PasswordHasher

from tests.entrypoints.web.conftest import fast_hasher
from zhengming.domain.customer import AccessScope, Actor
from zhengming.errors import ConflictError, InvalidInputError, NotFoundError, PermissionDeniedError
from zhengming.services.users import INITIAL_ADMIN, Role, UserService, clean_username
from zhengming.storage.database import Database
from zhengming.storage.users import user_store_factory


@pytest.fixture
def database(migrated_database_url: str) -> Iterator[Database]:
    database = Database(migrated_database_url)
    database.upgrade()
    yield database
    database.dispose()


@pytest.fixture
def users(database: Database) -> UserService:
    return UserService(user_store_factory(database), hasher=fast_hasher())


def test_add_and_authenticate(users: UserService) -> None:
    added = users.add_user("alice", "s3cret-pass", role="manager", scope="team", team=" north ")
    assert added.role is Role.MANAGER
    assert added.team == "north"
    actor = users.authenticate("alice", "s3cret-pass")
    assert actor == Actor("alice", scope=AccessScope.TEAM, team="north", user_id=added.id)
    assert users.get("alice") == added


@pytest.mark.parametrize(
    ("username", "password"), [("alice", "wrong-pass"), ("nobody", "s3cret-pass"), ("", "")]
)
def test_wrong_credentials_read_the_same(users: UserService, username: str, password: str) -> None:
    users.add_user("alice", "s3cret-pass")
    with pytest.raises(PermissionDeniedError, match="用户名或密码错误"):
        users.authenticate(username, password)


def test_the_password_is_stored_as_an_argon2id_hash(users: UserService, database: Database) -> None:
    users.add_user("alice", "s3cret-pass")
    with database.unit_of_work() as uow:
        stored = uow.connection.exec_driver_sql(
            "SELECT password_hash FROM app_user WHERE username = 'alice'"
        ).scalar_one()
    assert stored.startswith("$argon2id$")
    assert "s3cret-pass" not in stored


def test_a_taken_username_is_a_conflict(users: UserService) -> None:
    users.add_user("alice", "s3cret-pass")
    with pytest.raises(ConflictError):
        users.add_user("alice", "other-pass")
    # The failed insert did not break the store for the next one.
    assert users.add_user("bob", "s3cret-pass").username == "bob"


@pytest.mark.parametrize(
    "fields",
    [
        {"username": "has space"},
        {"username": "a/b"},
        {"username": "x" * 65},
        {"username": "  "},
        {"password": "short"},
        {"role": "superuser"},
        {"scope": "galaxy"},
    ],
)
def test_invalid_users_are_refused(users: UserService, fields: dict[str, str]) -> None:
    arguments = {"username": "carol", "password": "s3cret-pass", "role": "sales", **fields}
    with pytest.raises(InvalidInputError):
        users.add_user(
            arguments["username"],
            arguments["password"],
            role=arguments["role"],
            scope=arguments.get("scope", "own"),
        )


def test_usernames_are_normalized() -> None:
    assert clean_username(" ａｌｉｃｅ ") == "alice"
    assert clean_username("张三") == "张三"


def test_an_inactive_user_cannot_log_in(users: UserService, database: Database) -> None:
    users.add_user("alice", "s3cret-pass")
    with database.unit_of_work(write=True) as uow:
        uow.connection.exec_driver_sql("UPDATE app_user SET active = false")
    with pytest.raises(PermissionDeniedError):
        users.authenticate("alice", "s3cret-pass")


def test_get_an_unknown_user(users: UserService) -> None:
    with pytest.raises(NotFoundError):
        users.get("nobody")
    assert users.find("nobody") is None


def test_initial_admin_once(users: UserService) -> None:
    password = users.ensure_initial_admin()
    assert password is not None
    assert len(password) >= 16
    admin = users.login(INITIAL_ADMIN, password)
    assert (admin.role, admin.scope) == (Role.ADMIN, AccessScope.ALL)
    assert users.ensure_initial_admin() is None


def test_no_initial_admin_beside_existing_users(users: UserService) -> None:
    users.add_user("alice", "s3cret-pass")
    assert users.ensure_initial_admin() is None
    assert users.find(INITIAL_ADMIN) is None


def test_a_hash_with_old_parameters_is_upgraded_at_login(database: Database) -> None:
    weak = UserService(user_store_factory(database), hasher=fast_hasher())
    weak.add_user("alice", "s3cret-pass")
    stronger = PasswordHasher(time_cost=2, memory_cost=2048, parallelism=1)
    UserService(user_store_factory(database), hasher=stronger).authenticate("alice", "s3cret-pass")
    with database.unit_of_work() as uow:
        stored = uow.connection.exec_driver_sql("SELECT password_hash FROM app_user").scalar_one()
    assert not stronger.check_needs_rehash(stored)


def test_viewers_may_not_edit() -> None:
    assert [role.can_edit_customers for role in Role] == [True, True, True, False]
