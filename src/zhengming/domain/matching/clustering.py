"""Clustering: scored pairs -> groups of records that are one customer.

The batch executors score candidate pairs; this module turns those pairs into clusters. It is
plain Python over integer lists (a union-find with path halving and union by size, no recursion):
records become list positions once, each edge is read once, and only the components that need a
guard are worked on again, so millions of pairs cluster without numpy.

Rules, in the order they apply:

1. **Components.** Two records join when a chain of edges with probability ``>= threshold``
   links them. Self-edges are ignored; for duplicate edges the highest probability counts.
2. **Hard identity guard.** Records carrying *different* identities (two different valid
   统一社会信用代码) never share a cluster, not even through a bridge A–B–C where only A and C
   carry identities. Inside a component that would mix identities, edges are applied strongest
   first (ties broken by the ids, for determinism) and a union that would bring two identities
   together is refused. This constrained union is greedy: the strongest evidence wins, and a
   record without identity goes with the side its strongest edge reaches first. Identity is a
   guard, never evidence: two records with the same identity and no edge stay apart.
3. **Weak-chain guard.** A cluster larger than ``max_cluster_size`` is usually a chain of
   "similar to" links (A~B, B~C, ... between names that are not the same customer). It is
   re-clustered from its own edges with probability ``>= chain_threshold``. A part that is still
   larger is kept as is: such strong edges are evidence we do not overrule. Re-clustering only
   splits a guarded cluster, so the identity guard still holds.
4. **Singletons.** A record without a surviving edge is its own cluster.

A cluster id is the smallest member id in string order, so the output does not depend on the
order of ``ids`` or ``edges``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from itertools import groupby, islice
from operator import eq, itemgetter

__all__ = [
    "ClusterSettings",
    "cluster_records",
    "connected_components",
    "pairs_in_same_cluster",
]


@dataclass(frozen=True, slots=True)
class ClusterSettings:
    """When scored pairs join records into one cluster, and when a cluster is too loose.

    Attributes:
        threshold: an edge joins two records only at probability ``>= threshold``.
        chain_threshold: inside a cluster larger than ``max_cluster_size``, only edges at or
            above this keep records together (a value at or below ``threshold`` splits nothing).
        max_cluster_size: a cluster larger than this is re-clustered with ``chain_threshold``.
    """

    threshold: float = 0.9
    chain_threshold: float = 0.99
    max_cluster_size: int = 50

    def __post_init__(self) -> None:
        for name in ("threshold", "chain_threshold"):
            value = getattr(self, name)
            if math.isnan(value) or not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must be a probability in [0, 1], got {value!r}")
        if self.max_cluster_size < 1:
            raise ValueError(f"max_cluster_size must be at least 1, got {self.max_cluster_size}")


def connected_components(ids: Sequence[str], edges: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Plain connected components, no thresholds and no guards.

    The unguarded baseline :func:`cluster_records` refines, and the oracle its tests compare to.

    Args:
        ids: every record id (duplicates are harmless).
        edges: pairs ``(id_a, id_b)`` that belong together.

    Returns:
        Every id mapped to the smallest id of its component.

    Raises:
        ValueError: an edge names an id that is not in ``ids``.

    Example:
        >>> connected_components(["c", "b", "a", "d"], [("c", "a"), ("a", "b")])
        {'c': 'a', 'b': 'a', 'a': 'a', 'd': 'd'}
    """
    order, index = _index_ids(ids)
    parent = list(range(len(order)))
    size = [1] * len(order)
    try:
        for a, b in edges:
            _union(parent, size, index[a], index[b])
    except KeyError as exc:
        raise ValueError(f"edge names an unknown id: {exc.args[0]!r}") from None
    return _labels(order, parent)


