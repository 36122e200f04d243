"""The floor and the peers that ``dedup_accuracy.py`` runs beside ``zhengming dedupe``.

- **floor**: exact standard name: rows whose ``zhengming.normalize(name).name_key`` are equal
  form one cluster. No fuzziness at all: what any fuzzy matcher must beat.
- **rapidfuzz**: a script a developer would write in an afternoon: its own normalization (NFKC,
  繁→简 with opencc, case folding, bracket characters, spaces and punctuation removed, legal-form
  suffixes from a short list stripped), blocking on the first two characters, ``fuzz.ratio`` at or
  above a threshold, connected components. The threshold is tuned on the labels by the caller.
- **Splink 5** on DuckDB, configured as well as we could for each kind of data (see
  ``splink_settings`` and ``bench/README.md``): features computed here, Fellegi-Sunter weights
  from random sampling (u), EM (m) and a deterministic-rule prior, clustering by Splink's own
  ``cluster_pairwise_predictions_at_threshold``.

Each peer reports the seconds of one full pass (features, blocking, scoring, one clustering)
and its candidate pairs (the comparisons its blocking produced).
"""

from __future__ import annotations

import logging
import re
import time
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any, Literal

import numpy as np
import opencc
import pandas as pd
from pypinyin import Style, lazy_pinyin
from rapidfuzz import fuzz, process
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

import zhengming
from _data import load_divisions
from _dedup_eval import EvalSet

__all__ = [
    "CandidatePairs",
    "PeerNormalizer",
    "SplinkResult",
    "cluster_pairs",
    "rapidfuzz_pairs",
    "run_floor",
    "run_splink",
]

_BRACKETS = re.compile(r"[()\[\]{}<>【】〔〕《》「」『』]")
_PUNCTUATION = re.compile(r"[^\w\s&]")
_CN_LEGAL_SUFFIXES = (
    "股份有限公司",
    "有限责任公司",
    "股份公司",
    "有限公司",
    "集团公司",
    "集团",
    "公司",
)
_LATIN_LEGAL_TOKENS = frozenset(
    {
        *("co", "ltd", "limited", "inc", "incorporated", "corp", "corporation", "company"),
        *("companies", "plc", "llc", "lp", "nv", "bv", "sa", "ag", "gmbh", "kg", "spa", "srl"),
        *("sas", "oy", "ab", "as", "group", "holding", "holdings", "the", "n", "v", "b"),
    }
)
_SHARE_CLASS = re.compile(r"(?<=[\u4e00-\u9fff])(?:a|b|b股)$")
_HAN = re.compile(r"[\u4e00-\u9fff]")


@cache
def _char_pinyin(char: str) -> str:
    return lazy_pinyin(char, style=Style.NORMAL)[0] if _HAN.match(char) else char


def pinyin_of(text: str) -> str:
    """Toneless pinyin per character, concatenated; other characters kept (``万科a`` → wankea)."""
    return "".join(_char_pinyin(char) for char in text)


class PeerNormalizer:
    """The peers' own name normalization: deliberately independent of zhengming's parser."""

    def __init__(self) -> None:
        self._t2s = opencc.OpenCC("t2s")
        names: dict[str, str] = {}
        for division in load_divisions():
            if division.level == "county" or "辖" in division.name or len(division.name) < 2:
                continue
            short = _short_region(division.name)
            for form in {division.name, short}:
                names[form] = short
        self._regions = sorted(names, key=len, reverse=True)
        self._region_short = names
        self._latin_regions = {"".join(lazy_pinyin(s)): s for s in set(names.values())}

    def simple(self, name: str) -> str:
        """NFKC, 繁→简, case fold, brackets/spaces/punctuation out, legal-form suffixes out."""
        text = self._t2s.convert(unicodedata.normalize("NFKC", name)).casefold()
        return _strip_legal(_PUNCTUATION.sub(" ", _BRACKETS.sub(" ", text)))

    def features(self, name: str) -> dict[str, str | None]:
        """Splink's columns: core (no region, legal form, share class), region, form, pinyin."""
        text = self._t2s.convert(unicodedata.normalize("NFKC", name)).casefold()
        region: str | None = None
        # A region in brackets after the trade name: 字节跳动(北京)科技.
        for match in re.finditer(r"[(（【]([^()（）【】]{2,8})[)）】]", text):
            if match.group(1) in self._region_short:
                region = self._region_short[match.group(1)]
                text = text.replace(match.group(0), "", 1)
                break
        form = _legal_form_class(text)
        core = _strip_legal(_PUNCTUATION.sub(" ", _BRACKETS.sub(" ", text)))
        while True:
            prefix = next(
                (r for r in self._regions if core.startswith(r) and len(core) > len(r)), None
            )
            if prefix is None:
                break
            region = region or self._region_short[prefix]
            core = core[len(prefix) :]
        latin = re.match(r"([a-z]+) ", core)
        if latin and latin.group(1) in self._latin_regions:
            region = region or self._latin_regions[latin.group(1)]
            core = core[latin.end() :]
        core = _SHARE_CLASS.sub("", core.replace(" ", "") if _HAN.search(core) else core)
        flat = core.replace(" ", "")
        return {
            "core": core or None,
            "core_b2": flat[:2] or None,
            "pinyin": pinyin_of(flat) or None,
            "region": region,
            "legal_form": form,
        }


