from __future__ import annotations

import doctest
import random
from collections import defaultdict, deque
from collections.abc import Iterable, Mapping

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import zhengming.domain.matching.clustering as clustering
from zhengming.domain.matching.clustering import (
    ClusterSettings,
    attach_satellites,
    cluster_records,
    connected_components,
    pairs_in_same_cluster,
)

Edge = tuple[str, str, float]
NO_LIMIT = ClusterSettings(max_cluster_size=10**9)
USCC_A = "91110113MA01GHE6XA"
USCC_B = "91110105MA01GHN16Q"
USCC_C = "91310000MA1FL5CK0D"


# --- oracles: slow and obviously right -----------------------------------------------------------


def bfs_components(ids: Iterable[str], edges: Iterable[Edge], threshold: float) -> dict[str, str]:
    """Breadth-first search over the edges at or above threshold; label = smallest member."""
    adjacency: dict[str, set[str]] = defaultdict(set)
    for a, b, p in edges:
        if p >= threshold:
            adjacency[a].add(b)
            adjacency[b].add(a)
    result: dict[str, str] = {}
    for start in ids:
        if start in result:
            continue
        seen = {start}
        queue = deque([start])
        while queue:
            for neighbour in adjacency[queue.popleft()]:
                if neighbour not in seen:
                    seen.add(neighbour)
                    queue.append(neighbour)
        label = min(seen)
        result.update(dict.fromkeys(seen, label))
    return result


def greedy_guarded(
    ids: Iterable[str], edges: Iterable[Edge], identities: Mapping[str, str], threshold: float
) -> dict[str, str]:
    """Constrained union written the naive way: explicit member sets, all edges sorted."""
    groups: dict[str, frozenset[str]] = {i: frozenset([i]) for i in ids}
    ordered = sorted((-p, min(a, b), max(a, b)) for a, b, p in edges if p >= threshold and a != b)
    for _, a, b in ordered:
        if groups[a] is groups[b]:
            continue
        merged = groups[a] | groups[b]
        if len({identities[m] for m in merged if identities.get(m)}) > 1:
            continue
        for member in merged:
            groups[member] = merged
    return {i: min(group) for i, group in groups.items()}


def clusters_of(result: Mapping[str, str]) -> list[set[str]]:
    members: dict[str, set[str]] = defaultdict(set)
    for record, cluster in result.items():
        members[cluster].add(record)
    return list(members.values())


# --- tables ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ids", "edges", "expected"),
    [
        pytest.param([], [], {}, id="empty"),
        pytest.param(["b", "a"], [], {"a": "a", "b": "b"}, id="singletons"),
        pytest.param(
            ["a", "b", "c", "d"],
            [("c", "b", 0.9), ("b", "a", 0.9), ("c", "d", 0.89)],
            {"a": "a", "b": "a", "c": "a", "d": "d"},
            id="chain-at-and-below-threshold",
        ),
        pytest.param(
            ["a", "b", "c"],
            [("a", "a", 1.0), ("b", "a", 0.5), ("a", "b", 0.95), ("a", "b", 0.2), ("c", "c", 1)],
            {"a": "a", "b": "a", "c": "c"},
            id="self-and-duplicate-edges",
        ),
        pytest.param(["x", "y", "x"], [("y", "x", 0.99)], {"x": "x", "y": "x"}, id="duplicate-ids"),
        pytest.param(
            ["a", "b"], [("a", "b", float("nan"))], {"a": "a", "b": "b"}, id="nan-never-joins"
        ),
        pytest.param(
            ["客户10", "客户2", "客户1"],
            [("客户2", "客户10", 0.93)],
            {"客户10": "客户10", "客户2": "客户10", "客户1": "客户1"},
            id="string-order-not-numeric",
        ),
    ],
)
def test_cluster_table(ids: list[str], edges: list[Edge], expected: dict[str, str]) -> None:
    assert cluster_records(ids, edges) == expected


