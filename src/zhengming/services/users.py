"""Users of the installation: who may log in, with which role and which customers they see.

Passwords are hashed with argon2id (argon2-cffi) and never leave this module in any other form.
Storage is reached through the small :class:`UserStore` Protocol below, so this module stays free
of SQLAlchemy; ``zhengming.storage.users`` implements it.

Roles (what a user may do) and scopes (which customers they see, see ``Actor.can_see``)::

    admin     everything, including users and settings
    manager   customers of their scope, review and merge
    sales     register and edit customers of their scope
    viewer    read only
"""

from __future__ import annotations

import datetime
import re
import secrets
import unicodedata
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol, TypeVar

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from zhengming.domain.customer import AccessScope, Actor
from zhengming.errors import AuthenticationError, ConflictError, InvalidInputError, NotFoundError

#: The account created on an empty installation (see :meth:`UserService.ensure_initial_admin`).
INITIAL_ADMIN = "admin"
MIN_PASSWORD = 8
MAX_PASSWORD = 1024
_USERNAME = re.compile(r"[^\s/\\]{1,64}")
_Enum = TypeVar("_Enum", bound=StrEnum)


class Role(StrEnum):
    """What a user may do; see the module docstring."""

    ADMIN = "admin"
    MANAGER = "manager"
    SALES = "sales"
    VIEWER = "viewer"

    @property
    def can_edit_customers(self) -> bool:
        """Whether the role registers and changes customers (everyone but viewers)."""
        return self is not Role.VIEWER


@dataclass(frozen=True, slots=True)
class User:
    """A user as the rest of the application sees it (no password hash)."""

    id: int
    username: str
    role: Role
    scope: AccessScope
    team: str | None = None
    display_name: str | None = None
    active: bool = True

    @property
    def actor(self) -> Actor:
        """The actor the services check access with."""
        return Actor(
            self.username,
            scope=self.scope,
            team=self.team,
            user_id=self.id,
            admin=self.role is Role.ADMIN,
        )

    @property
    def label(self) -> str:
        return self.display_name or self.username


@dataclass(frozen=True, slots=True)
class NewUser:
    """The columns of a user row about to be inserted."""

    username: str
    password_hash: str
    role: str
    scope: str
    team: str | None
    display_name: str | None
    created_at: datetime.datetime


@dataclass(frozen=True, slots=True)
class StoredUser:
    user: User
    password_hash: str | None


class UserStore(Protocol):
    """The ``app_user`` table, inside one transaction."""

    def add(self, new: NewUser) -> int:
        """Insert a user; raises ConflictError when the username is taken."""
        ...

    def get(self, username: str) -> StoredUser | None: ...
    def count(self) -> int: ...
    def set_password_hash(self, user_id: int, password_hash: str) -> None: ...


UserStoreFactory = Callable[..., AbstractContextManager[UserStore]]
"""``factory(write=True)`` opens one transaction on the user store."""


