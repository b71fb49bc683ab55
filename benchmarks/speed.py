"""Build speed, index size, memory and query latency of every engine, on the same corpus.

Each build and each query session runs in a fresh subprocess of this script
(``speed.py worker build|query ...``), so peak RSS is that engine's alone and no
engine inherits another's warm caches. The worker reads its own peak from
``/proc/self/status`` (VmHWM) and its helper processes' from
``getrusage(RUSAGE_CHILDREN)`` (the ``procs=2`` writers), and prints one JSON line.

``--compare``: a kzsearch *tree* (another checkout, e.g. the main branch) is measured
beside this one in the same run: its workers get ``KZSEARCH_BENCH_TREE=TREE``, which puts
that tree first on ``sys.path``, so ``import kzsearch`` loads the other checkout while
the engine adapters, corpus and queries stay this checkout's. Every kzsearch worker
reports the package folder it imported (``kzsearch_from``), and a worker that loaded the
wrong one counts as failed. The trees' query sessions then run in lockstep
(``speed.py worker paced ...``, :func:`paired_sessions`): one timed step at a time, the
trees taking turns, so a change in the machine's load falls on both alike.

Latency: every query of a class runs twice; the first pass is reported as
"cold" (first sight of those terms), the second as the warm figures
(p50/p95/p99 and queries/s). Opening the index and the very first query are
timed separately, because kzsearch builds its vocabulary snapshot there.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
for entry in (str(HERE), str(ROOT)):
    if entry not in sys.path:
        sys.path.insert(0, entry)

TREE_ENV = "KZSEARCH_BENCH_TREE"  # a worker imports kzsearch from this checkout, if set
if __name__ == "__main__" and os.environ.get(TREE_ENV):
    sys.path.insert(0, os.environ[TREE_ENV])

import engines  # noqa: E402
from queries import CLASSES, Query, load_queries  # noqa: E402

READY = "ready"  # a paired query worker's line: waiting for the go of its next step
Pace = Callable[[], None]

# (label, engine, procs): the builds compared; queries run on the first index of each engine.
BUILDS = (
    ("kzsearch", "kzsearch", 1),
    ("kzsearch procs=2", "kzsearch", 2),
    ("whoosh", "whoosh", 1),
    ("whoosh-stem", "whoosh-stem", 1),
    ("sqlite", "sqlite", 1),
    ("tantivy", "tantivy", 1),
)


# -- measuring inside a worker ---------------------------------------------------------------


def peak_rss_mb() -> float:
    """This process's peak resident set (VmHWM), in MB."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def children_peak_mb() -> float:
    """The largest peak RSS among finished child processes (``procs>1`` writers), in MB."""
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def dir_size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile: the smallest value with ``share`` of the values at or below."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def kzsearch_from(engine: str) -> dict[str, str]:
    """Where this worker's ``kzsearch`` package was imported from (kzsearch only)."""
    if engine != "kzsearch":
        return {}
    import kzsearch

    return {"kzsearch_from": str(Path(kzsearch.__file__).resolve().parent)}


def build_worker(engine: str, corpus: Path, path: Path, procs: int) -> dict[str, Any]:
    started = time.perf_counter()
    docs = engines.BUILDERS[engine](corpus, path, procs)
    seconds = time.perf_counter() - started
    return {
        "docs": docs,
        "seconds": round(seconds, 3),
        "docs_per_s": round(docs / seconds, 1),
        "size_bytes": dir_size(path),
        "peak_rss_mb": round(peak_rss_mb(), 1),
        "workers_peak_rss_mb": round(children_peak_mb(), 1),
        **kzsearch_from(engine),
    }


def no_pace() -> None:
    """Run the next query at once (a session on its own)."""


def stdin_pace() -> None:
    """Wait for the parent's go before the next timed step (a paired session): say
    ``ready`` on stdout, then read one line of stdin."""
    sys.stdout.write(f"{READY}\n")
    sys.stdout.flush()
    sys.stdin.readline()


def timed(search: engines.Searcher, query: Query, pace: Pace = no_pace) -> tuple[float, int]:
    pace()
    started = time.perf_counter()
    hits = search(query)
    return time.perf_counter() - started, hits