def cluster_records(
    ids: Sequence[str],
    edges: Iterable[tuple[str, str, float]],
    *,
    identities: Mapping[str, str] | None = None,
    regions: Mapping[str, str] | None = None,
    settings: ClusterSettings = ClusterSettings(),  # frozen, so one shared default is safe
) -> dict[str, str]:
    """Cluster scored pairs under the identity and weak-chain guards (see the module docstring).

    Args:
        ids: every record id (duplicates are harmless).
        edges: ``(id_a, id_b, probability)`` for each scored pair, in any order; read once.
        identities: id -> hard identity such as a valid 统一社会信用代码; an id that is absent,
            or maps to ``""``, has no known identity. Ids outside ``ids`` are ignored.
        regions: id -> a region that must not mix either (the province of a company name): a
            record without region that matches two companies of different provinces (高速路桥
            集团 against 山东高速 and 山西高速) joins the stronger one, never both. Guarded like
            identities, as a second dimension: a union is refused when either dimension differs.
        settings: thresholds and the size guard.

    Returns:
        Every id mapped to its cluster id, the smallest member id; keys in the order of ``ids``.

    Raises:
        ValueError: an edge names an id that is not in ``ids``.

    Example:
        >>> cluster_records(
        ...     ["a", "b", "c"],
        ...     [("a", "b", 0.99), ("b", "c", 0.98)],
        ...     identities={"a": "91110000100000000X", "c": "91310000200000000Y"},
        ... )
        {'a': 'a', 'b': 'a', 'c': 'c'}
    """
    order, index = _index_ids(ids)
    n = len(order)
    parent = list(range(n))
    size = [1] * n
    threshold = settings.threshold
    # The edges that pass, kept as record indexes for the guards (``edges`` may be an iterator).
    kept: list[tuple[int, int, float]] = []
    keep = kept.append
    try:
        for id_a, id_b, probability in edges:
            a = index[id_a]
            b = index[id_b]
            # `>=` is False for NaN, so an unscored pair never joins anything.
            if probability >= threshold and a != b:
                keep((a, b, probability))
                # _union inlined: this loop runs once per scored pair, millions of times.
                while parent[a] != a:
                    parent[a] = a = parent[parent[a]]
                while parent[b] != b:
                    parent[b] = b = parent[parent[b]]
                if a != b:
                    if size[a] < size[b]:
                        a, b = b, a
                    parent[b] = a
                    size[a] += size[b]
    except KeyError as exc:
        raise ValueError(f"edge names an unknown id: {exc.args[0]!r}") from None

    if identities or regions:
        identity: list[Identity | None] = [None] * n
        for position, mapping in enumerate((identities or {}, regions or {})):
            for record, value in mapping.items():
                i = index.get(record)
                if i is not None and value:
                    current = identity[i] or (None, None)
                    identity[i] = (value, current[1]) if position == 0 else (current[0], value)
        _guard_identities(order, parent, size, identity, kept)
    if any(parent[i] == i and size[i] > settings.max_cluster_size for i in range(n)):
        _split_chains(parent, size, kept, settings)
    return _labels(order, parent)


def pairs_in_same_cluster(clusters: Mapping[str, str]) -> set[tuple[str, str]]:
    """Every unordered pair ``(a, b)`` with ``a < b`` that shares a cluster.

    Evaluation counts pairs (precision and recall over labelled duplicates), not clusters.

    Example:
        >>> sorted(pairs_in_same_cluster({"a": "a", "b": "a", "c": "a", "d": "d"}))
        [('a', 'b'), ('a', 'c'), ('b', 'c')]
    """
    members: dict[str, list[str]] = {}
    for record, cluster in clusters.items():
        members.setdefault(cluster, []).append(record)
    pairs: set[tuple[str, str]] = set()
    for group in members.values():
        group.sort()
        for position, a in enumerate(group):
            pairs.update((a, b) for b in group[position + 1 :])
    return pairs


def _index_ids(ids: Sequence[str]) -> tuple[list[str], dict[str, int]]:
    """Distinct ids in input order, and each id's position in that list.

    Input order, not sorted order: sorting a million ids costs more than finding each cluster's
    smallest id at the end.
    """
    order = list(dict.fromkeys(ids))
    return order, dict(zip(order, range(len(order)), strict=True))


