"""Registering and changing customers: each use case is one unit of work, audited.

Every method takes the acting user first and checks access here, so front doors stay thin and
the later security work fills in roles and teams without touching them. Nothing is ever
hard-deleted: archive and the recycle bin are statuses, and a rename keeps the old name.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from zhengming.domain import identifiers
from zhengming.domain.customer import (
    AccessScope,
    Actor,
    Contact,
    Customer,
    CustomerName,
    CustomerStatus,
    NameType,
)
from zhengming.domain.matching import Decision, MatchRecord, MatchSettings
from zhengming.domain.matching.blocking import Side
from zhengming.domain.names import NameAnalysis, RuleSettings
from zhengming.domain.names.normalize import fold_for_key
from zhengming.domain.names.rules import Problem, Severity
from zhengming.errors import (
    DuplicateCustomerError,
    InvalidInputError,
    InvalidStateError,
    NamingRuleError,
    NotFoundError,
    PermissionDeniedError,
    PossibleDuplicateError,
    VersionConflictError,
)
from zhengming.services.clock import utc_now
from zhengming.services.commands import (
    AliasInput,
    ContactInput,
    CustomerCreate,
    CustomerUpdate,
    DuplicateQuery,
    RenameInput,
)
from zhengming.services.duplicates import (
    DuplicateCandidate,
    cached_analyzer,
    find_duplicates,
    query_record,
)
from zhengming.services.indexing import IndexedName, customer_keys, strong_keys
from zhengming.services.numbering import format_customer_number
from zhengming.services.paging import Page
from zhengming.services.ports import (
    AuditEntry,
    CustomerFilter,
    KeyProbe,
    NewCustomer,
    UnitOfWork,
)
from zhengming.services.ports import UnitOfWorkFactory as Factory

#: Sort orders of the customer list (storage maps each to columns).
SORTS = ("updated", "created", "name", "customer_no")
#: Status changes allowed: (from, to).
_TRANSITIONS = {
    ("active", "archived"),
    ("active", "deleted"),
    ("archived", "deleted"),
    ("archived", "active"),
    ("deleted", "active"),
}
_ALIAS_TYPES = (NameType.SHORT, NameType.ENGLISH, NameType.BRAND, NameType.FORMER)
#: Alias problems that do not matter: a short name is short on purpose.
ALIAS_TOLERATED = {"company.legal_form_missing", "company.abbreviation_only"}


@dataclass(frozen=True, slots=True)
class Registration:
    """A registered customer, the naming-rule warnings it was saved with, and near misses."""

    customer: Customer
    warnings: tuple[Problem, ...] = ()
    candidates: tuple[DuplicateCandidate, ...] = ()

    def to_dict(self, *, lang: str = "zh") -> dict[str, Any]:
        return {
            "customer": self.customer.to_dict(),
            "warnings": [problem.to_dict(lang=lang) for problem in self.warnings],
            "candidates": [candidate.to_dict() for candidate in self.candidates],
        }


@dataclass
class CustomerService:
    """The customer registry's use cases."""

    unit_of_work: Factory
    rules: RuleSettings | None = None
    match_settings: MatchSettings = field(default_factory=MatchSettings)
    number_pattern: str = "C{yyyy}{mm}-{seq:06d}"

    def __post_init__(self) -> None:
        self.analyze = cached_analyzer(self.rules)

    # -- the duplicate check -------------------------------------------------------------

    def check(self, query: DuplicateQuery, *, actor: Actor) -> list[DuplicateCandidate]:
        """Stored customers that may be the one described by ``query``, best first."""
        record = query_record(query, self.analyze)
        with self.unit_of_work() as uow:
            return find_duplicates(
                uow.customers,
                record,
                actor=actor,
                settings=self.match_settings,
                analyze=self.analyze,
                limit=query.limit,
            )

    # -- register --------------------------------------------------------------------------

    def register(self, data: CustomerCreate, *, actor: Actor) -> Registration:
        """Validate, standardize, check for duplicates and save, in one transaction.

        Raises:
            NamingRuleError: the name breaks an error-severity rule (details: problems and the
                suggested standard form).
            DuplicateCustomerError: the customer exists (details: its number and owner).
            PossibleDuplicateError: likely duplicates exist and ``confirm_reason`` is missing.
            InvalidIdentifierError: the USCC, a phone or an e-mail is invalid.
        """
        with self.unit_of_work(write=True) as uow:
            return self.register_in(uow, data, actor=actor)

    def register_in(self, uow: UnitOfWork, data: CustomerCreate, *, actor: Actor) -> Registration:
        """:meth:`register` inside the caller's unit of work (an import saves many in one).

        It raises the same errors, all before its first write, so the caller may catch one and
        go on with the transaction.
        """
        uscc = identifiers.validate_uscc(data.uscc) if data.uscc else None
        analysis = self._checked_name(data.name, uscc)
        aliases = [_alias_name(alias, self._checked_alias(alias)) for alias in data.aliases]
        contacts = [_contact(contact) for contact in data.contacts]
        region_code = _region_code(data.region_code) or analysis.parts.region_code
        record = MatchRecord(
            analysis,
            phone=next((c.phone for c in contacts if c.phone), None),
            email=next((c.email for c in contacts if c.email), None),
        )
        store = uow.customers
        store.lock_keys(strong_keys(record))
        candidates = find_duplicates(
            store, record, actor=actor, settings=self.match_settings, analyze=self.analyze
        )
        _refuse_duplicates(candidates, confirm_reason=data.confirm_reason, uscc=uscc)
        now = utc_now()
        number = format_customer_number(
            self.number_pattern, store.next_value("customer_no"), now.date()
        )
        parts = analysis.parts
        customer_id = store.add(
            NewCustomer(
                customer_no=number,
                kind=analysis.kind.value,
                name=analysis.standard_name,
                name_key=analysis.name_key,
                values={
                    "uscc": uscc,
                    "region_code": region_code,
                    "trade_name": parts.trade_name,
                    "industry_words": parts.industry,
                    "legal_form": parts.legal_form,
                    "branch": parts.branch,
                    "type": data.type.value,
                    "industry": data.industry,
                    "size": data.size,
                    "owner": data.owner or actor.username,
                    "team": data.team if data.team is not None else actor.team,
                    "source": data.source,
                },
            ),
            now=now,
            actor=actor.username,
        )
        legal = CustomerName(analysis.standard_name, NameType.LEGAL)
        self._add_name(uow, customer_id, legal)
        for alias in aliases:
            self._add_name(uow, customer_id, alias)
        for contact in contacts:
            store.add_contact(customer_id, contact)
        store.set_tags(customer_id, data.tags)
        customer = self.reindex(uow, customer_id)
        uow.audit.append(
            AuditEntry(
                actor.username,
                "customer.register",
                "customer",
                customer.customer_no,
                after=customer.to_dict(),
                reason=data.confirm_reason,
            )
        )
        warnings = tuple(p for p in analysis.problems if p.severity is not Severity.ERROR)
        return Registration(customer, warnings, tuple(candidates))

    # -- read ------------------------------------------------------------------------------

    def get(self, ref: str | int, *, actor: Actor) -> Customer:
        """A customer by number or id; a merged tombstone answers with its survivor."""
        with self.unit_of_work() as uow:
            customer = self.resolve(uow, ref, follow=True)
        require_visible(actor, customer)
        return customer

    def history(self, ref: str | int, *, actor: Actor) -> list[dict[str, Any]]:
        """The audit trail of one customer, oldest first."""
        with self.unit_of_work() as uow:
            customer = self.resolve(uow, ref, follow=False)
            require_visible(actor, customer)
            return uow.audit.history("customer", customer.customer_no)

    def list(
        self,
        *,
        actor: Actor,
        filters: CustomerFilter | None = None,
        sort: str = "updated",
        page: int = 1,
        page_size: int = 20,
    ) -> Page[Customer]:
        """One page of customers the actor may see."""
        if sort not in SORTS:
            raise InvalidInputError(
                f"未知的排序方式 / unknown sort: {sort}", details={"sorts": list(SORTS)}
            )
        filters = visible_filter(filters or CustomerFilter(), actor)
        page, page_size = max(page, 1), min(max(page_size, 1), 200)
        with self.unit_of_work() as uow:
            items, total = uow.customers.page(
                filters, sort=sort, offset=(page - 1) * page_size, limit=page_size
            )
        return Page(items, total, page, page_size)

    # -- change ----------------------------------------------------------------------------

    def update(
        self, ref: str | int, changes: CustomerUpdate, *, expected_version: int, actor: Actor
    ) -> Customer:
        """Change fields of a customer that is still at ``expected_version``."""
        values = changes.model_dump(exclude_unset=True)
        tags = values.pop("tags", None)
        if values.get("uscc"):
            values["uscc"] = identifiers.validate_uscc(values["uscc"])
        if "region_code" in values:
            values["region_code"] = _region_code(values["region_code"])
        if "type" in values and values["type"] is not None:
            values["type"] = values["type"].value
        with self.unit_of_work(write=True) as uow:
            before = self._editable(uow, ref, actor, expected_version)
            if values.get("uscc") and values["uscc"] != before.uscc:
                uow.customers.lock_keys([f"uscc:{values['uscc']}"])
                self._refuse_taken_uscc(uow, values["uscc"], before, actor)
            write_versioned(uow, before, values, expected_version)
            if tags is not None:
                uow.customers.set_tags(before.id, tags)
            after = self.reindex(uow, before.id)
            self.audit(uow, actor, "customer.update", before, after)
        return after

    def rename(
        self, ref: str | int, data: RenameInput, *, expected_version: int, actor: Actor
    ) -> Customer:
        """Give the customer a new registered name; the old one becomes a dated former name."""
        with self.unit_of_work(write=True) as uow:
            before = self._editable(uow, ref, actor, expected_version)
            analysis = self._checked_name(data.name, before.uscc)
            if analysis.standard_name == before.name:
                raise InvalidInputError(
                    "新名称与当前名称相同 / the new name is the current name",
                    details={"name": before.name},
                )
            record = MatchRecord(analysis)
            uow.customers.lock_keys(strong_keys(record))
            others = find_duplicates(
                uow.customers,
                record,
                actor=actor,
                settings=self.match_settings,
                analyze=self.analyze,
                exclude=[before.id],
            )
            _refuse_duplicates(
                [c for c in others if c.decision is Decision.SAME], confirm_reason=None
            )
            effective = data.effective or utc_now().date()
            for name in before.names_of(NameType.LEGAL):
                assert name.id is not None  # stored names always have ids
                uow.customers.update_name(name.id, type=NameType.FORMER.value, valid_to=effective)
            self._add_name(
                uow,
                before.id,
                CustomerName(analysis.standard_name, NameType.LEGAL, valid_from=effective),
            )
            parts = analysis.parts
            write_versioned(
                uow,
                before,
                {
                    "name": analysis.standard_name,
                    "name_key": analysis.name_key,
                    "kind": analysis.kind.value,
                    "trade_name": parts.trade_name,
                    "industry_words": parts.industry,
                    "legal_form": parts.legal_form,
                    "branch": parts.branch,
                    "region_code": before.region_code or parts.region_code,
                },
                expected_version,
            )
            after = self.reindex(uow, before.id)
            self.audit(uow, actor, "customer.rename", before, after, reason=data.reason)
        return after

    def add_alias(
        self,
        ref: str | int,
        alias: AliasInput,
        *,
        actor: Actor,
        expected_version: int | None = None,
    ) -> Customer:
        """Add a short, English, brand or former name (adding one it has already is a no-op)."""
        analysis = self._checked_alias(alias)
        with self.unit_of_work(write=True) as uow:
            before = self._editable(uow, ref, actor, expected_version)
            if any(n.name == analysis.standard_name and n.type is alias.type for n in before.names):
                return before
            self._add_name(uow, before.id, _alias_name(alias, analysis))
            write_versioned(uow, before, {})
            after = self.reindex(uow, before.id)
            self.audit(uow, actor, "customer.add_alias", before, after)
        return after

    def remove_alias(
        self, ref: str | int, name_id: int, *, actor: Actor, expected_version: int | None = None
    ) -> Customer:
        """Remove an alias; the registered (legal) name cannot be removed, only renamed."""
        with self.unit_of_work(write=True) as uow:
            before = self._editable(uow, ref, actor, expected_version)
            name = next((n for n in before.names if n.id == name_id), None)
            if name is None:
                raise NotFoundError(
                    "该客户没有这个名称 / the customer has no such name",
                    details={"customer_no": before.customer_no, "name_id": name_id},
                )
            if name.type is NameType.LEGAL:
                raise InvalidInputError(
                    "不能删除登记名称，请改名 / the registered name cannot be removed; rename",
                    details={"name_id": name_id},
                )
            uow.customers.delete_name(name_id)
            write_versioned(uow, before, {})
            after = self.reindex(uow, before.id)
            self.audit(uow, actor, "customer.remove_alias", before, after)
        return after

    def set_status(
        self,
        ref: str | int,
        status: CustomerStatus,
        *,
        actor: Actor,
        reason: str | None = None,
        expected_version: int | None = None,
    ) -> Customer:
        """Archive, move to the recycle bin (``deleted``) or restore (``active``)."""
        with self.unit_of_work(write=True) as uow:
            before = self._editable(uow, ref, actor, expected_version, allow_inactive=True)
            if (before.status.value, status.value) not in _TRANSITIONS:
                raise InvalidStateError(
                    f"不能从“{before.status.value}”变为“{status.value}” / "
                    f"cannot go from {before.status.value} to {status.value}",
                    details={"customer_no": before.customer_no, "status": before.status.value},
                )
            write_versioned(uow, before, {"status": status.value})
            after = self.reindex(uow, before.id)
            self.audit(uow, actor, f"customer.{_ACTIONS[status]}", before, after, reason=reason)
        return after

    # -- internals -------------------------------------------------------------------------

    def _checked_name(self, name: str, uscc: str | None) -> NameAnalysis:
        analysis = self.analyze(name, uscc)
        errors = [p for p in analysis.problems if p.severity is Severity.ERROR]
        if errors:
            raise NamingRuleError(
                errors[0].message,
                details={
                    "name": name,
                    "standard_name": analysis.standard_name,
                    "suggestion": next((p.suggestion for p in errors if p.suggestion), None),
                    "problems": [p.to_dict() for p in analysis.problems],
                },
            )
        return analysis

    def _checked_alias(self, alias: AliasInput) -> NameAnalysis:
        if alias.type not in _ALIAS_TYPES:
            raise InvalidInputError(
                "别名类型必须是 short / english / brand / former",
                details={"type": alias.type.value},
            )
        analysis = self.analyze(alias.name, None)
        errors = [
            p
            for p in analysis.problems
            if p.severity is Severity.ERROR and p.code not in ALIAS_TOLERATED
        ]
        if errors:
            raise NamingRuleError(
                errors[0].message,
                details={"name": alias.name, "problems": [p.to_dict() for p in errors]},
            )
        return analysis

    def _add_name(self, uow: UnitOfWork, customer_id: int, name: CustomerName) -> int:
        return uow.customers.add_name(customer_id, name, folded=fold_for_key(name.name))

    def reindex(self, uow: UnitOfWork, customer_id: int) -> Customer:
        """Rebuild the customer's keys from its current names and identifiers; reload it."""
        customer = uow.customers.get(customer_id)
        assert customer is not None  # written in this same transaction
        if customer.status is CustomerStatus.MERGED:
            # A tombstone is found through its survivor, which holds its names as aliases.
            uow.customers.replace_keys(customer_id, [])
            return customer
        names = [IndexedName(self.analyze(n.name, None), n.id) for n in customer.names]
        uow.customers.replace_keys(
            customer_id,
            customer_keys(
                names,
                uscc=customer.uscc,
                phones=[c.phone for c in customer.contacts if c.phone],
                emails=[c.email for c in customer.contacts if c.email],
            ),
        )
        return customer

    def resolve(self, uow: UnitOfWork, ref: str | int, *, follow: bool) -> Customer:
        customer_id = _customer_id(uow, ref)
        customer = uow.customers.get(customer_id) if customer_id is not None else None
        seen: set[int] = set()
        while (
            follow
            and customer is not None
            and customer.merged_into is not None
            and customer.id not in seen
        ):
            seen.add(customer.id)
            customer = uow.customers.get(customer.merged_into)
        if customer is None:
            raise NotFoundError(
                f"客户不存在 / no such customer: {ref}", details={"customer": str(ref)}
            )
        return customer

    def _editable(
        self,
        uow: UnitOfWork,
        ref: str | int,
        actor: Actor,
        expected_version: int | None,
        *,
        allow_inactive: bool = False,
    ) -> Customer:
        customer = self.resolve(uow, ref, follow=False)
        require_visible(actor, customer)
        if customer.status is CustomerStatus.MERGED or (
            not allow_inactive and customer.status is not CustomerStatus.ACTIVE
        ):
            raise InvalidStateError(
                f"客户状态为“{customer.status.value}”，不能修改 / the customer is "
                f"{customer.status.value} and cannot be changed",
                details={"customer_no": customer.customer_no, "status": customer.status.value},
            )
        if expected_version is not None and expected_version != customer.version:
            raise version_conflict(uow, customer, expected_version)
        return customer

    def _refuse_taken_uscc(
        self, uow: UnitOfWork, uscc: str, customer: Customer, actor: Actor
    ) -> None:
        hits = uow.customers.find_keys([_uscc_probe(uscc)], limit=5)
        for other in uow.customers.load(
            [h.customer_id for h in hits if h.customer_id != customer.id]
        ):
            if other.status is not CustomerStatus.MERGED:
                raise DuplicateCustomerError(
                    "该统一社会信用代码已属于另一个客户 / the credit code belongs to another customer",
                    details=_owner_details(other, actor),
                )

    def audit(
        self,
        uow: UnitOfWork,
        actor: Actor,
        action: str,
        before: Customer,
        after: Customer,
        *,
        reason: str | None = None,
    ) -> None:
        old, new = before.to_dict(), after.to_dict()
        changed = {k for k in new if old.get(k) != new[k] and k not in ("updated_at",)}
        uow.audit.append(
            AuditEntry(
                actor.username,
                action,
                "customer",
                after.customer_no,
                before={k: old[k] for k in sorted(changed)},
                after={k: new[k] for k in sorted(changed)},
                reason=reason,
            )
        )