def test_output_follows_input_order_and_is_deterministic() -> None:
    ids = [f"C{i:03d}" for i in range(40)]
    rng = random.Random(3)
    edges = [(rng.choice(ids), rng.choice(ids), rng.choice([0.9, 0.95, 0.99])) for _ in range(50)]
    identities = {i: rng.choice([USCC_A, USCC_B]) for i in ids[::3]}
    expected = cluster_records(ids, edges, identities=identities)
    for _ in range(5):
        rng.shuffle(ids)
        rng.shuffle(edges)
        result = cluster_records(ids, edges, identities=identities)
        assert result == expected
        assert list(result) == ids


def test_unknown_ids_in_edges_are_refused() -> None:
    with pytest.raises(ValueError, match="'z'"):
        cluster_records(["a", "b"], [("a", "z", 0.99)])
    with pytest.raises(ValueError, match="'z'"):
        cluster_records(["a", "b"], [("z", "a", 0.1)])  # checked even below the threshold
    with pytest.raises(ValueError, match="'z'"):
        connected_components(["a"], [("a", "z")])


@pytest.mark.parametrize(
    "kwargs",
    [
        {"threshold": 1.5},
        {"threshold": -0.1},
        {"chain_threshold": float("nan")},
        {"max_cluster_size": 0},
    ],
)
def test_settings_are_checked(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError, match="must be"):
        ClusterSettings(**kwargs)  # type: ignore[arg-type]


def test_pairs_in_same_cluster() -> None:
    clusters = {"c": "a", "a": "a", "b": "a", "d": "d", "e": "e", "f": "e"}
    assert pairs_in_same_cluster(clusters) == {("a", "b"), ("a", "c"), ("b", "c"), ("e", "f")}
    assert pairs_in_same_cluster({}) == set()


def test_docstring_examples() -> None:
    assert doctest.testmod(clustering).failed == 0


# --- identity guard -------------------------------------------------------------------------------


def test_strongest_edge_wins_a_chain_between_identities() -> None:
    result = cluster_records(
        ["A", "B", "C"],
        [("B", "C", 0.98), ("A", "B", 0.99)],
        identities={"A": USCC_A, "C": USCC_B},
    )
    assert result == {"A": "A", "B": "A", "C": "C"}


def test_triangle_with_conflicting_identities() -> None:
    edges = [("A", "B", 0.95), ("B", "C", 0.97), ("A", "C", 0.99)]
    # A and C carry one identity, B another: A–C is strongest, B cannot join them.
    result = cluster_records(
        ["A", "B", "C"], edges, identities={"A": USCC_A, "B": USCC_B, "C": USCC_A}
    )
    assert result == {"A": "A", "B": "B", "C": "A"}
    # Three identities: nothing joins.
    result = cluster_records(
        ["A", "B", "C"], edges, identities={"A": USCC_A, "B": USCC_B, "C": USCC_C}
    )
    assert result == {"A": "A", "B": "B", "C": "C"}


def test_record_without_identity_bridging_two_identities() -> None:
    ids = ["A1", "A2", "X", "B1", "B2"]
    edges = [
        ("A1", "A2", 0.99),
        ("A2", "X", 0.93),
        ("X", "B1", 0.96),  # X's strongest tie is to the B side
        ("B1", "B2", 0.99),
    ]
    identities = {"A1": USCC_A, "B2": USCC_B}
    result = cluster_records(ids, edges, identities=identities)
    assert result == {"A1": "A1", "A2": "A1", "X": "B1", "B1": "B1", "B2": "B1"}


def test_equal_probabilities_break_ties_by_ids() -> None:
    # B is tied to A and to C; (A, B) sorts before (B, C), so B goes with A.
    edges = [("C", "B", 0.95), ("B", "A", 0.95)]
    result = cluster_records(["C", "B", "A"], edges, identities={"A": USCC_A, "C": USCC_B})
    assert result == {"A": "A", "B": "A", "C": "C"}


