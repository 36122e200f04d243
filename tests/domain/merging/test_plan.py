"""Survivorship rules and merge plans: who survives, which value each field keeps, the guards."""

from __future__ import annotations

import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from zhengming.domain.customer import Customer, CustomerName, CustomerStatus, NameType
from zhengming.domain.merging import MERGED_FIELDS, plan_merge, rank_records
from zhengming.errors import InvalidInputError, InvalidStateError, MergeRefusedError

VALID_USCC = "91110108551385082Q"
OTHER_VALID_USCC = "91440300708461136T"
T0 = datetime.datetime(2020, 1, 1)


def _customer(customer_id: int, **values: object) -> Customer:
    name = str(values.pop("name", f"客户{customer_id}科技有限公司"))
    base: dict[str, object] = {
        "id": customer_id,
        "customer_no": f"C{customer_id:06d}",
        "kind": "company",
        "name": name,
        "name_key": f"key{customer_id}",
        "status": CustomerStatus.ACTIVE,
        "version": 1,
        "created_at": T0 + datetime.timedelta(days=customer_id),
        "updated_at": T0,
        "names": (CustomerName(name, NameType.LEGAL, id=customer_id * 10),),
    }
    base.update(values)
    return Customer(**base)  # type: ignore[arg-type]


def test_a_valid_credit_code_wins_over_everything_else() -> None:
    ranked = rank_records(
        [
            _customer(1, last_verified_at=datetime.datetime(2026, 1, 1), size="large"),
            _customer(2, uscc=VALID_USCC),
        ]
    )
    assert [c.id for c in ranked] == [2, 1]


def test_then_the_most_recently_verified_then_the_most_complete_then_the_oldest() -> None:
    verified = _customer(3, last_verified_at=datetime.datetime(2026, 1, 1))
    complete = _customer(1, size="large", industry="I65", source="展会")
    oldest = _customer(0)
    assert rank_records([complete, oldest, verified])[0] is verified
    assert rank_records([oldest, complete])[0] is complete
    assert rank_records([_customer(5), oldest])[0] is oldest


def test_an_invalid_credit_code_counts_for_nothing() -> None:
    ranked = rank_records([_customer(2, uscc="91110108551385082X"), _customer(1, size="large")])
    assert ranked[0].id == 1


def test_empty_fields_of_the_survivor_are_filled_and_overrides_are_respected() -> None:
    survivor = _customer(1, uscc=VALID_USCC, owner=None, industry="I65")
    other = _customer(2, owner="alice", industry="C39")
    plan = plan_merge([other, survivor])
    assert plan.survivor_id == 1
    assert plan.values["owner"] == ("alice", 2)
    assert plan.values["industry"] == ("I65", 1)
    overridden = plan_merge([other, survivor], overrides={"industry": 2})
    assert overridden.values["industry"] == ("C39", 2)


def test_merged_names_become_aliases_and_legal_names_former_names() -> None:
    survivor = _customer(1, uscc=VALID_USCC, name="北京字节跳动科技有限公司")
    short = CustomerName("字节跳动", NameType.SHORT, id=21)
    other = _customer(
        2,
        name="字节跳动（北京）科技有限公司",
        names=(CustomerName("字节跳动（北京）科技有限公司", NameType.LEGAL, id=20), short),
    )
    plan = plan_merge([survivor, other], today=datetime.date(2026, 11, 23))
    assert plan.new_names == (
        CustomerName(
            "字节跳动（北京）科技有限公司", NameType.FORMER, None, datetime.date(2026, 11, 23)
        ),
        short,
    )


@pytest.mark.parametrize(
    ("records", "error"),
    [
        ([_customer(1)], InvalidInputError),
        ([_customer(1), _customer(1)], InvalidInputError),
        ([_customer(i) for i in range(11)], InvalidInputError),
        ([_customer(1), _customer(2, status=CustomerStatus.MERGED)], InvalidStateError),
        ([_customer(1, uscc=VALID_USCC), _customer(2, uscc=OTHER_VALID_USCC)], MergeRefusedError),
        (
            [
                _customer(1, trade_name="平安银行"),
                _customer(2, trade_name="平安银行", branch="北京分行"),
            ],
            MergeRefusedError,
        ),
    ],
    ids=["one", "itself", "over_limit", "tombstone", "two_credit_codes", "branch_and_head"],
)
def test_guards_refuse_bad_merges(records: list[Customer], error: type[Exception]) -> None:
    with pytest.raises(error):
        plan_merge(records)


def test_an_admin_may_merge_two_credit_codes_with_a_reason() -> None:
    records = [_customer(1, uscc=VALID_USCC), _customer(2, uscc=OTHER_VALID_USCC)]
    plan = plan_merge(records, override_reason="同一集团重复登记，经法务确认")
    assert plan.override_reason
    assert plan.values["uscc"][0] == VALID_USCC  # the survivor keeps its own code


def test_the_chosen_survivor_must_be_in_the_merge() -> None:
    with pytest.raises(InvalidInputError):
        plan_merge([_customer(1), _customer(2)], survivor_id=3)
    assert plan_merge([_customer(1), _customer(2)], survivor_id=2).survivor_id == 2


_values = st.one_of(st.none(), st.sampled_from(["", "a", "b", "c"]))


@st.composite
def _records(draw: st.DrawFn) -> list[Customer]:
    count = draw(st.integers(min_value=2, max_value=6))
    return [
        _customer(
            i + 1,
            owner=draw(_values),
            team=draw(_values),
            size=draw(_values),
            source=draw(_values),
            industry=draw(_values),
            names=tuple(
                CustomerName(
                    f"名{i}{j}有限公司", draw(st.sampled_from(list(NameType))), id=i * 10 + j
                )
                for j in range(draw(st.integers(min_value=1, max_value=3)))
            ),
        )
        for i in range(count)
    ]


@given(_records())
def test_no_value_and_no_name_of_a_merged_record_is_lost(records: list[Customer]) -> None:
    plan = plan_merge(records, today=datetime.date(2026, 1, 1))
    survivor = next(c for c in records if c.id == plan.survivor_id)
    # Every non-empty field value is either kept or recorded as coming from its record.
    for field in MERGED_FIELDS:
        value, source = plan.values[field]
        assert value == getattr(next(c for c in records if c.id == source), field)
        if any(getattr(c, field) not in (None, "") for c in records):
            assert value not in (None, "")
    # Every name of every record is on the survivor afterwards, under some type.
    after = {n.name for n in survivor.names} | {n.name for n in plan.new_names}
    assert after == {n.name for c in records for n in c.names}
    assert set(plan.merged_ids) | {plan.survivor_id} == {c.id for c in records}


@given(_records(), st.randoms(use_true_random=False))
def test_the_survivor_does_not_depend_on_the_order_given(
    records: list[Customer], random: object
) -> None:
    shuffled = list(records)
    random.shuffle(shuffled)  # type: ignore[attr-defined]
    assert plan_merge(records).survivor_id == plan_merge(shuffled).survivor_id