_ACTIONS = {
    CustomerStatus.ARCHIVED: "archive",
    CustomerStatus.DELETED: "delete",
    CustomerStatus.ACTIVE: "restore",
    CustomerStatus.MERGED: "merge",
}


def _refuse_duplicates(
    candidates: Sequence[DuplicateCandidate],
    *,
    confirm_reason: str | None,
    uscc: str | None = None,
) -> None:
    # One credit code is one legal entity, whatever the names say.
    same = [
        c for c in candidates if c.decision is Decision.SAME or (uscc and c.customer.uscc == uscc)
    ]
    if same:
        first = same[0]
        raise DuplicateCustomerError(
            f"客户已存在：{first.customer.customer_no}（负责人：{first.customer.owner or '公海'}）"
            f" / the customer exists: {first.customer.customer_no}",
            details={
                "customer_no": first.customer.customer_no,
                "owner": first.customer.owner,
                "candidates": [c.to_dict() for c in same],
            },
        )
    likely = [c for c in candidates if c.decision is Decision.LIKELY]
    if likely and not confirm_reason:
        raise PossibleDuplicateError(
            "可能与已有客户重复：请确认并填写原因 / possible duplicates: confirm with a reason",
            details={"candidates": [c.to_dict() for c in likely]},
        )


def require_visible(actor: Actor, customer: Customer) -> None:
    if not actor.can_see(owner=customer.owner, team=customer.team):
        raise PermissionDeniedError(
            "无权查看该客户 / you may not see this customer",
            details={"customer_no": customer.customer_no, "owner": customer.owner},
        )