def test_identity_is_a_guard_not_evidence() -> None:
    identities = {"a": USCC_A, "b": USCC_A, "c": "", "d": ""}
    result = cluster_records(["a", "b", "c", "d"], [("c", "d", 0.99)], identities=identities)
    assert result == {"a": "a", "b": "b", "c": "c", "d": "c"}  # "" is no identity


def test_components_without_conflict_are_untouched() -> None:
    identities = {"a": USCC_A, "b": USCC_A, "x": USCC_B, "z": USCC_C}
    edges = [("a", "b", 0.91), ("b", "c", 0.92), ("x", "y", 0.95), ("y", "z", 0.99)]
    result = cluster_records(list("abcxyz"), edges, identities=identities)
    assert result == {"a": "a", "b": "a", "c": "a", "x": "x", "y": "y", "z": "y"}


# --- weak chains ----------------------------------------------------------------------------------


def test_long_weak_chain_is_split() -> None:
    ids = [f"P{i:02d}" for i in range(60)]
    path = [(ids[i], ids[i + 1], 0.95) for i in range(59)]
    assert cluster_records(ids, path) == {i: i for i in ids}
    # Strong links inside the chain still hold: every other edge at 0.995 leaves pairs.
    mixed = [(a, b, 0.995 if n % 2 == 0 else 0.95) for n, (a, b, _) in enumerate(path)]
    assert len(set(cluster_records(ids, mixed).values())) == 30
    # Under the size limit a weak chain stays one cluster.
    assert set(cluster_records(ids[:50], path[:49]).values()) == {"P00"}


def test_strong_clique_stays_together_even_when_large() -> None:
    ids = [f"K{i:02d}" for i in range(60)]
    clique = [(a, b, 0.995) for n, a in enumerate(ids) for b in ids[n + 1 :]]
    assert set(cluster_records(ids, clique).values()) == {"K00"}


def test_splitting_respects_identities() -> None:
    ids = [f"K{i:02d}" for i in range(60)]
    clique = [(a, b, 0.995) for n, a in enumerate(ids) for b in ids[n + 1 :]]
    identities = {"K10": USCC_A, "K20": USCC_B}
    result = cluster_records(ids, clique, identities=identities)
    assert result["K10"] != result["K20"]
    assert len(set(result.values())) == 2  # the unidentified 58 follow the first identity met


def test_splitting_never_rejoins_what_identities_kept_apart() -> None:
    left = [f"L{i}" for i in range(6)]
    right = [f"R{i}" for i in range(6)]
    edges = [
        (a, b, 0.999) for side in (left, right) for n, a in enumerate(side) for b in side[n + 1 :]
    ]
    edges.append(("L0", "R0", 0.995))  # strong, but refused: it would join two identities
    settings = ClusterSettings(max_cluster_size=5)
    result = cluster_records(
        left + right, edges, identities={"L5": USCC_A, "R5": USCC_B}, settings=settings
    )
    assert set(result.values()) == {"L0", "R0"}


# --- properties -----------------------------------------------------------------------------------

# Sixty examples each keep the file under a few seconds; no deadline, since CI machines stall.
fast = settings(max_examples=60, deadline=None)
PROBABILITIES = st.one_of(
    st.sampled_from([0.0, 0.5, 0.89, 0.9, 0.95, 0.99, 0.995, 1.0]),
    st.floats(min_value=0.0, max_value=1.0),
)


@st.composite
def graphs(draw: st.DrawFn) -> tuple[list[str], list[Edge]]:
    ids = draw(st.lists(st.text("abcd甲乙", min_size=1, max_size=3), unique=True, max_size=30))
    if not ids:
        return ids, []
    node = st.sampled_from(ids)
    edges = draw(st.lists(st.tuples(node, node, PROBABILITIES), max_size=60))
    return ids, edges


@st.composite
def identity_maps(draw: st.DrawFn, ids: list[str]) -> dict[str, str]:
    known = draw(st.lists(st.sampled_from(ids), unique=True)) if ids else []
    return {i: draw(st.sampled_from([USCC_A, USCC_B, USCC_C, ""])) for i in known}