def class_figures(
    search: engines.Searcher, queries: list[Query], pace: Pace = no_pace
) -> dict[str, Any]:
    """Cold pass then warm pass over one class; latencies in milliseconds."""
    cold = [timed(search, q, pace) for q in queries]
    warm = [timed(search, q, pace)[0] for q in queries]
    ms = [s * 1000 for s in warm]
    return {
        "n": len(queries),
        "cold_p50_ms": round(percentile([s * 1000 for s, _ in cold], 0.5), 2),
        "cold_p95_ms": round(percentile([s * 1000 for s, _ in cold], 0.95), 2),
        "p50_ms": round(percentile(ms, 0.5), 2),
        "p95_ms": round(percentile(ms, 0.95), 2),
        "p99_ms": round(percentile(ms, 0.99), 2),
        "qps": round(len(ms) / (sum(ms) / 1000), 1),
        "mean_hits": round(sum(h for _, h in cold) / len(cold), 2),
        "zero_hits": sum(1 for _, h in cold if h == 0),
    }


def query_worker(
    engine: str, path: Path, queries_path: Path, pace: Pace = no_pace
) -> dict[str, Any]:
    """Open the index, answer one term query, then every class cold and warm; ``pace``
    is called before each of these timed steps (and not timed)."""
    queries = load_queries(queries_path)
    pace()
    started = time.perf_counter()
    search = engines.OPENERS[engine](path)
    opened = time.perf_counter() - started
    first = timed(search, queries["term"][0], pace)[0] if queries.get("term") else 0.0
    classes = {k: class_figures(search, queries[k], pace) for k in CLASSES if queries.get(k)}
    return {
        "open_s": round(opened, 3),
        "first_query_s": round(first, 3),
        "classes": classes,
        "peak_rss_mb": round(peak_rss_mb(), 1),
        **kzsearch_from(engine),
    }


# -- driving workers from the parent ---------------------------------------------------------


@dataclass(frozen=True)
class Tree:
    """A kzsearch checkout whose package the workers import: ``path`` None is this one."""

    name: str
    path: Path | None = None

    def label(self, label: str) -> str:
        """A build or engine label for this tree's rows ("kzsearch [base]")."""
        return label if self.path is None else f"{label} [{self.name}]"

    def package(self) -> Path:
        """The ``kzsearch`` package folder its workers must import."""
        return ((self.path or ROOT) / "kzsearch").resolve()


THIS_TREE = Tree("this")


def worker_env(tree: Path | None) -> dict[str, str]:
    """The environment of a worker: this checkout on the path, and ``tree``'s kzsearch
    first when given (``TREE_ENV``)."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env.pop(TREE_ENV, None)
    if tree is not None:
        env[TREE_ENV] = str(tree)
    return env


def run_worker(
    args: list[str], timeout: float | None = None, tree: Path | None = None
) -> dict[str, Any]:
    """Run ``speed.py worker ARGS`` in a fresh interpreter; its last stdout line is JSON.

    With ``tree``, the worker imports kzsearch from that checkout (``TREE_ENV``)."""
    done = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "worker", *args],
        capture_output=True,
        text=True,
        env=worker_env(tree),
        timeout=timeout,
    )
    if done.returncode != 0:
        tail = done.stderr.strip().splitlines()[-3:]
        return {"error": f"exit {done.returncode}: " + " | ".join(tail)}
    return json.loads(done.stdout.strip().splitlines()[-1])


def paired_sessions(
    engine: str, built: list[tuple[Tree, str, Path]], queries_path: Path, flip: bool = False
) -> dict[str, dict[str, Any]]:
    """One query session per index, all running at once but in lockstep: each worker
    (``worker paced``) waits before every timed step (open, first query, each query of
    each pass) until the others have done theirs, so no two steps overlap and a change in
    the machine's load falls on every tree alike. The order alternates step by step
    (``flip`` starts with the last). Results by key, as :func:`run_worker` gives them."""
    workers: dict[str, tuple[subprocess.Popen[str], Any]] = {}
    with ExitStack() as stack:
        for tree, key, path in built:
            errors = stack.enter_context(tempfile.TemporaryFile(mode="w+"))
            process = subprocess.Popen(
                [sys.executable, str(Path(__file__).resolve()), "worker", "paced", engine,
                 str(path), str(queries_path)],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=errors, text=True,
                env=worker_env(tree.path),
            )
            stack.callback(_stop, process)
            workers[key] = (process, errors)
        lines = {key: _next_line(process) for key, (process, _) in workers.items()}
        order, step = list(workers), 0
        while any(line == READY for line in lines.values()):
            for key in order[::-1] if (step % 2 == 1) != flip else order:
                if lines[key] == READY:
                    process = workers[key][0]
                    assert process.stdin is not None
                    process.stdin.write("go\n")
                    process.stdin.flush()
                    lines[key] = _next_line(process)
            step += 1
        return {key: _paired_result(*workers[key], lines[key]) for key in workers}


def _stop(process: subprocess.Popen[str]) -> None:
    """End a paired worker left running (the parent failed); reap it either way."""
    if process.poll() is None:
        process.kill()
    process.wait()
    for stream in (process.stdin, process.stdout):
        if stream is not None:
            stream.close()


def _next_line(process: subprocess.Popen[str]) -> str:
    assert process.stdout is not None
    return process.stdout.readline().strip()


def _paired_result(process: subprocess.Popen[str], errors: Any, line: str) -> dict[str, Any]:
    """A paired worker's JSON result, or its error (exit code, last stderr lines)."""
    if not line.startswith("{"):  # died, or out of step: it would wait for a go forever
        process.kill()
    try:
        code = process.wait(timeout=120)
    except subprocess.TimeoutExpired:
        process.kill()
        code = process.wait()
    errors.seek(0)
    tail = errors.read().strip().splitlines()[-3:]
    if code != 0 or not line.startswith("{"):
        return {"error": f"exit {code}: " + " | ".join(tail)}
    return json.loads(line)