def _find(parent: list[int], i: int) -> int:
    """Root of ``i``'s set, compressing the path by halving it (iterative: chains can be long)."""
    while parent[i] != i:
        # Point i at its grandparent, then step there (assignment targets go left to right).
        parent[i] = i = parent[parent[i]]
    return i


def _union(parent: list[int], size: list[int], a: int, b: int) -> int:
    """Join the sets of ``a`` and ``b`` (the larger root stays root) and return the root."""
    a = _find(parent, a)
    b = _find(parent, b)
    if a == b:
        return a
    if size[a] < size[b]:
        a, b = b, a
    parent[b] = a
    size[a] += size[b]
    return a


Identity = tuple[str | None, str | None]
"""(hard identity, region) of a record or a set; None where unknown."""


def _conflict(x: Identity | None, y: Identity | None) -> bool:
    if x is None or y is None:
        return False
    return any(a is not None and b is not None and a != b for a, b in zip(x, y, strict=True))


def _merge(x: Identity | None, y: Identity | None) -> Identity | None:
    if x is None or y is None:
        return x or y
    return (x[0] or y[0], x[1] or y[1])


def _guard_identities(
    order: list[str],
    parent: list[int],
    size: list[int],
    identity: list[Identity | None],
    kept: list[tuple[int, int, float]],
) -> None:
    """Redo, strongest edge first, every component that would hold two different identities.

    A component holding at most one identity would never refuse a union, so only the mixed ones
    pay for sorting; the others keep the unions already made.
    """
    seen: dict[int, Identity | None] = {}
    mixed: set[int] = set()
    for i, value in enumerate(identity):
        if value is not None:
            root = _find(parent, i)
            known = seen.get(root)
            if _conflict(known, value):
                mixed.add(root)
            seen[root] = _merge(known, value)
    if not mixed:
        return
    redo = [_find(parent, i) in mixed for i in range(len(parent))]
    for i, again in enumerate(redo):
        if again:
            parent[i] = i
            size[i] = 1
    # Both ends of an edge lie in one component, so one end tells whether the edge is redone.
    edges = _strongest_first(order, [edge for edge in kept if redo[edge[0]]])
    root_identity = identity[:]  # meaningful at roots: the one identity the set may carry
    for a, b, _ in edges:
        while parent[a] != a:  # _find inlined, as in cluster_records: one pass per edge
            parent[a] = a = parent[parent[a]]
        while parent[b] != b:
            parent[b] = b = parent[parent[b]]
        if a == b:
            continue
        identity_a = root_identity[a]
        identity_b = root_identity[b]
        if _conflict(identity_a, identity_b):
            continue  # stronger evidence already placed these two identities apart
        if size[a] < size[b]:
            a, b = b, a
        parent[b] = a
        size[a] += size[b]
        root_identity[a] = _merge(identity_a, identity_b)


def _strongest_first(
    order: list[str], edges: list[tuple[int, int, float]]
) -> list[tuple[int, int, float]]:
    """Edges by descending probability, equal probabilities by their (smaller id, larger id).

    One sort on the bare probability (a float key, several times faster than a tuple key), then
    each run of equal probabilities sorted by ids: scores from discrete comparison levels tie
    often, and the tie-break must not depend on input order.
    """
    edges.sort(key=itemgetter(2), reverse=True)  # reverse=True keeps the sort stable
    probabilities = [edge[2] for edge in edges]
    if not any(map(eq, probabilities, islice(probabilities, 1, None))):
        return edges  # no ties (continuous scores): nothing to reorder
    ordered: list[tuple[int, int, float]] = []
    for _, run in groupby(edges, key=itemgetter(2)):
        tied = list(run)
        if len(tied) > 1:
            tied.sort(key=lambda edge: _id_pair(order, edge))
        ordered.extend(tied)
    return ordered


def _id_pair(order: list[str], edge: tuple[int, int, float]) -> tuple[str, str]:
    """The edge's two ids, smaller first."""
    a = order[edge[0]]
    b = order[edge[1]]
    return (a, b) if a < b else (b, a)