def _short_region(name: str) -> str:
    if name.endswith(("自治区", "自治州")):
        return "内蒙古" if name.startswith("内蒙古") else name[:2]
    for suffix in ("地区", "盟", "省", "市"):
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            return name[: -len(suffix)]
    return name


def _legal_form_class(text: str) -> str | None:
    text = re.sub(r"\s+", "", text) if _HAN.search(text) else text
    if "股份有限公司" in text or "股份公司" in text:
        return "joint_stock"
    if "有限" in text or "公司" in text:
        return "limited"
    if _HAN.search(text):
        return None
    tokens = set(re.findall(r"[a-z]+", text))
    return "latin" if tokens & _LATIN_LEGAL_TOKENS else None


def _strip_legal(text: str) -> str:
    tokens = text.split()
    while len(tokens) > 1 and tokens[-1] in _LATIN_LEGAL_TOKENS:
        tokens.pop()
    joined = "".join(tokens) if _HAN.search(text) else " ".join(tokens)
    stripped = True
    while stripped:
        stripped = False
        for suffix in _CN_LEGAL_SUFFIXES:
            if joined.endswith(suffix) and len(joined) > len(suffix):
                joined = joined[: -len(suffix)]
                stripped = True
    return joined


# --- floor ---------------------------------------------------------------------------------


def run_floor(evalset: EvalSet) -> tuple[pd.Series, float]:
    """Exact standard name: cluster = ``name_key``; returns labels aligned with the frame."""
    start = time.perf_counter()
    keys = [zhengming.normalize(name).name_key for name in evalset.frame["name"]]
    # Names without a key (empty, unknown) must not all fall into one cluster.
    labels = [key if key.strip(":") else f"row:{i}" for i, key in enumerate(keys)]
    return pd.Series(labels, index=evalset.frame.index), time.perf_counter() - start


# --- rapidfuzz -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CandidatePairs:
    """Scored pairs (row positions) at or above the lowest threshold of interest."""

    size: int
    left: np.ndarray
    right: np.ndarray
    score: np.ndarray
    candidates: int
    seconds: float


def _person_text(frame: pd.DataFrame) -> list[str]:
    columns = [
        "given_name",
        "surname",
        "date_of_birth",
        "soc_sec_id",
        "street_number",
        "address_1",
        "suburb",
        "postcode",
    ]
    return [" ".join(values) for values in frame[columns].itertuples(index=False)]


def rapidfuzz_pairs(
    evalset: EvalSet, normalizer: PeerNormalizer, *, min_score: float
) -> CandidatePairs:
    """Score every pair inside a block with ``fuzz.ratio``; keep those >= ``min_score``.

    Company names: one block per first two characters of the normalized name. Febrl records: the
    whole record as one string, blocked on the first two characters of the surname, of the given
    name and of the social security number (a pair in several blocks is scored once).
    """
    start = time.perf_counter()
    frame = evalset.frame
    if evalset.style == "person":
        texts = [t.casefold() for t in _person_text(frame)]
        key_columns = [frame["surname"], frame["given_name"], frame["soc_sec_id"]]
        keys = [
            [f"{i}:{v[:2]}" if v else None for v in column] for i, column in enumerate(key_columns)
        ]
    else:
        texts = [normalizer.simple(name) for name in frame["name"]]
        keys = [[t[:2] or None for t in texts]]
    lefts, rights, scores, compared = [], [], [], []
    for key_list in keys:
        blocks: dict[str, list[int]] = {}
        for position, key in enumerate(key_list):
            if key is not None:
                blocks.setdefault(key, []).append(position)
        for members in blocks.values():
            if len(members) < 2:
                continue
            index = np.asarray(members)
            block_texts = [texts[i] for i in members]
            matrix = process.cdist(
                block_texts, block_texts, scorer=fuzz.ratio, dtype=np.float32, workers=-1
            )
            upper_left, upper_right = np.triu_indices(len(members), k=1)
            compared.append(index[upper_left] * len(texts) + index[upper_right])
            values = matrix[upper_left, upper_right]
            keep = values >= min_score
            lefts.append(index[upper_left[keep]])
            rights.append(index[upper_right[keep]])
            scores.append(values[keep])
    all_compared = np.concatenate(compared) if compared else np.empty(0, dtype=np.int64)
    candidates = len(all_compared) if len(keys) == 1 else len(np.unique(all_compared))
    left = np.concatenate(lefts) if lefts else np.empty(0, dtype=np.int64)
    right = np.concatenate(rights) if rights else np.empty(0, dtype=np.int64)
    score = np.concatenate(scores) if scores else np.empty(0, dtype=np.float32)
    return CandidatePairs(len(texts), left, right, score, candidates, time.perf_counter() - start)