def in_tree(row: dict[str, Any], tree: Tree) -> dict[str, Any]:
    """``row``, marked as an error if its worker imported kzsearch from another checkout."""
    found = row.get("kzsearch_from")
    if found and Path(found) != tree.package():
        row["error"] = f"imported kzsearch from {found}, not {tree.package()}"
    return row


def measure(
    corpus: Path,
    queries_path: Path,
    workdir: Path,
    only: set[str] | None = None,
    log=print,
    compare: tuple[Tree, ...] = (),
    procs2: bool = True,
    queries: bool = True,
    keep: bool = True,
    rounds: int = 1,
    build_rounds: int = 1,
    extra: Callable[[str, Path], dict[str, Any]] | None = None,
    after_queries: Any = None,
) -> dict[str, Any]:
    """Build with every engine, then query every engine; results keyed by build label.

    Each kzsearch build is repeated right after it for every ``compare`` tree (labels
    "kzsearch [NAME]"), ``build_rounds`` times, the trees taking turns
    (:func:`build_trees`); then each index gets ``rounds`` query sessions, the trees in
    lockstep (:func:`query_rounds`), and each figure is the best of the rounds.
    ``procs2`` False skips the ``procs=2`` build, ``queries`` False all query sessions;
    ``keep`` False removes each index once it has been queried. ``extra(engine, path)``,
    if given, measures more on this tree's queried index of each engine (before it is
    removed); what it returns is added to that engine's query figures.
    ``after_queries(engine, tree, path)`` is called with each queried index before it is
    removed."""
    builds: dict[str, Any] = {}
    searches: dict[str, Any] = {}
    for label, engine, procs in BUILDS:
        if only and engine not in only or not only and engine in engines.ON_REQUEST:
            continue
        if procs > 1 and not procs2:
            continue
        missing = engines.available(engine)
        if missing:
            builds[label] = searches.setdefault(engine, {"skipped": missing})
            continue
        trees = (THIS_TREE, *compare) if engine == "kzsearch" else (THIS_TREE,)
        rows = build_trees(label, engine, procs, trees, corpus, workdir, build_rounds, log)
        built: list[tuple[Tree, str, Path]] = []
        for tree in trees:
            row, path = rows[tree.name]
            builds[tree.label(label)] = row
            if queries and tree.label(engine) not in searches and "error" not in row:
                built.append((tree, tree.label(engine), path))
            elif not keep:
                shutil.rmtree(path, ignore_errors=True)
        searches.update(query_rounds(engine, built, queries_path, rounds, log))
        for tree, key, path in built if extra is not None else ():
            if tree is THIS_TREE and "error" not in searches[key]:
                searches[key].update(extra(engine, path))
        for tree, _, path in built if after_queries is not None else ():
            after_queries(engine, tree, path)
        for _, _, path in built if not keep else ():
            shutil.rmtree(path, ignore_errors=True)
    return {"builds": builds, "queries": searches}


