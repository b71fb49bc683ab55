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


def test_vocabulary_option_adds_distinct_terms(corpus: ModuleType) -> None:
    """More rare word types give more distinct analysed body terms, and 0 adds none."""
    counts = {
        types: corpus.distinct_terms(corpus.generate(150, seed=5, folder=SHARED_DATA,
                                                     vocabulary=types))
        for types in (0, 1_000, 4_000)
    }
    assert counts[0] < counts[1_000] < counts[4_000]
    # most rare word types become terms of their own (a few stem together or collide)
    assert counts[4_000] - counts[0] >= 0.6 * 4_000


def test_vocabulary_zero_is_the_sentence_pool_corpus(corpus: ModuleType) -> None:
    """Rare words are only inserted: with them removed, the corpus is the plain one."""
    plain = list(corpus.generate(40, seed=6, folder=SHARED_DATA, vocabulary=0))
    rich = list(corpus.generate(40, seed=6, folder=SHARED_DATA, vocabulary=3_000))
    assert [r["title"] for r in plain] == [r["title"] for r in rich]
    for before, after in zip(plain, rich, strict=True):
        kept = iter(after["body"].split())
        assert all(word in kept for word in before["body"].split())  # a subsequence
        assert len(after["body"]) > len(before["body"])


def test_live_benchmark_runs_and_reports_targets(tmp_path: Path, other_tree: Path) -> None:
    """A tiny live run, and again with another checkout's package (--compare): every
    commit's article becomes visible; every target gets a verdict; each tree's workers
    import their own kzsearch, on an index of their own."""
    live = _load("live")
    result = live.run(["--articles", "60", "--vocabulary", "300", "--commits", "2",
                       "--pause", "0", "--readers", "2", "--out", str(tmp_path),
                       "--name", "smoke", "--compare", str(other_tree)])
    assert result["summary"]["commits_done"] == 2
    assert result["summary"]["never_visible"] == 0
    assert result["build"]["docs"] == 60
    assert result["build"]["body_terms"] > 0
    assert {t["verdict"] for t in result["targets"]} <= {"PASS", "MISS"}
    assert len(result["targets"]) == 6
    markdown = (tmp_path / "live-smoke.md").read_text(encoding="utf-8")
    assert markdown.count("**") >= 12
    assert not list(tmp_path.glob("live-work-*"))  # the working copy is removed
    other = result["beside"]["other"]
    assert "error" not in other, other.get("error")
    assert result["kzsearch_from"] == [str(ROOT / "kzsearch")]
    assert other["kzsearch_from"] == [str(other_tree / "kzsearch")]
    assert other["summary"]["commits_done"] == 2 and other["summary"]["never_visible"] == 0
    assert len(list((tmp_path / "live-cache").iterdir())) == 2  # each tree builds its own
    assert "## Beside other" in markdown


@pytest.fixture
def other_tree(tmp_path: Path) -> Path:
    """Another kzsearch checkout: a copy of this one's package in a folder of its own."""
    import shutil

    tree = tmp_path / "other"
    shutil.copytree(ROOT / "kzsearch", tree / "kzsearch",
                    ignore=shutil.ignore_patterns("__pycache__"))
    return tree


def test_run_builds_and_queries_another_tree_beside_this_one(
    tmp_path: Path, other_tree: Path
) -> None:
    """--compare: the other checkout's package is the one its workers import, both trees
    are built and queried on the same corpus, and the report puts them side by side."""
    run = _load("run")
    out = tmp_path / "results"
    assert run.main(["--sizes", "40", "--queries", "2", "--vocabulary", "200", "--engines",
                     "kzsearch", "whoosh", "--compare", str(other_tree), "--no-procs2",
                     "--query-rounds", "2",
                     "--no-relevance",
                     "--no-startup", "--out", str(out), "--name", "smoke"]) == 0
    report = json.loads((out / "report-smoke.json").read_text(encoding="utf-8"))
    size = report["sizes"]["40"]
    assert size["vocabulary"] == 200
    assert json.loads((out / "corpus-40.jsonl.meta.json").read_text())["vocabulary"] == 200
    builds, searches = size["builds"], size["queries"]
    assert set(builds) == {"kzsearch", "kzsearch [other]", "whoosh"}
    assert all(row["docs"] == 40 and row["peak_rss_mb"] > 0 and row["size_bytes"] > 0
               for row in builds.values())
    assert builds["kzsearch [other]"]["kzsearch_from"] == str(other_tree / "kzsearch")
    assert builds["kzsearch"]["kzsearch_from"] == str(ROOT / "kzsearch")
    assert searches["kzsearch [other]"]["kzsearch_from"] == str(other_tree / "kzsearch")
    assert set(searches["kzsearch"]["classes"]) == set(searches["kzsearch [other]"]["classes"])
    for key in ("kzsearch", "kzsearch [other]", "whoosh"):  # each figure: its best round
        rounds = searches[key]["rounds"]
        assert len(rounds) == 2
        for kind, row in searches[key]["classes"].items():
            assert row["cold_p95_ms"] == min(r[kind]["cold_p95_ms"] for r in rounds)
            assert row["qps"] == max(r[kind]["qps"] for r in rounds)
    verdicts = {t["target"]: t["verdict"] for t in size["targets"]}
    for name in ("build procs=1 vs stock Whoosh, docs/s",
                 "build peak RSS (largest process), procs=1", "cold p95 per class vs other"):
        assert verdicts[name] in {"PASS", "MISS"}
    markdown = (out / "report-smoke.md").read_text(encoding="utf-8")
    assert "### Beside other (this / other)" in markdown
    assert "vocabulary 200 rare word types" in markdown
    assert "best of 2 query sessions per index" in markdown