def cluster_pairs(pairs: CandidatePairs, threshold: float) -> pd.Series:
    """Connected components over the pairs scoring at or above ``threshold``."""
    keep = pairs.score >= threshold
    graph = coo_matrix(
        (np.ones(int(keep.sum()), dtype=np.int8), (pairs.left[keep], pairs.right[keep])),
        shape=(pairs.size, pairs.size),
    )
    _, labels = connected_components(graph, directed=False)
    return pd.Series(labels.astype(str))


# --- Splink --------------------------------------------------------------------------------


@dataclass(slots=True)
class SplinkResult:
    """Clusters per match-probability threshold, or why Splink could not run."""

    clusters: dict[float, pd.Series] = field(default_factory=dict)
    seconds: float | None = None
    candidates: int | None = None
    error: str | None = None
    settings: dict[str, Any] = field(default_factory=dict)


def _splink_company_settings(
    style: str,
) -> tuple[Any, list[Any], list[tuple[tuple[str, ...], float | None]]]:
    """Settings, prior rules and EM blocking rules for company names (CN or Latin)."""
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl
    from splink import SettingsCreator, block_on

    core_levels: list[Any] = [
        cll.NullLevel("core"),
        cll.ExactMatchLevel("core", term_frequency_adjustments=True),
    ]
    if style == "cn_company":
        # Homophones (同音字) and pinyin-spelled English names meet on the pinyin.
        core_levels.append(cll.ExactMatchLevel("pinyin").configure(label_for_charts="same pinyin"))
        # Short names are often the leading part of the core: 平安银行 / 平安银行股份有限公司.
        core_levels.append(
            cll.CustomLevel(
                "length(core_l) >= 2 and length(core_r) >= 2 and "
                "(starts_with(core_l, core_r) or starts_with(core_r, core_l))",
                label_for_charts="one core is a prefix of the other",
            )
        )
    # Edit distances on pinyin, which is ASCII: DuckDB's levenshtein and jaro_winkler count
    # bytes on CJK text. Looser Jaro-Winkler levels made EM take "same first syllables" for
    # the match class, so the fuzzy levels stay tight.
    core_levels += [
        cll.LevenshteinLevel("pinyin", 2),
        cll.JaroWinklerLevel("pinyin", 0.95),
        cll.ElseLevel(),
    ]
    comparisons: list[Any] = [cl.CustomComparison(core_levels, output_column_name="core")]
    if style == "cn_company":
        comparisons += [cl.ExactMatch("region"), cl.ExactMatch("legal_form")]
    else:
        comparisons.append(cl.ExactMatch("first_token").configure(term_frequency_adjustments=True))
    settings = SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="unique_id",
        comparisons=comparisons,
        blocking_rules_to_generate_predictions=[block_on("core_b2"), block_on("pinyin")],
        retain_matching_columns=False,
        retain_intermediate_calculation_columns=False,
    )
    prior_rules = [block_on("core")]
    # EM inside region blocks (sampled) trains the name levels; inside exact-core blocks it
    # trains region and legal form. Blocking EM on name prefixes instead made "similar
    # prefix" the match class and halved F1.
    em_rules: list[tuple[tuple[str, ...], float | None]] = (
        [(("region",), 2e6), (("core",), None)]
        if style == "cn_company"
        else [(("first_token",), None), (("core",), None)]
    )
    return settings, prior_rules, em_rules