def _owner_details(customer: Customer, actor: Actor) -> dict[str, Any]:
    details: dict[str, Any] = {"customer_no": customer.customer_no, "owner": customer.owner}
    if actor.can_see(owner=customer.owner, team=customer.team):
        details["name"] = customer.name
    return details


def write_versioned(
    uow: UnitOfWork,
    customer: Customer,
    values: dict[str, Any],
    expected_version: int | None = None,
) -> None:
    """Write ``values`` if the row is still at ``expected_version`` (default: the version
    ``customer`` was read at); otherwise refuse, saying who changed it."""
    version = customer.version if expected_version is None else expected_version
    if not uow.customers.update(customer.id, expected_version=version, values=values):
        raise version_conflict(uow, customer, version)


def version_conflict(
    uow: UnitOfWork, customer: Customer, expected_version: int
) -> VersionConflictError:
    history = uow.audit.history("customer", customer.customer_no)
    last = history[-1] if history else None
    current = uow.customers.get(customer.id) or customer
    return VersionConflictError(
        "客户已被他人修改，请刷新后重试 / the customer was changed by someone else; reload",
        details={
            "customer_no": customer.customer_no,
            "expected_version": expected_version,
            "current_version": current.version,
            "changed_by": last["actor"] if last else None,
            "changed_at": last["at"] if last else None,
        },
    )


