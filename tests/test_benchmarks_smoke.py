"""Smoke test of the benchmark corpus generator: deterministic, valid, skewed, in range.

The benchmarks compare engines on this corpus, so it must be the same corpus on
every machine for a seed, and every record must pass kzsearch's own reader.
No timing is asserted here: speed belongs to ``benchmarks/run.py``'s report.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
import sys
from collections import Counter
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = ROOT.parent / "shared" / "data"
COUNT = 600

pytestmark = pytest.mark.skipif(
    not (SHARED_DATA / "text" / "kaznerd").is_dir(),
    reason=f"shared data not found at {SHARED_DATA} (the corpus generator needs it)",
)


def _load(name: str) -> ModuleType:
    """Import a benchmarks/ module by path (benchmarks is not a package)."""
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, ROOT / "benchmarks" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    sys.modules[name] = module
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


@pytest.fixture(scope="module")
def corpus() -> ModuleType:
    return _load("corpus")


@pytest.fixture(scope="module")
def written(corpus: ModuleType, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("corpus") / "corpus.jsonl"
    corpus.write_jsonl(corpus.generate(COUNT, seed=3, folder=SHARED_DATA), out)
    return out


def test_same_seed_same_corpus(corpus: ModuleType, written: Path, tmp_path: Path) -> None:
    again = tmp_path / "again.jsonl"
    corpus.write_jsonl(corpus.generate(COUNT, seed=3, folder=SHARED_DATA), again)
    assert again.read_bytes() == written.read_bytes()


def test_other_seed_other_corpus(corpus: ModuleType, written: Path, tmp_path: Path) -> None:
    other = tmp_path / "other.jsonl"
    corpus.write_jsonl(corpus.generate(COUNT, seed=4, folder=SHARED_DATA), other)
    assert other.read_bytes() != written.read_bytes()


def test_kzsearch_reads_every_record(written: Path) -> None:
    from kzsearch import read_articles

    stream = read_articles(written)
    articles = list(stream)
    assert len(articles) == COUNT
    assert stream.report.rejected_total == 0, stream.report.rejections[:3]
    assert len({a.id for a in articles}) == COUNT
    assert all(a.title and a.body and a.lang == "kk" for a in articles)


def test_records_look_like_news(written: Path, corpus: ModuleType) -> None:
    records = [json.loads(line) for line in written.read_text(encoding="utf-8").splitlines()]
    assert len(records) == COUNT
    assert set(records[0]) == {
        "id", "title", "body", "rubric", "published", "views", "read_minutes", "lang",
    }  # fmt: skip
    days = [dt.date.fromisoformat(r["published"]) for r in records]
    assert min(days) >= dt.date(2016, 1, 1) and max(days) <= dt.date(2025, 12, 31)
    assert len({d.year for d in days}) == 10
    words = sorted(len(r["body"].split()) for r in records)
    assert 200 <= words[len(words) // 2] <= 400
    assert all(r["views"] >= 0 and r["read_minutes"] >= 1 for r in records)


def test_rubrics_are_skewed(written: Path, corpus: ModuleType) -> None:
    records = [json.loads(line) for line in written.read_text(encoding="utf-8").splitlines()]
    ranked = Counter(r["rubric"] for r in records).most_common()
    assert {name for name, _ in ranked} <= set(corpus.RUBRICS)
    assert len(ranked) >= 8
    assert ranked[0][0] == "Саясат"
    assert ranked[0][1] >= 4 * ranked[-1][1]


def test_detokenize_glues_punctuation(corpus: ModuleType) -> None:
    tokens = "« Хабар » арнасы ( ҚР ) 22 : 00-де 90 % , бар .".split()
    assert corpus.detokenize(tokens) == "«Хабар» арнасы (ҚР) 22:00-де 90%, бар."