def _splink_person_settings(
    link_type: Literal["link_only", "dedupe_only"],
) -> tuple[Any, list[Any], list[tuple[tuple[str, ...], float | None]]]:
    """The classic Febrl model: names, date of birth, SSN, address, with person blocking."""
    import splink.comparison_library as cl
    from splink import SettingsCreator, block_on

    settings = SettingsCreator(
        link_type=link_type,
        unique_id_column_name="unique_id",
        comparisons=[
            cl.NameComparison("given_name"),
            cl.NameComparison("surname"),
            cl.LevenshteinAtThresholds("date_of_birth", [1, 2]),
            cl.LevenshteinAtThresholds("soc_sec_id", [1, 2]),
            cl.ExactMatch("street_number"),
            cl.LevenshteinAtThresholds("postcode", [1, 2]),
            cl.JaroWinklerAtThresholds("address_1", [0.9, 0.7]),
            cl.JaroWinklerAtThresholds("suburb", [0.9, 0.7]),
            cl.ExactMatch("state"),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("substr(given_name, 1, 2)", "substr(surname, 1, 2)"),
            block_on("surname", "date_of_birth"),
            block_on("given_name", "date_of_birth"),
            block_on("soc_sec_id"),
            block_on("street_number", "postcode"),
        ],
        retain_matching_columns=False,
        retain_intermediate_calculation_columns=False,
    )
    prior_rules = [
        block_on("soc_sec_id", "date_of_birth"),
        block_on("given_name", "surname", "postcode"),
    ]
    em_rules: list[tuple[tuple[str, ...], float | None]] = [
        (("date_of_birth",), None),
        (("surname", "postcode"), None),
    ]
    return settings, prior_rules, em_rules


def _splink_tables(evalset: EvalSet, normalizer: PeerNormalizer) -> list[pd.DataFrame]:
    frame = evalset.frame
    if evalset.style == "person":
        table = frame[["id", *evalset.columns]].rename(columns={"id": "unique_id"})
        table = table.replace({"": None})
        if evalset.source_column is None:
            return [table]
        sources = frame[evalset.source_column]
        return [
            table[sources == value].reset_index(drop=True) for value in sorted(sources.unique())
        ]
    rows = [normalizer.features(name) for name in frame["name"]]
    table = pd.DataFrame(rows)
    table.insert(0, "unique_id", frame["id"].to_numpy())
    if evalset.style == "en_company":
        table["first_token"] = table["core"].str.split(" ").str[0]
    return [table]


def run_splink(
    evalset: EvalSet, normalizer: PeerNormalizer, *, thresholds: Sequence[float], seed: int
) -> SplinkResult:
    """Train, predict and cluster with Splink 5 on DuckDB; clusters for each threshold."""
    try:
        import splink
        from splink import DuckDBAPI, Linker, block_on
    except ImportError as exc:
        return SplinkResult(error=f"splink not importable: {exc}")
    logging.getLogger("splink").setLevel(logging.ERROR)
    result = SplinkResult()
    try:
        start = time.perf_counter()
        tables = _splink_tables(evalset, normalizer)
        if evalset.style == "person":
            settings, prior_rules, em_rules = _splink_person_settings(
                "link_only" if len(tables) > 1 else "dedupe_only"
            )
        else:
            settings, prior_rules, em_rules = _splink_company_settings(evalset.style)
        db_api = DuckDBAPI()
        inputs = [
            db_api.register(t, dataset_display_name=f"input_{i}") for i, t in enumerate(tables)
        ]
        linker = Linker(inputs if len(inputs) > 1 else inputs[0], settings, log_level=None)
        linker.training.estimate_probability_two_random_records_match(prior_rules, recall=0.7)
        linker.training.estimate_u_using_random_sampling(max_pairs=5e6, seed=seed)
        for columns, max_pairs in em_rules:
            linker.training.estimate_parameters_using_expectation_maximisation(
                block_on(*columns), estimate_without_term_frequencies=True, max_pairs=max_pairs
            )
        predictions = linker.inference.predict(
            threshold_match_probability=min(thresholds), warning_mode="never"
        )

        def clusters_at(threshold: float) -> pd.Series:
            return _splink_clusters(linker, predictions, threshold, evalset)

        ordered = sorted(thresholds, key=lambda t: abs(t - 0.9))
        result.clusters[ordered[0]] = clusters_at(ordered[0])
        result.seconds = time.perf_counter() - start
        for threshold in ordered[1:]:
            result.clusters[threshold] = clusters_at(threshold)
        counts = linker.blocking_analysis.count_comparisons_from_blocking_rules(
            record_sample_proportion=1.0
        )
        result.candidates = int(counts[-1]["cumulative_comparison_count"])
        result.settings = {
            "splink": splink.__version__,
            **linker.misc.save_model_to_json(),
        }
    except Exception as exc:  # a peer's failure is reported, never fatal to the benchmark
        result.error = f"{type(exc).__name__}: {exc}"
    return result


def _splink_clusters(
    linker: Any, predictions: Any, threshold: float, evalset: EvalSet
) -> pd.Series:
    clustered = linker.clustering.cluster_pairwise_predictions_at_threshold(
        predictions, threshold_match_probability=threshold
    ).as_pandas_dataframe()
    mapping = dict(
        zip(clustered["unique_id"].astype(str), clustered["cluster_id"].astype(str), strict=True)
    )
    labels = evalset.frame["id"].map(mapping)
    # A row Splink lost must not join the other lost rows: give each its own cluster.
    return labels.fillna("missing:" + evalset.frame["id"]).reset_index(drop=True)