@fast
@given(graphs(), st.sampled_from([0.0, 0.5, 0.9, 0.99]))
def test_equals_connected_components_oracle(graph: tuple[list[str], list[Edge]], t: float) -> None:
    ids, edges = graph
    settings = ClusterSettings(threshold=t, max_cluster_size=10**9)
    expected = bfs_components(ids, edges, t)
    assert cluster_records(ids, edges, settings=settings) == expected
    assert connected_components(ids, [(a, b) for a, b, p in edges if p >= t]) == expected


@fast
@given(st.data(), graphs())
def test_identity_guard_equals_naive_greedy(
    data: st.DataObject, graph: tuple[list[str], list[Edge]]
) -> None:
    ids, edges = graph
    identities = data.draw(identity_maps(ids))
    result = cluster_records(ids, edges, identities=identities, settings=NO_LIMIT)
    assert result == greedy_guarded(ids, edges, identities, NO_LIMIT.threshold)


@fast
@given(st.data(), graphs(), st.integers(min_value=1, max_value=8))
def test_no_cluster_mixes_identities(
    data: st.DataObject, graph: tuple[list[str], list[Edge]], max_size: int
) -> None:
    ids, edges = graph
    identities = data.draw(identity_maps(ids))
    settings = ClusterSettings(max_cluster_size=max_size, chain_threshold=0.99)
    for cluster in clusters_of(
        cluster_records(ids, edges, identities=identities, settings=settings)
    ):
        assert len({identities[m] for m in cluster if identities.get(m)}) <= 1


@fast
@given(st.data(), graphs(), st.integers(min_value=1, max_value=8))
def test_invariant_under_permutation(
    data: st.DataObject, graph: tuple[list[str], list[Edge]], max_size: int
) -> None:
    ids, edges = graph
    identities = data.draw(identity_maps(ids))
    settings = ClusterSettings(max_cluster_size=max_size)
    expected = cluster_records(ids, edges, identities=identities, settings=settings)
    shuffled_ids = data.draw(st.permutations(ids))
    flipped = [(b, a, p) for a, b, p in data.draw(st.permutations(edges))]
    assert cluster_records(shuffled_ids, flipped, identities=identities, settings=settings) == (
        expected
    )


@fast
@given(st.data(), graphs(), st.integers(min_value=1, max_value=8))
def test_clusters_are_well_formed(
    data: st.DataObject, graph: tuple[list[str], list[Edge]], max_size: int
) -> None:
    ids, edges = graph
    identities = data.draw(identity_maps(ids))
    settings = ClusterSettings(max_cluster_size=max_size)
    result = cluster_records(ids, edges, identities=identities, settings=settings)
    assert sorted(result) == sorted(ids)  # every id exactly once
    components = bfs_components(ids, edges, settings.threshold)
    for cluster in clusters_of(result):
        label = result[next(iter(cluster))]
        assert label == min(cluster)  # the label is a member, the smallest
        assert len({components[m] for m in cluster}) == 1  # clusters refine components
        # Each cluster hangs together by its own edges (a split never leaves a disconnected part).
        inside = [(a, b, p) for a, b, p in edges if a in cluster and b in cluster]
        assert len(set(bfs_components(cluster, inside, settings.threshold).values())) == 1
        if len(cluster) > max_size:  # kept large only by strong edges
            assert len(set(bfs_components(cluster, inside, settings.chain_threshold).values())) == 1


# --- scale ----------------------------------------------------------------------------------------


def test_fifty_thousand_records_match_connected_components() -> None:
    rng = random.Random(20240601)
    ids = [f"C{i:06d}" for i in range(50_000)]
    edges = [(rng.choice(ids), rng.choice(ids), rng.uniform(0.8, 1.0)) for _ in range(60_000)]
    result = cluster_records(ids, edges, settings=NO_LIMIT)
    assert result == connected_components(ids, [(a, b) for a, b, p in edges if p >= 0.9])
    guarded = cluster_records(ids, edges)  # default size guard on a graph with a giant component
    assert max(len(c) for c in clusters_of(result)) > 50
    assert len(set(guarded.values())) > len(set(result.values()))


