"""The one exception tree of zhengming.

Every error the library raises is a :class:`ZhengmingError` with a stable ``code``: front doors
(CLI, REST API, web UI) translate it once, at their edge, into an exit code, an HTTP status or a
message. Codes never change once released; docs/reference/errors.md lists them and a test keeps
the two identical.

::

    ZhengmingError                      zhengming.error
     ├── InvalidInputError              input.invalid
     │    ├── UnusableNameError         name.unusable
     │    ├── InvalidIdentifierError    identifier.invalid
     │    ├── ColumnNotFoundError       input.column_not_found
     │    ├── DuplicateIdError          input.duplicate_id
     │    └── NamingRuleError           name.rule_violation
     ├── NotFoundError                  not_found
     ├── ConflictError                  conflict
     │    ├── DuplicateCustomerError    customer.duplicate
     │    ├── PossibleDuplicateError    customer.possible_duplicate
     │    ├── VersionConflictError      customer.version_conflict
     │    ├── InvalidStateError         customer.invalid_state
     │    └── MergeRefusedError         merge.refused
     ├── PermissionDeniedError          access.denied
     │    └── AuthenticationError       auth.failed
     ├── SettingsError                  settings.invalid
     ├── StorageError                   storage.failed
     ├── BatchError                     batch.failed
     └── DataFileError                  data_file.invalid
"""

from __future__ import annotations

from typing import Any, ClassVar


class ZhengmingError(Exception):
    """Root of every error zhengming raises on purpose.

    Attributes:
        code: stable, documented identifier of the error class.
        message: human-readable explanation (Chinese first where it is shown to end users).
        details: machine-readable context, JSON-serializable.
    """

    code: ClassVar[str] = "zhengming.error"
    #: HTTP status the REST API answers with; the CLI maps every error to exit code 2 or 1.
    http_status: ClassVar[int] = 500

    def __init__(self, message: str, *, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details: dict[str, Any] = details or {}

    def to_dict(self) -> dict[str, Any]:
        """The error as the ``{code, message, details}`` object every interface returns."""
        return {"code": self.code, "message": self.message, "details": self.details}


class InvalidInputError(ZhengmingError):
    """The caller's input cannot be used as given."""

    code = "input.invalid"
    http_status = 422


class UnusableNameError(InvalidInputError):
    """A name has nothing left to standardize (empty, only symbols, or far too long)."""

    code = "name.unusable"


class InvalidIdentifierError(InvalidInputError):
    """An identifier (统一社会信用代码, ID number, phone, e-mail) is malformed or fails its check."""

    code = "identifier.invalid"


class ColumnNotFoundError(InvalidInputError):
    """A column named on the command line or in a mapping is not in the input file."""

    code = "input.column_not_found"


class DuplicateIdError(InvalidInputError):
    """Two rows of an input file carry the same id, so results could not be told apart."""

    code = "input.duplicate_id"


class NamingRuleError(InvalidInputError):
    """A name breaks a naming rule of severity ``error``; ``details`` lists the problems and
    the suggested standard form."""

    code = "name.rule_violation"


class NotFoundError(ZhengmingError):
    """The customer (or other record) asked for does not exist."""

    code = "not_found"
    http_status = 404


class ConflictError(ZhengmingError):
    """The request conflicts with what is stored; nothing was changed."""

    code = "conflict"
    http_status = 409


class DuplicateCustomerError(ConflictError):
    """The customer is already registered (decision ``same``); ``details`` names the existing
    customer number and its owner."""

    code = "customer.duplicate"


class PossibleDuplicateError(ConflictError):
    """Likely duplicates exist; registering anyway needs an explicit confirmation with a reason."""

    code = "customer.possible_duplicate"


class VersionConflictError(ConflictError):
    """The record changed since the caller read it (optimistic locking); reload and retry."""

    code = "customer.version_conflict"


class InvalidStateError(ConflictError):
    """The operation does not apply to the record in its current status (e.g. a merged tombstone)."""

    code = "customer.invalid_state"


class MergeRefusedError(ConflictError):
    """A merge would join different legal entities (different valid credit codes) or a branch
    with its head office; ``details.reason`` says which."""

    code = "merge.refused"


class PermissionDeniedError(ZhengmingError):
    """The acting user may not see or change this record."""

    code = "access.denied"
    http_status = 403


class AuthenticationError(PermissionDeniedError):
    """Unknown user, wrong password or inactive account: one message for all three, so the
    answer never tells which usernames exist."""

    code = "auth.failed"
    http_status = 401


class SettingsError(ZhengmingError):
    """A settings or rules file is missing, unreadable or inconsistent."""

    code = "settings.invalid"
    http_status = 500


class StorageError(ZhengmingError):
    """The database could not be reached, upgraded or written; the transaction was rolled back."""

    code = "storage.failed"
    http_status = 503


class BatchError(ZhengmingError):
    """A batch run (blocking, scoring, writing results) failed; nothing was written."""

    code = "batch.failed"
    http_status = 500


class DataFileError(ZhengmingError):
    """A packaged lexicon or a user-supplied data file cannot be read."""

    code = "data_file.invalid"
    http_status = 500


def all_error_classes() -> list[type[ZhengmingError]]:
    """Every error class, root first, in definition order (used by docs and their test)."""
    found: list[type[ZhengmingError]] = [ZhengmingError]
    pending: list[type[ZhengmingError]] = [ZhengmingError]
    while pending:
        for sub in pending.pop(0).__subclasses__():
            found.append(sub)
            pending.append(sub)
    return found
