"""One command for the whole benchmark report: speed, quality and start-up beside the peers.

    python benchmarks/run.py            # 10k and 100k articles, 100 queries per class
    python benchmarks/run.py --quick    # 2k articles, 20 queries per class (< 2 minutes)
    kzsearch bench [--quick]            # the same, from the repository root
    python benchmarks/run.py --sizes 100000 --compare ../base   # beside another checkout

For each corpus size it generates the corpus (seeded, offline), draws the query
set from it, builds an index with every engine in its own subprocess and times
every query class; then it adds the KazQAD relevance figures
(``benchmarks/relevance.py``) and the start-up time of ``kzsearch --help``.
The report goes to ``benchmarks/results/report-<mode>.md`` and ``.json``.

The corpus has the realistic vocabulary of ``corpus.py`` unless ``--vocabulary N``
says otherwise (``--vocabulary 0``: the sentence-pool corpus of the figures before
issue 15). ``--compare TREE`` (repeatable) builds and queries another kzsearch
checkout's package beside this one in the same run, on the same corpus and queries,
and adds a side-by-side table (build docs/s, peak RSS, cold latency per class).
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
for entry in (str(HERE), str(ROOT)):  # runpy (``kzsearch bench``) does not add HERE
    if entry not in sys.path:
        sys.path.insert(0, entry)

import corpus as corpus_mod  # noqa: E402
import queries as queries_mod  # noqa: E402
import report as report_mod  # noqa: E402
import speed  # noqa: E402
import startup  # noqa: E402

RESULTS = HERE / "results"
FULL_SIZES = (10_000, 100_000)
QUICK_SIZES = (2_000,)


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="2k articles, fewer queries")
    parser.add_argument("--sizes", type=int, nargs="+", help="corpus sizes (articles)")
    parser.add_argument("--queries", type=int, help="queries per class (default 100; quick 20)")
    parser.add_argument(
        "--engines",
        nargs="+",
        choices=speed.engines.ENGINES,
        help="only these engines (default all but whoosh-stem, which is on request)",
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--vocabulary",
        type=int,
        help="rare word types in the corpus (default: corpus.py's realistic vocabulary,"
        " 500k at 100k articles; 0: the sentence-pool corpus alone)",
    )
    parser.add_argument(
        "--compare",
        type=Path,
        action="append",
        default=[],
        metavar="TREE",
        help="another kzsearch checkout to build and query beside this one (repeatable)",
    )
    parser.add_argument("--no-procs2", action="store_true", help="skip the procs=2 builds")
    parser.add_argument("--no-queries", action="store_true", help="builds only")
    parser.add_argument(
        "--build-rounds",
        type=int,
        default=1,
        help="builds per engine and tree, trees taking turns; the fastest is reported",
    )
    parser.add_argument(
        "--query-rounds",
        type=int,
        default=1,
        help="query sessions per index, trees taking turns; the best of them is reported",
    )
    parser.add_argument("--data", help="shared data folder (default ../shared/data)")
    parser.add_argument("--out", type=Path, default=RESULTS, help="results folder")
    parser.add_argument("--name", help="report name (default quick/full)")
    parser.add_argument("--no-relevance", action="store_true")
    parser.add_argument("--no-startup", action="store_true")
    parser.add_argument("--keep-indexes", action="store_true", help="leave built indexes")
    args = parser.parse_args(argv)
    if args.vocabulary is not None and args.vocabulary < 0:
        parser.error(f"--vocabulary must be 0 or more, not {args.vocabulary}")
    if args.query_rounds < 1 or args.build_rounds < 1:
        parser.error("--query-rounds and --build-rounds must be at least 1")
    try:
        args.trees = compare_trees(args.compare)
    except ValueError as exc:
        parser.error(str(exc))
    return args


def compare_trees(paths: list[Path]) -> tuple[speed.Tree, ...]:
    """The ``--compare`` checkouts, named by their folder ("base"; "base-2" if taken)."""
    trees: list[speed.Tree] = []
    for given in paths:
        path = given.resolve()
        if not (path / "kzsearch" / "__init__.py").is_file():
            raise ValueError(f"--compare {given}: no kzsearch package there")
        if path == ROOT:
            raise ValueError(f"--compare {given}: that is this checkout")
        taken = {t.name for t in trees} | {speed.THIS_TREE.name}
        name, number = path.name, 1
        while name in taken:
            number += 1
            name = f"{path.name}-{number}"
        trees.append(speed.Tree(name, path))
    return tuple(trees)


def run_size(articles: int, args: argparse.Namespace, data: Path) -> dict[str, Any]:
    """Corpus, queries, builds and latencies for one corpus size."""
    label = f"{articles // 1000}k" if articles % 1000 == 0 else str(articles)
    vocabulary = (
        corpus_mod.default_vocabulary(articles) if args.vocabulary is None else args.vocabulary
    )
    log(f"[{label}] corpus, vocabulary {vocabulary:,} ... (load {os.getloadavg()[0]:.2f})")
    out = args.out / f"corpus-{label}.jsonl"
    corpus = corpus_mod.make_corpus(articles, args.seed, out, data, vocabulary)
    per_class = args.queries or (20 if args.quick else 100)
    queries = queries_mod.build_queries(corpus, data, per_class, seed=args.seed)
    queries_path = args.out / f"queries-{label}.json"
    queries_mod.save_queries(queries, queries_path)
    notes = [] if "latin" in queries else ["Latin class skipped: kzsearch.to_latin not found."]
    workdir = args.out / f"indexes-{label}"
    only = set(args.engines) if args.engines else None
    completions: dict[str, Any] = {}

    def complete(engine: str, tree: speed.Tree, path: Path) -> None:
        if engine == "kzsearch" and tree == speed.THIS_TREE:
            log("  completion ...")
            completions.update(completion_latency(path))
            log(f"    {completions}")
    measured = speed.measure(
        corpus,
        queries_path,
        workdir,
        only,
        log=log,
        compare=args.trees,
        procs2=not args.no_procs2,
        queries=not args.no_queries,
        keep=args.keep_indexes,
        rounds=args.query_rounds,
        build_rounds=args.build_rounds,
        extra=lambda engine, path: similar_latency(engine, path, corpus, args.seed),
        after_queries=complete,
    )
    if not args.keep_indexes:
        shutil.rmtree(workdir, ignore_errors=True)
    size = {
        "articles": articles,
        "vocabulary": vocabulary,
        "seed": args.seed,
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "corpus_bytes": corpus.stat().st_size,
        "query_counts": ", ".join(f"{k} {len(v)}" for k, v in queries.items()),
        "query_rounds": args.query_rounds,
        "build_rounds": args.build_rounds,
        "notes": notes
        + [
            "Peers get queries as plain lowercased words (phrases quoted); kzsearch gets them"
            " as typed and also counts all matches, facets rubric/month and makes snippets."
        ],
        **measured,
        "completion": completions,
    }
    size["targets"] = report_mod.targets(size)
    return size


def similar_latency(engine: str, path: Path, corpus: Path, seed: int) -> dict[str, Any]:
    """``Index.similar`` p50/p95 over a fixed sample of the corpus's ids, measured by
    ``benchmarks/similar_speed.py`` in a fresh interpreter (kzsearch only)."""
    if engine != "kzsearch":
        return {}
    log("  similar (related articles) ...")
    done = subprocess.run(
        [sys.executable, str(HERE / "similar_speed.py"), str(path), str(corpus),
         "--seed", str(seed)],
        capture_output=True, text=True, env=speed.worker_env(None),
    )
    if done.returncode != 0:
        tail = " | ".join(done.stderr.strip().splitlines()[-3:])
        return {"similar": {"error": f"exit {done.returncode}: {tail}"}}
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    log(f"    p50 {figures['p50_ms']} ms, p95 {figures['p95_ms']} ms"
        f" (cold {figures['cold_p50_ms']} / {figures['cold_p95_ms']} ms)")
    return {"similar": figures}


def completion_latency(path: Path) -> dict[str, Any]:
    """``benchmarks/completion.py`` on the kzsearch index at ``path``, in a fresh process."""
    done = subprocess.run([sys.executable, str(HERE / "completion.py"), "--index", str(path)],
                          capture_output=True, text=True, env=speed.worker_env(None))
    if done.returncode != 0:
        tail = " | ".join(done.stderr.strip().splitlines()[-3:])
        return {"error": f"exit {done.returncode}: {tail}"}
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def relevance(quick: bool) -> tuple[list[dict[str, Any]] | str, str | None]:
    """Rows from ``benchmarks/relevance.py`` (loaded by path) and its own Markdown, if any."""
    path = HERE / "relevance.py"
    if not path.is_file():
        return "relevance: benchmarks/relevance.py not present", None
    spec = importlib.util.spec_from_file_location("kzsearch_bench_relevance", path)
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    sys.modules[spec.name] = module  # its Whoosh filters are pickled by module name
    try:
        spec.loader.exec_module(module)  # type: ignore[union-attr]
        rows = module.run(quick=quick)
        related = getattr(module, "related", None)
        related_rows = related(module.load_corpus(), quick=quick) if callable(related) else None
    except Exception as exc:  # noqa: BLE001 - a broken relevance run must not sink the report
        return f"relevance: benchmarks/relevance.py failed: {type(exc).__name__}: {exc}", None
    render = getattr(module, "markdown", None)
    markdown = render(rows) if callable(render) else None
    if markdown and related_rows:
        markdown += ("\n\nRelated articles (`Index.similar`): same-title passages among the"
                     " first five\n\n" + module.related_markdown(related_rows))
    return rows, markdown


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    data = corpus_mod.data_dir(args.data)
    if not (data / "text" / "kaznerd").is_dir():
        sys.exit(f"no shared data at {data}; pass --data DIR or set {corpus_mod.DATA_ENV}")
    os.environ[corpus_mod.DATA_ENV] = str(data)  # relevance.py and the workers read it too
    args.out.mkdir(parents=True, exist_ok=True)
    mode = args.name or ("quick" if args.quick else "full")
    started, clock = dt.datetime.now().isoformat(timespec="seconds"), time.perf_counter()
    sizes = args.sizes or (QUICK_SIZES if args.quick else FULL_SIZES)
    report: dict[str, Any] = {
        "mode": mode,
        "started": started,
        "command": "python benchmarks/run.py " + " ".join(sys.argv[1:] if argv is None else argv),
        "machine": report_mod.machine(),
        "trees": report_mod.trees(ROOT, {t.name: t.path for t in args.trees}),
    }
    report["sizes"] = {f"{n:,}": run_size(n, args, data) for n in sizes}
    log("relevance ...")
    rows, relevance_md = (
        ("skipped (--no-relevance)", None) if args.no_relevance else relevance(args.quick)
    )
    report["relevance"] = rows
    log("start-up ...")
    report["startup"] = None if args.no_startup else startup.run()
    report["seconds"] = time.perf_counter() - clock
    markdown = report_mod.render(report, relevance_md, report["startup"])
    (args.out / f"report-{mode}.md").write_text(markdown, encoding="utf-8")
    (args.out / f"report-{mode}.json").write_text(
        json.dumps(report, indent=1, ensure_ascii=False, default=str), encoding="utf-8"
    )
    print(markdown)
    log(f"written {args.out / f'report-{mode}.md'} and .json")
    return 0


if __name__ == "__main__":
    sys.exit(main())