def _split_chains(
    parent: list[int],
    size: list[int],
    kept: list[tuple[int, int, float]],
    settings: ClusterSettings,
) -> None:
    """Re-cluster every oversized cluster from its own edges at ``chain_threshold`` or above.

    Only edges inside one oversized cluster count: an edge the identity guard refused joins two
    clusters and stays refused, so every part carries at most its cluster's one identity.
    """
    n = len(parent)
    owner = [-1] * n  # the oversized cluster each record was in, or -1
    for i in range(n):
        root = _find(parent, i)
        if size[root] > settings.max_cluster_size:
            owner[i] = root
    for i in range(n):
        if owner[i] >= 0:
            parent[i] = i
            size[i] = 1
    chain_threshold = settings.chain_threshold
    for a, b, probability in kept:
        if probability >= chain_threshold and owner[a] >= 0 and owner[a] == owner[b]:
            _union(parent, size, a, b)


def _labels(order: list[str], parent: list[int]) -> dict[str, str]:
    """Each id -> the smallest id of its set, in the order of ``order``."""
    roots = [_find(parent, i) for i in range(len(parent))]
    label = order[:]  # label[root]: the smallest id met so far in root's set
    for record, root in zip(order, roots, strict=True):
        if record < label[root]:
            label[root] = record
    return {record: label[root] for record, root in zip(order, roots, strict=True)}


def attach_satellites(
    clusters: Mapping[str, str],
    edges: Iterable[tuple[str, str, float]],
    satellites: AbstractSet[str],
    *,
    identities: Mapping[str, str] | None = None,
    regions: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """Attach lone satellites (short and English names) to the cluster of their strongest edge.

    A short name (浦发银行) or an English name is an alias: it may belong to one customer, but
    must never join two customers into one, which a plain union over its edges would do when it
    abbreviates two companies' names. So satellites are clustered apart, after the full names:
    each satellite still alone takes the cluster its strongest edges reach, when they reach only
    one, its other end is not a satellite, and no credit code or province conflicts; a satellite
    whose strongest evidence points at two customers stays alone, for a person to decide.

    Returns new labels (the smallest member id of each cluster, as ``cluster_records`` gives).

    Example:
        >>> attach_satellites(
        ...     {"full": "full", "short": "short", "other": "other"},
        ...     [("short", "full", 0.8), ("short", "other", 0.7)],
        ...     {"short"},
        ... )
        {'full': 'full', 'short': 'full', 'other': 'other'}
    """
    label = dict(clusters)
    members: dict[str, list[str]] = {}
    for record, cluster in label.items():
        members.setdefault(cluster, []).append(record)
    guards = [mapping for mapping in (identities, regions) if mapping]

    def conflicts(record: str, cluster: str) -> bool:
        for mapping in guards:
            mine = mapping.get(record)
            if mine and any(
                (theirs := mapping.get(other)) and theirs != mine for other in members[cluster]
            ):
                return True
        return False

    # Per lone satellite, the clusters its strongest edges reach; it attaches only when that is
    # one cluster: a short name that abbreviates two companies equally well stays alone.
    best: dict[str, tuple[float, set[str]]] = {}
    for a, b, probability in edges:
        if probability != probability:  # NaN never attaches
            continue
        for satellite, anchor in ((a, b), (b, a)):
            if satellite not in satellites or anchor in satellites:
                continue
            if len(members[label[satellite]]) != 1 or conflicts(satellite, label[anchor]):
                continue
            top, reached = best.get(satellite, (-1.0, set()))
            if probability > top:
                best[satellite] = (probability, {label[anchor]})
            elif probability == top:
                reached.add(label[anchor])
    for satellite in sorted(best):
        _, reached = best[satellite]
        if len(reached) != 1:
            continue
        (target,) = reached
        del members[label[satellite]]
        members[target].append(satellite)
        label[satellite] = target
    relabelled: dict[str, str] = {}
    for group in members.values():
        smallest = min(group)
        for record in group:
            relabelled[record] = smallest
    return {record: relabelled[record] for record in clusters}