def test_regions_never_mix_through_a_record_without_region() -> None:
    # 高速路桥 (no region) matches 山东高速 strongly and 山西高速 a little less.
    edges = [("nowhere", "shandong", 0.99), ("nowhere", "shanxi", 0.98)]
    clusters = cluster_records(
        ["nowhere", "shandong", "shanxi"],
        edges,
        regions={"shandong": "37", "shanxi": "14"},
    )
    assert clusters == {"nowhere": "nowhere", "shandong": "nowhere", "shanxi": "shanxi"}


def test_regions_and_identities_guard_together() -> None:
    edges = [("a", "b", 0.99), ("b", "c", 0.98), ("c", "d", 0.97)]
    clusters = cluster_records(
        ["a", "b", "c", "d"],
        edges,
        identities={"a": "X", "d": "Y"},
        regions={"b": "11", "c": "11"},
    )
    assert clusters["a"] == clusters["b"] == clusters["c"]
    assert clusters["d"] == "d"


def test_satellite_attaches_to_its_one_strongest_cluster() -> None:
    clusters = {"full": "full", "variant": "full", "short": "short", "other": "other"}
    edges = [("short", "variant", 0.85), ("short", "other", 0.81)]
    result = attach_satellites(clusters, edges, {"short"})
    assert result == {"full": "full", "variant": "full", "short": "full", "other": "other"}


def test_ambiguous_satellite_stays_alone() -> None:
    clusters = {"a": "a", "b": "b", "short": "short"}
    edges = [("short", "a", 0.85), ("short", "b", 0.85)]
    assert attach_satellites(clusters, edges, {"short"})["short"] == "short"


def test_satellite_guards_and_satellite_pairs() -> None:
    clusters = {"a": "a", "s": "s", "t": "t"}
    edges = [("s", "a", 0.9), ("s", "t", 0.95)]
    # s and t are both satellites: their edge is ignored; a's credit code conflicts with s's.
    result = attach_satellites(clusters, edges, {"s", "t"}, identities={"a": "X", "s": "Y"})
    assert result == {"a": "a", "s": "s", "t": "t"}


def test_satellite_relabels_with_the_smallest_id() -> None:
    result = attach_satellites({"b": "b", "a": "a"}, [("a", "b", 0.9)], {"a"})
    assert result == {"b": "a", "a": "a"}


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 11), st.integers(0, 11), st.floats(0, 1)), max_size=40),
    st.sets(st.integers(0, 11)),
    st.lists(st.tuples(st.integers(0, 11), st.integers(0, 11), st.floats(0, 1)), max_size=30),
)
def test_satellites_never_merge_two_clusters(
    strong: list[tuple[int, int, float]],
    satellite_numbers: set[int],
    weak: list[tuple[int, int, float]],
) -> None:
    ids = [f"r{i:02d}" for i in range(12)]
    before = cluster_records(ids, [(ids[a], ids[b], p) for a, b, p in strong])
    satellites = {ids[i] for i in satellite_numbers}
    after = attach_satellites(before, [(ids[a], ids[b], p) for a, b, p in weak], satellites)
    # Records that were apart and are not satellites stay apart; only satellites move.
    for x in ids:
        for y in ids:
            if x in satellites or y in satellites:
                continue
            assert (before[x] == before[y]) == (after[x] == after[y])
    # Only lone satellites move: one already in a group stays with all of it. (Cluster ids
    # may be renamed when a satellite joins, so compare memberships, not ids.)
    for x in satellites:
        group = {y for y in ids if before[y] == before[x]}
        if len(group) > 1:
            assert all(after[y] == after[x] for y in group)