class UserService:
    """Adding users, checking passwords, looking users up."""

    def __init__(self, store: UserStoreFactory, *, hasher: PasswordHasher | None = None) -> None:
        self._store = store
        self._hasher = hasher or PasswordHasher()
        # Verified when the username is unknown, so a miss takes as long as a wrong password.
        self._decoy = self._hasher.hash(secrets.token_urlsafe(16))

    def add_user(
        self,
        username: str,
        password: str,
        *,
        role: Role | str = Role.SALES,
        scope: AccessScope | str = AccessScope.OWN,
        team: str | None = None,
        display_name: str | None = None,
    ) -> User:
        """Create an active user.

        Raises:
            InvalidInputError: bad username, too short a password, unknown role or scope.
            ConflictError: the username is taken.
        """
        name = clean_username(username)
        _check_password(password)
        new = NewUser(
            username=name,
            password_hash=self._hasher.hash(password),
            role=_choice(Role, role, "role").value,
            scope=_choice(AccessScope, scope, "scope").value,
            team=(team or "").strip() or None,
            display_name=(display_name or "").strip() or None,
            created_at=datetime.datetime.now(datetime.UTC).replace(tzinfo=None),
        )
        with self._store(write=True) as store:
            store.add(new)
            stored = store.get(name)
        assert stored is not None  # inserted in the same transaction
        return stored.user

    def authenticate(self, username: str, password: str) -> Actor:
        """The actor of the user with this username and password.

        Raises:
            AuthenticationError: unknown user, wrong password or inactive user (one message
                for all three, so the answer does not tell which usernames exist).
        """
        return self.login(username, password).actor

    def login(self, username: str, password: str) -> User:
        """Like :meth:`authenticate`, but the whole user (front doors show name and role)."""
        try:
            name = clean_username(username)
        except InvalidInputError:
            name = None
        with self._store() as store:
            stored = store.get(name) if name else None
        password_hash = stored.password_hash if stored else None
        if not _verify(self._hasher, password_hash or self._decoy, password):
            raise _refused(username)
        # The decoy never verifies, so a user was found.
        assert stored is not None
        assert password_hash is not None
        if not stored.user.active:
            raise _refused(username)
        if self._hasher.check_needs_rehash(password_hash):
            # Hashing parameters were raised since this password was set: upgrade it now.
            with self._store(write=True) as store:
                store.set_password_hash(stored.user.id, self._hasher.hash(password))
        return stored.user

    def get(self, username: str) -> User:
        """The user with this username.

        Raises:
            NotFoundError: there is none.
        """
        with self._store() as store:
            stored = store.get(username)
        if stored is None:
            raise NotFoundError(
                f"用户不存在 / no such user: {username}", details={"username": username}
            )
        return stored.user

    def find(self, username: str) -> User | None:
        """The user with this username, or ``None``."""
        with self._store() as store:
            stored = store.get(username)
        return stored.user if stored else None

    def has_users(self) -> bool:
        with self._store() as store:
            return store.count() > 0

    def ensure_initial_admin(self) -> str | None:
        """On an installation without users, create ``admin`` with a random password.

        Returns:
            The new password (the caller shows it once), or ``None`` when users already exist.
        """
        if self.has_users():
            return None
        password = secrets.token_urlsafe(12)
        try:
            self.add_user(INITIAL_ADMIN, password, role=Role.ADMIN, scope=AccessScope.ALL)
        except ConflictError:
            return None  # another process started at the same moment and created it
        return password


def clean_username(username: str) -> str:
    """The username as stored: NFKC, no surrounding spaces, 1-64 characters without spaces.

    Raises:
        InvalidInputError: the username is empty, too long or contains spaces or slashes.
    """
    name = unicodedata.normalize("NFKC", username).strip()
    if not _USERNAME.fullmatch(name) or any(unicodedata.category(c)[0] == "C" for c in name):
        raise InvalidInputError(
            "用户名须为 1-64 个字符，不含空格或斜杠 / a username is 1-64 characters without "
            "spaces or slashes",
            details={"username": username[:64]},
        )
    return name


def _check_password(password: str) -> None:
    if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise InvalidInputError(
            f"密码至少 {MIN_PASSWORD} 个字符 / a password has at least {MIN_PASSWORD} characters",
            details={"min_length": MIN_PASSWORD, "max_length": MAX_PASSWORD},
        )


def _choice(enum: type[_Enum], value: _Enum | str, what: str) -> _Enum:
    try:
        return enum(value)
    except ValueError:
        allowed = ", ".join(member.value for member in enum)
        raise InvalidInputError(
            f"无效的{what} / invalid {what}: {value} (one of {allowed})",
            details={what: str(value), "allowed": [member.value for member in enum]},
        ) from None


def _verify(hasher: PasswordHasher, password_hash: str, password: str) -> bool:
    try:
        return hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _refused(username: str) -> AuthenticationError:
    return AuthenticationError(
        "用户名或密码错误 / wrong username or password", details={"username": username[:64]}
    )