def test_run_builds_only(tmp_path: Path) -> None:
    """--no-queries --build-rounds 2: every build (procs=2 too), the fastest of two, with
    its peak RSS; no query session."""
    run = _load("run")
    assert run.main(["--sizes", "30", "--vocabulary", "0", "--engines", "kzsearch",
                     "--no-queries", "--build-rounds", "2", "--no-relevance", "--no-startup",
                     "--out", str(tmp_path), "--name", "builds"]) == 0
    size = json.loads((tmp_path / "report-builds.json").read_text(encoding="utf-8"))["sizes"]["30"]
    assert set(size["builds"]) == {"kzsearch", "kzsearch procs=2"}
    assert size["builds"]["kzsearch procs=2"]["workers_peak_rss_mb"] > 0  # its sub-writers
    for row in size["builds"].values():  # the fastest of the two rounds
        assert len(row["rounds_docs_per_s"]) == 2
        assert row["docs_per_s"] == max(row["rounds_docs_per_s"])
    assert size["queries"] == {}
    assert size["vocabulary"] == 0
    verdicts = {t["target"]: t["verdict"] for t in size["targets"]}
    assert verdicts["build peak RSS (largest process), procs=2"] in {"PASS", "MISS"}


def test_a_worker_that_imported_the_wrong_tree_is_an_error() -> None:
    speed = _load("speed")
    tree = speed.Tree("base", Path("/nowhere/base"))
    assert "error" in speed.in_tree({"kzsearch_from": str(ROOT / "kzsearch")}, tree)
    assert "error" not in speed.in_tree({"kzsearch_from": "/nowhere/base/kzsearch"}, tree)
    assert "error" not in speed.in_tree({"kzsearch_from": str(ROOT / "kzsearch")},
                                        speed.THIS_TREE)


def test_a_failed_query_round_fails_the_session() -> None:
    speed = _load("speed")
    good = {"open_s": 0.2, "classes": {"term": {"n": 3, "cold_p95_ms": 9.0, "qps": 10.0}}}
    better = {"open_s": 0.1, "classes": {"term": {"n": 3, "cold_p95_ms": 7.0, "qps": 12.0}}}
    merged = speed.best_rounds([good, better])
    assert merged["open_s"] == 0.1 and merged["classes"]["term"]["cold_p95_ms"] == 7.0
    assert merged["classes"]["term"]["qps"] == 12.0 and merged["classes"]["term"]["n"] == 3
    assert speed.best_rounds([good, {"error": "exit 1: boom"}]) == {"error": "exit 1: boom"}


def test_serve_benchmark_answers_every_class_and_sees_every_write(tmp_path: Path) -> None:
    """A tiny ``serve.py`` run: the library setups and a two-worker ``kzsearch serve``
    answer every class without an error, every article written (``POST /articles``)
    becomes searchable, and the server's memory counts its worker processes."""
    pytest.importorskip("uvicorn")
    pytest.importorskip("starlette")
    if importlib.util.find_spec("kzsearch.server") is None:
        pytest.skip("kzsearch.server is not in this checkout")
    serve = _load("serve")
    assert serve.main(["--size", "60", "--vocabulary", "300", "--queries", "3", "--clients",
                       "2", "--workers", "2", "--duration", "0.3", "--warmup", "0.3",
                       "--write-every", "0.5", "--out", str(tmp_path), "--name", "smoke"]) == 0
    result = json.loads((tmp_path / "serve-smoke.json").read_text(encoding="utf-8"))
    assert result["index"]["documents"] == 60
    assert set(result["setups"]) == {"library, 1 thread", "library, 2 threads",
                                     "HTTP, 2 workers"}
    for name, setup in result["setups"].items():
        assert set(setup["phases"]) == set(result["requests"]), name
        for kind, phase in setup["phases"].items():
            assert phase["n"] > 0 and phase["errors"] == 0, (name, kind, phase["statuses"])
        writes = setup["writes"]
        assert writes["done"] >= 2 and writes["failed"] == 0, (name, writes["errors"])
        assert writes["never_visible"] == 0, name
    server = result["setups"]["HTTP, 2 workers"]
    assert server["writes"]["how"] == "POST /articles"
    assert server["memory"]["after warm-up"]["processes"] >= 3  # the server and two workers
    assert all(rss > 0 for rss in server["memory"]["after warm-up"]["rss_each_mb"].values())
    markdown = (tmp_path / "serve-smoke.md").read_text(encoding="utf-8")
    assert "| 1–3 terms |" in markdown and "| /articles/{id}/similar |" in markdown
    assert not list(tmp_path.glob("serve-work-*"))  # the copies, logs and plans are removed


def test_word_cost_times_the_word_counting_of_a_real_build(written: Path, tmp_path: Path) -> None:
    """``word_cost.py`` (in its own process: it wraps library functions) builds the index
    and times each wrapped stage; a stage that no longer runs (renamed, moved) shows as
    missing, so the benchmark cannot silently measure nothing."""
    import subprocess

    index = tmp_path / "index"
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "word_cost.py"),
                           str(written), str(index)], capture_output=True, text=True,
                          timeout=600, check=False)
    assert done.returncode == 0, done.stderr
    shares = dict(line.rsplit(": ", 1) for line in done.stdout.splitlines() if ": " in line)
    assert set(shares) >= {"counting per article (end_article)",
                           "tables and files (segment_words)",
                           "  of which WordTable.from_counts"}, done.stdout
    assert all(float(value.split(" s")[0]) > 0 for value in shares.values()), done.stdout
    assert list(index.glob("MAIN_*.kzwords"))