def build_trees(
    label: str,
    engine: str,
    procs: int,
    trees: tuple[Tree, ...],
    corpus: Path,
    workdir: Path,
    rounds: int = 1,
    log=print,
) -> dict[str, tuple[dict[str, Any], Path]]:
    """Build ``rounds`` times with each tree, the trees taking turns (this, base; base,
    this; ...); per tree, its fastest round's row (with every round's docs/s and the
    highest peak RSS of any round) and the index folder. A failed round fails the tree."""
    done: dict[str, list[dict[str, Any]]] = {tree.name: [] for tree in trees}
    paths = {}
    for number in range(rounds):
        for tree in trees if number % 2 == 0 else trees[::-1]:
            name = tree.label(label)
            paths[tree.name] = path = workdir / "".join(
                c for c in name.replace(" ", "-") if c not in "=[]"
            )
            log(f"  build {name}" + (f", round {number + 1}" if rounds > 1 else "") + " ...")
            row = {"engine": engine, "procs": procs, "tree": tree.name}
            row.update(run_worker(["build", engine, str(corpus), str(path), str(procs)],
                                  tree=tree.path))
            done[tree.name].append(in_tree(row, tree))
            log(f"    {_build_line(row)}")
    return {name: (best_build(rows), paths[name]) for name, rows in done.items()}


def best_build(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The fastest of a tree's build rounds, with the highest peak RSS of any of them."""
    failed = [r for r in rows if "error" in r]
    if failed or len(rows) == 1:
        return failed[0] if failed else rows[0]
    best = dict(max(rows, key=lambda r: r["docs_per_s"]))
    for key in ("peak_rss_mb", "workers_peak_rss_mb"):
        best[key] = max(r[key] for r in rows)
    best["rounds_docs_per_s"] = [r["docs_per_s"] for r in rows]
    return best


def query_rounds(
    engine: str, built: list[tuple[Tree, str, Path]], queries_path: Path, rounds: int, log=print
) -> dict[str, Any]:
    """``rounds`` query sessions on each built index (several trees: in lockstep, see
    :func:`paired_sessions`); the best of each index's rounds by its key."""
    if not built:
        return {}
    sessions: dict[str, list[dict[str, Any]]] = {key: [] for _, key, _ in built}
    trees = {key: tree for tree, key, _ in built}
    for number in range(rounds):
        keys = " and ".join(sessions) + (" in lockstep" if len(built) > 1 else "")
        log(f"  queries {keys}" + (f", round {number + 1}" if rounds > 1 else "") + " ...")
        if len(built) > 1:
            done = paired_sessions(engine, built, queries_path, flip=number % 2 == 1)
        else:
            tree, key, path = built[0]
            done = {key: run_worker(["query", engine, str(path), str(queries_path)],
                                    tree=tree.path)}
        for key, result in done.items():
            sessions[key].append(in_tree(result, trees[key]))
            if "error" in result:
                log(f"    {key}: {result['error']}")
    return {key: best_rounds(results) for key, results in sessions.items()}


BEST_IS_HIGHEST = {"qps", "peak_rss_mb"}  # peak memory: the worst round is the honest one
SAME_EVERY_ROUND = {"n", "mean_hits", "zero_hits"}


def best_rounds(results: list[dict[str, Any]]) -> dict[str, Any]:
    """One session's figures from several: each time its smallest over the rounds (noise
    from other work only adds time), queries/s its highest, peak RSS its highest; a failed
    round fails the whole (its error is kept). One round is returned as it is."""
    failed = [r for r in results if "error" in r]
    if failed or len(results) == 1:
        return failed[0] if failed else results[0]

    def best(key: str, values: list[Any]) -> Any:
        if key in SAME_EVERY_ROUND or not all(isinstance(v, int | float) for v in values):
            return values[0]
        return max(values) if key in BEST_IS_HIGHEST else min(values)

    merged = {k: best(k, [r[k] for r in results]) for k in results[0] if k != "classes"}
    merged["classes"] = {
        kind: {k: best(k, [r["classes"][kind][k] for r in results]) for k in row}
        for kind, row in results[0]["classes"].items()
    }
    merged["rounds"] = [r["classes"] for r in results]
    return merged


def _build_line(row: dict[str, Any]) -> str:
    if "error" in row:
        return row["error"]
    return (f"{row['docs']} docs in {row['seconds']} s ({row['docs_per_s']} docs/s),"
            f" peak RSS {row['peak_rss_mb']:.0f} MB")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="speed worker (run.py drives it)")
    sub = parser.add_subparsers(dest="command", required=True)
    worker = sub.add_parser("worker")
    worker.add_argument("kind", choices=("build", "query", "paced"))
    worker.add_argument("engine", choices=engines.ENGINES)
    worker.add_argument("paths", nargs="+")
    args = parser.parse_args(argv)
    if args.kind == "build":
        corpus, index_path, procs = args.paths
        result = build_worker(args.engine, Path(corpus), Path(index_path), int(procs))
    else:
        index_path, queries_path = args.paths
        pace = stdin_pace if args.kind == "paced" else no_pace
        result = query_worker(args.engine, Path(index_path), Path(queries_path), pace)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