def visible_filter(filters: CustomerFilter, actor: Actor) -> CustomerFilter:
    """``filters`` narrowed to the customers ``actor`` may see (record-level access)."""
    if actor.scope is AccessScope.ALL:
        return replace(filters, visible_owner=None, visible_team=None)
    team = actor.team if actor.scope is AccessScope.TEAM else None
    return replace(filters, visible_owner=actor.username, visible_team=team)


#: Largest id a database integer key holds; larger "ids" cannot name a customer.
_MAX_ID = 2**63 - 1


def _customer_id(uow: UnitOfWork, ref: str | int) -> int | None:
    if isinstance(ref, int):
        return ref if 0 < ref <= _MAX_ID else None
    text = ref.strip()
    found = uow.customers.id_by_number(text)
    if found is None and text.isdigit() and 0 < int(text) <= _MAX_ID:
        return int(text)
    return found


def _uscc_probe(uscc: str) -> KeyProbe:
    return KeyProbe("uscc", int(Side.BOTH), uscc)


def _contact(contact: ContactInput) -> Contact:
    return Contact(
        name=contact.name,
        phone=identifiers.phone_key(contact.phone) if contact.phone else None,
        email=identifiers.validate_email(contact.email) if contact.email else None,
        title=contact.title,
    )


def _alias_name(alias: AliasInput, analysis: NameAnalysis) -> CustomerName:
    if alias.valid_from and alias.valid_to and alias.valid_from > alias.valid_to:
        raise InvalidInputError(
            "起始日期晚于结束日期 / valid_from is after valid_to",
            details={"valid_from": str(alias.valid_from), "valid_to": str(alias.valid_to)},
        )
    return CustomerName(analysis.standard_name, alias.type, alias.valid_from, alias.valid_to)


def _region_code(value: str | None) -> str | None:
    if value is None or not value.strip():
        return None
    code = value.strip()
    if not (len(code) == 6 and code.isdigit()):
        raise InvalidInputError(
            "地区代码必须是 6 位 GB/T 2260 代码 / the region must be a 6-digit GB/T 2260 code",
            details={"region_code": code},
        )
    return code
