"""A live index: one-article commits while long-lived reader processes keep searching.

    python benchmarks/live.py                     # 100k articles, 50 commits (builds once, ~8 min)
    python benchmarks/live.py --articles 20000 --vocabulary 0
    python benchmarks/live.py --quick             # 300 articles, 3 commits: a smoke run

What it does (issue 15, "a live index that apps can live with"):

1. Builds an index of ``--articles`` generated articles (``corpus.py``, realistic
   vocabulary unless ``--vocabulary`` says otherwise) in a subprocess, or reuses the
   one built before for the same size, seed, vocabulary and index versions; a copy is
   what the run changes, so the cached index stays as built.
2. Times "open + first query" in fresh processes (best and median of 3).
3. Starts a long-lived reader *process* that opens ``kzsearch.Index`` once and searches
   a fixed query list in a loop. Then, ``--commits`` times: the reader searches for
   ``--pause`` seconds; this process (the writer, its ``Index`` opened once) adds one
   new article carrying a unique marker word and commits; the reader is told, runs its
   next query of the list (its *first search after the commit*), then searches the
   marker until the new article comes back (*visible after*, from the end of the commit).
   The reader's RSS, PSS and USS (``/proc/PID/smaps_rollup``) are read after each commit.
4. Starts ``--readers`` fresh reader processes beside each other and compares their
   summed PSS with one reader's alone (PSS counts a shared page once over its sharers).

Targets (issue 15): commit p95 <= 200 ms; first search after a commit p95 <= 50 ms;
reader memory does not grow across the commits and stays <= 1.5x the index on disk;
4 readers < 2x one reader's memory; open + first query <= 0.5 s at 100k articles.
Reported as PASS/MISS in ``benchmarks/results/live-<name>.md`` and ``.json``, never
asserted. ``--max-seconds`` bounds the commit loop (the report says how many ran).

``--compare TREE`` (repeatable): then the same run again, in a subprocess, with another
kzsearch checkout's package first on ``sys.path`` (``KZSEARCH_BENCH_TREE``) for the
writer and every worker, on an index built by that checkout (cached apart); the report
adds a table of both runs side by side. The runs follow each other, so a change in the
machine's load between them shows as a difference: the report records both load averages.

The worker modes (``live.py build|open|reader ...``) are what the parent runs in its
subprocesses; ``live.py render REPORT.json`` rewrites a report's Markdown from its JSON.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import select
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
for entry in (str(HERE), str(ROOT)):
    if entry not in sys.path:
        sys.path.insert(0, entry)

TREE_ENV = "KZSEARCH_BENCH_TREE"  # kzsearch is imported from this checkout, if set
if os.environ.get(TREE_ENV):
    sys.path.insert(0, os.environ[TREE_ENV])

import corpus as corpus_mod  # noqa: E402
import report as report_mod  # noqa: E402
from queries import Query, build_queries, load_queries, save_queries  # noqa: E402
from speed import dir_size, peak_rss_mb, percentile  # noqa: E402

RESULTS = HERE / "results"
QUERY_CLASSES = ("term", "question", "rubric", "date")  # what a news site's readers ask
QUERIES_PER_CLASS = 10
OPEN_RUNS = 3
REPLY_TIMEOUT = 600.0  # seconds a worker may take to answer one command (a hang guard)
VISIBLE_TIMEOUT = 30.0  # seconds the reader keeps looking for a new article

COMMIT_P95_MS = 200.0
FIRST_SEARCH_P95_MS = 50.0
RSS_GROWTH = 1.05  # "does not grow": RSS after the commits at most 5 % above before them
RSS_VS_INDEX = 1.5
READERS_VS_ONE = 2.0
OPEN_FIRST_S = 0.5


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# -- memory of a process ---------------------------------------------------------------------


def memory_mb(pid: int) -> dict[str, float]:
    """RSS, PSS and USS (private clean + dirty) of a process, in MB, from /proc.

    PSS divides each shared page by the number of processes that map it, so the PSS of
    several readers adds up to what they really use together; RSS counts shared pages
    in full in every process.
    """
    fields: dict[str, float] = {}
    with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as rollup:
        for line in rollup:
            parts = line.split()
            if len(parts) == 3 and parts[2] == "kB":
                fields[parts[0].rstrip(":")] = int(parts[1]) / 1024
    private = fields.get("Private_Clean", 0.0) + fields.get("Private_Dirty", 0.0)
    return {
        "rss_mb": round(fields.get("Rss", 0.0), 1),
        "pss_mb": round(fields.get("Pss", 0.0), 1),
        "uss_mb": round(private, 1),
        # the process's own heap, not pages of mapped files (which the page cache shares)
        "anon_mb": round(fields.get("Anonymous", 0.0), 1),
    }


# -- workers (subprocesses) ------------------------------------------------------------------


def build_worker(corpus: Path, path: Path) -> dict[str, Any]:
    """Build the index of ``corpus`` at ``path``; time, peak RSS and distinct terms."""
    from kzsearch import Index, read_articles

    started = time.perf_counter()
    index = Index.create(path, overwrite=True)
    index.add_many(read_articles(corpus))
    seconds = time.perf_counter() - started
    docs = len(index)
    with index.whoosh_index.reader() as reader:
        body_terms = sum(1 for _ in reader.lexicon("body"))
        title_terms = sum(1 for _ in reader.lexicon("title"))
    return {
        "docs": docs,
        "build_s": round(seconds, 2),
        "docs_per_s": round(docs / seconds, 1),
        "build_peak_rss_mb": round(peak_rss_mb(), 1),
        "body_terms": body_terms,
        "title_terms": title_terms,
        "index_mb": round(dir_size(path) / 1e6, 1),
    }


def run_query(index: Any, query: Query) -> Any:
    return index.search(
        query.text, rubric=query.rubric, since=query.since, until=query.until, sort=query.sort
    )


def open_worker(path: Path, queries_path: Path) -> dict[str, Any]:
    """Import, open and answer the first query in a fresh process (each timed apart)."""
    query = load_queries(queries_path)["term"][0]
    started = time.perf_counter()
    from kzsearch import Index

    imported = time.perf_counter()
    import kzsearch

    index = Index.open(path)
    opened = time.perf_counter()
    run_query(index, query)
    answered = time.perf_counter()
    return {
        "import_s": round(imported - started, 3),
        "open_s": round(opened - imported, 3),
        "first_query_s": round(answered - opened, 3),
        "open_first_s": round(answered - imported, 3),
        "peak_rss_mb": round(peak_rss_mb(), 1),
        "kzsearch_from": str(Path(kzsearch.__file__).resolve().parent),
    }


def memory_row(label: str, memory: dict[str, float]) -> str:
    """One row of the memory table (``anon_mb`` is missing in reports made before it)."""
    anon = memory.get("anon_mb")
    return (f"| {label} | {memory['rss_mb']:.0f} | {memory['pss_mb']:.0f} |"
            f" {memory['uss_mb']:.0f} | {'' if anon is None else f'{anon:.0f}'} |")


def reader_queries(queries_path: Path) -> int:
    """How many queries the reader's list holds."""
    loaded = load_queries(queries_path)
    return sum(len(loaded.get(kind, [])) for kind in QUERY_CLASSES)


class Reader:
    """The reader worker: one ``Index`` opened once, commands on stdin, JSON on stdout."""

    def __init__(self, path: Path, queries_path: Path) -> None:
        from kzsearch import Index

        loaded = load_queries(queries_path)
        self.queries = [q for kind in QUERY_CLASSES for q in loaded.get(kind, [])]
        self.index = Index.open(path)
        self.next = 0

    def search_next(self) -> float:
        """Run the next query of the list; its time in ms."""
        query = self.queries[self.next % len(self.queries)]
        self.next += 1
        started = time.perf_counter()
        run_query(self.index, query)
        return (time.perf_counter() - started) * 1000

    def loop(self, seconds: float, at_least: int = 1) -> dict[str, Any]:
        """Search the list round and round for ``seconds``, and ``at_least`` queries."""
        until = time.monotonic() + seconds
        ms = [self.search_next()]
        while time.monotonic() < until or len(ms) < at_least:
            ms.append(self.search_next())
        return {"n": len(ms), "p50_ms": round(percentile(ms, 0.5), 2),
                "max_ms": round(max(ms), 2)}

    def after_commit(self, marker: str, doc_id: str) -> dict[str, Any]:
        """The first search after a commit, then the marker until the new article shows."""
        first_ms = self.search_next()
        deadline = time.monotonic() + VISIBLE_TIMEOUT
        tries, found = 0, False
        while not found and time.monotonic() < deadline:
            tries += 1
            found = any(hit.id == doc_id for hit in self.index.search(marker).hits)
        return {"first_ms": round(first_ms, 2), "found": found, "tries": tries,
                "visible_at": time.monotonic()}

    def serve(self) -> None:
        reply({"ready": True, "pid": os.getpid()})
        for line in sys.stdin:
            command = json.loads(line)
            if command["op"] == "loop":
                reply(self.loop(command["seconds"], command.get("at_least", 1)))
            elif command["op"] == "after":
                reply(self.after_commit(command["marker"], command["id"]))
            else:
                reply({"bye": True})
                return


def reply(message: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


# -- driving workers from the parent ---------------------------------------------------------


def worker_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return env


def run_once(*args: str) -> dict[str, Any]:
    """Run ``live.py ARGS`` to the end; its last stdout line is JSON."""
    done = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), *args],
        capture_output=True, text=True, env=worker_env(), timeout=REPLY_TIMEOUT * 6,
    )
    if done.returncode != 0:
        raise RuntimeError(f"live.py {args[0]} failed: {done.stderr.strip()[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


class ReaderProcess:
    """A reader worker seen from the parent: send a command, wait (bounded) for its answer."""

    def __init__(self, path: Path, queries_path: Path) -> None:
        self.process = subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve()), "reader", str(path),
             str(queries_path)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=worker_env(),
        )
        self.pid = self.process.pid
        self.ready = self.receive()

    def ask(self, **command: Any) -> dict[str, Any]:
        assert self.process.stdin is not None
        self.process.stdin.write(json.dumps(command) + "\n")
        self.process.stdin.flush()
        return self.receive()

    def receive(self) -> dict[str, Any]:
        stdout = self.process.stdout
        assert stdout is not None
        readable, _, _ = select.select([stdout], [], [], REPLY_TIMEOUT)
        line = stdout.readline() if readable else ""
        if not line:
            self.stop()
            raise RuntimeError(f"reader {self.pid} gave no answer (exit {self.process.poll()})")
        return json.loads(line)

    def memory(self) -> dict[str, float]:
        return memory_mb(self.pid)

    def stop(self) -> None:
        if self.process.poll() is None:
            try:
                assert self.process.stdin is not None
                self.process.stdin.write(json.dumps({"op": "quit"}) + "\n")
                self.process.stdin.flush()
                self.process.wait(timeout=30)
            except (OSError, subprocess.TimeoutExpired):
                self.process.kill()
                self.process.wait()


# -- the run ---------------------------------------------------------------------------------


def cached_index(args: argparse.Namespace, vocabulary: int, data: Path) -> tuple[Path, dict]:
    """The built index for (articles, seed, vocabulary, index versions), built if missing."""
    from kzsearch.analysis import ANALYSIS_VERSION
    from kzsearch.index import SCHEMA_VERSION

    key = (f"{args.articles}-s{args.seed}-v{vocabulary}"
           f"-a{ANALYSIS_VERSION}-sch{SCHEMA_VERSION}-g{corpus_mod.GENERATOR_VERSION}")
    if os.environ.get(TREE_ENV):  # another checkout's index is its own, whatever its versions
        tree = Path(os.environ[TREE_ENV]).resolve()
        key += f"-tree-{tree.name}-{report_mod.machine()['kzsearch'].replace('+', '-')}"
    home = args.out / "live-cache" / key
    index_path, stamp = home / "index", home / "build.json"
    if stamp.is_file() and index_path.is_dir() and not args.rebuild:
        log(f"reusing the index at {index_path}")
        return index_path, {**json.loads(stamp.read_text()), "cached": True}
    shutil.rmtree(home, ignore_errors=True)
    corpus = corpus_mod.make_corpus(args.articles, args.seed, home / "corpus.jsonl", data,
                                    vocabulary)
    log(f"building {args.articles} articles (vocabulary {vocabulary}) ...")
    built = run_once("build", str(corpus), str(index_path))
    queries = build_queries(corpus, data, QUERIES_PER_CLASS, seed=args.seed)
    save_queries({k: queries[k] for k in QUERY_CLASSES}, home / "queries.json")
    if not args.keep_corpus:
        corpus.unlink()
    stamp.write_text(json.dumps(built) + "\n")
    return index_path, {**built, "cached": False}


def new_articles(count: int, seed: int, vocabulary: int, data: Path) -> list[Any]:
    """The articles the writer adds: generated like the corpus (another seed), each with a
    unique marker word that no other article holds."""
    from kzsearch import Article

    stamp = f"{os.getpid():x}{int(time.time()) % 100000:x}"
    made = []
    rare = corpus_mod.default_vocabulary(count) if vocabulary else 0  # new names, numbers...
    records = corpus_mod.generate(count, seed + 1_000_003, data, rare)
    for number, record in enumerate(records, 1):
        marker = f"livemark{stamp}n{number:03d}"
        made.append((marker, Article(
            id=f"live-{stamp}-{number:03d}",
            title=str(record["title"]),
            body=f"{record['body']} {marker}",
            rubric=str(record["rubric"]),
            published=dt.date.fromisoformat(str(record["published"])),
            views=int(record["views"]),  # type: ignore[call-overload]
            read_minutes=int(record["read_minutes"]),  # type: ignore[call-overload]
            lang="kk",
        )))
    return made


def commit_loop(args: argparse.Namespace, path: Path, queries: Path, vocabulary: int,
                data: Path, deadline: float) -> dict[str, Any]:
    """The writer (this process) commits one article at a time; one reader searches."""
    from kzsearch import Index

    articles = new_articles(args.commits, args.seed, vocabulary, data)
    writer = (Index.open(path, merge_in_background=True) if args.merge_in_background
              else Index.open(path))
    reader = ReaderProcess(path, queries)
    try:
        # A long-lived reader has run its queries before: one pass over the whole list
        # first, so that a first search after a commit is not also the query's first ever.
        warm = reader.ask(op="loop", seconds=max(args.pause, 1.0),
                          at_least=reader_queries(queries))
        before = reader.memory()
        rows: list[dict[str, Any]] = []
        for marker, article in articles:
            if time.monotonic() > deadline:
                log(f"  --max-seconds reached after {len(rows)} commits")
                break
            loop = reader.ask(op="loop", seconds=args.pause)
            started = time.perf_counter()
            writer.add_many([article])
            commit_s = time.perf_counter() - started
            committed = time.monotonic()
            seen = reader.ask(op="after", marker=marker, id=article.id)
            rows.append({
                "commit_ms": round(commit_s * 1000, 1),
                "first_search_ms": seen["first_ms"],
                "visible_ms": round((seen["visible_at"] - committed) * 1000, 1)
                if seen["found"] else None,
                "marker_tries": seen["tries"],
                "warm_p50_ms": loop["p50_ms"],
                **reader.memory(),
            })
            log(f"  commit {len(rows)}: {rows[-1]['commit_ms']} ms, first search"
                f" {rows[-1]['first_search_ms']} ms, visible {rows[-1]['visible_ms']} ms,"
                f" reader PSS {rows[-1]['pss_mb']} MB")
        after = reader.memory()
    finally:
        reader.stop()
    return {"warm": warm, "reader_before": before, "reader_after": after, "commits": rows,
            "writer": memory_mb(os.getpid()), "index_mb_after": round(dir_size(path) / 1e6, 1),
            "segments_after": writer.stats().segments}


def readers_together(path: Path, queries: Path, count: int, seconds: float) -> dict[str, Any]:
    """One reader's memory alone, then ``count`` readers' summed memory side by side."""
    readers = [ReaderProcess(path, queries)]
    try:
        readers[0].ask(op="loop", seconds=seconds)
        alone = readers[0].memory()
        while len(readers) < count:
            readers.append(ReaderProcess(path, queries))
        for reader in readers[1:]:
            reader.ask(op="loop", seconds=seconds)
        each = [reader.memory() for reader in readers]
    finally:
        for reader in readers:
            reader.stop()
    total = {key: round(sum(m[key] for m in each), 1)
             for key in ("rss_mb", "pss_mb", "uss_mb", "anon_mb")}
    return {"readers": count, "one_alone": alone, "each": each, "total": total}


def summary(result: dict[str, Any]) -> dict[str, Any]:
    rows = result["live"]["commits"]

    def p(key: str, share: float) -> float | None:
        values = [r[key] for r in rows if r[key] is not None]
        return round(percentile(values, share), 1) if values else None

    return {
        "commits_done": len(rows),
        "commit_p50_ms": p("commit_ms", 0.5), "commit_p95_ms": p("commit_ms", 0.95),
        "first_p50_ms": p("first_search_ms", 0.5), "first_p95_ms": p("first_search_ms", 0.95),
        "visible_p50_ms": p("visible_ms", 0.5), "visible_p95_ms": p("visible_ms", 0.95),
        "visible_max_ms": max((r["visible_ms"] or 0 for r in rows), default=None),
        "never_visible": sum(1 for r in rows if r["visible_ms"] is None),
    }


def targets(result: dict[str, Any]) -> list[dict[str, Any]]:
    s, live, group = result["summary"], result["live"], result["readers"]
    before, after = live["reader_before"]["rss_mb"], live["reader_after"]["rss_mb"]
    index_mb = live["index_mb_after"]
    one, total = group["one_alone"]["pss_mb"], group["total"]["pss_mb"]
    opened = result["open"]["median"]["open_first_s"]
    rows = [
        ("one-article commit p95", s["commit_p95_ms"], f"{s['commit_p95_ms']} ms",
         f"≤ {COMMIT_P95_MS:.0f} ms", lambda v: v <= COMMIT_P95_MS),
        ("first search after a commit p95", s["first_p95_ms"], f"{s['first_p95_ms']} ms",
         f"≤ {FIRST_SEARCH_P95_MS:.0f} ms", lambda v: v <= FIRST_SEARCH_P95_MS),
        ("reader RSS after / before the commits", after / before,
         f"{after:.0f} / {before:.0f} MB ({after / before:.2f}×)", f"≤ {RSS_GROWTH}×",
         lambda v: v <= RSS_GROWTH),
        ("reader RSS vs index on disk", live["reader_after"]["rss_mb"] / index_mb,
         f"{live['reader_after']['rss_mb']:.0f} / {index_mb:.0f} MB"
         f" ({live['reader_after']['rss_mb'] / index_mb:.2f}×)", f"≤ {RSS_VS_INDEX}×",
         lambda v: v <= RSS_VS_INDEX),
        (f"{group['readers']} readers' PSS vs one reader's", total / one,
         f"{total:.0f} / {one:.0f} MB ({total / one:.2f}×)", f"< {READERS_VS_ONE}×",
         lambda v: v < READERS_VS_ONE),
        ("open + first query (median)", opened, f"{opened:.2f} s", f"≤ {OPEN_FIRST_S} s",
         lambda v: v <= OPEN_FIRST_S),
    ]
    return [{"target": name, "value": text, "goal": goal,
             "verdict": "n/a" if value is None else report_mod.verdict(check(value))}
            for name, value, text, goal, check in rows]


def markdown(result: dict[str, Any]) -> str:
    m, b, s = result["machine"], result["build"], result["summary"]
    live, group, opened = result["live"], result["readers"], result["open"]
    build_note = "reused from the cache" if b["cached"] else "built in this run"
    lines = [
        f"# kzsearch live index ({result['name']})",
        "",
        f"Machine: {m['nproc']} cores, {m['cpu']}, {m['ram_gb']} GB RAM; Python {m['python']};"
        f" Whoosh {m['whoosh']}; kzsearch {m['kzsearch']}. Run {result['started']} in"
        f" {result['seconds']:.0f} s; load average at the end {result['load_average']}.",
        "",
        f"Command: `{result['command']}`",
        "",
        f"Index: {b['docs']:,} articles (seed {result['seed']}, vocabulary"
        f" {result['vocabulary']:,} rare word types), {b['body_terms']:,} distinct body terms,"
        f" {b['title_terms']:,} title terms; {b['index_mb']} MB on disk"
        f" ({live['index_mb_after']} MB and {live.get('segments_after', '?')} segments after"
        f" the commits). Build ({build_note}):"
        f" {b['build_s']} s, {b['docs_per_s']} docs/s, peak RSS {b['build_peak_rss_mb']:.0f} MB.",
        "",
        "| measure | p50 | p95 | max |",
        "|---|---:|---:|---:|",
    ]
    rows = live["commits"]
    for label, key in (("one-article commit, ms", "commit_ms"),
                       ("reader's first search after it, ms", "first_search_ms"),
                       ("new article visible to the reader after, ms", "visible_ms"),
                       ("reader's other searches between commits (p50 per pause), ms",
                        "warm_p50_ms")):
        values = [r[key] for r in rows if r[key] is not None]
        if values:
            lines.append(f"| {label} | {percentile(values, 0.5):.1f} |"
                         f" {percentile(values, 0.95):.1f} | {max(values):.1f} |")
    before, after = live["reader_before"], live["reader_after"]
    lines += [
        "",
        f"{s['commits_done']} commits, {args_pause(result)} s apart;"
        f" {s['never_visible']} new articles never seen within {VISIBLE_TIMEOUT:.0f} s."
        f" Before the first commit the reader ran {live['warm']['n']} queries (p50"
        f" {live['warm']['p50_ms']} ms, the first ones cold; every query of the list at"
        " least once)."
        " Anonymous memory is the process's own; RSS also counts the pages of the index"
        " files it has mapped and touched, which the page cache shares between processes.",
        "",
        "| memory, MB | RSS | PSS | USS | anonymous |",
        "|---|---:|---:|---:|---:|",
        memory_row("reader before the commits", before),
        memory_row("reader after the commits", after),
        memory_row("writer (this process) after the commits", live["writer"]),
        memory_row("one fresh reader alone", group["one_alone"]),
        memory_row(f"{group['readers']} fresh readers together", group["total"]),
        "",
        f"Fresh process, best / median of {OPEN_RUNS}: import kzsearch"
        f" {opened['best']['import_s']:.2f} / {opened['median']['import_s']:.2f} s,"
        f" `Index.open` {opened['best']['open_s']:.2f} / {opened['median']['open_s']:.2f} s,"
        f" first query {opened['best']['first_query_s']:.2f} /"
        f" {opened['median']['first_query_s']:.2f} s; peak RSS"
        f" {opened['median']['peak_rss_mb']:.0f} MB.",
        "",
        "| target | measured | goal | |",
        "|---|---:|---|---|",
    ]
    lines += [f"| {t['target']} | {t['value']} | {t['goal']} | **{t['verdict']}** |"
              for t in result["targets"]]
    lines += beside_lines(result)
    return "\n".join(lines) + "\n"


def args_pause(result: dict[str, Any]) -> float:
    return float(result["pause"])


def open_times(path: Path, queries: Path) -> dict[str, Any]:
    runs = [run_once("open", str(path), str(queries)) for _ in range(OPEN_RUNS)]
    ordered = sorted(runs, key=lambda r: r["open_first_s"])
    return {"runs": runs, "best": ordered[0], "median": ordered[len(ordered) // 2]}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, help="index size (default 100000; quick 300)")
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--vocabulary", type=int,
                        help="rare word types (default corpus.py's realistic one; 0: none)")
    parser.add_argument("--commits", type=int, help="one-article commits (default 50; quick 3)")
    parser.add_argument("--pause", type=float, help="seconds of searching between commits"
                        " (default 0.5; quick 0.1)")
    parser.add_argument("--readers", type=int, default=4, help="readers side by side")
    parser.add_argument("--max-seconds", type=float, default=1800.0,
                        help="stop committing after this long (the build is not counted)")
    parser.add_argument("--quick", action="store_true", help="300 articles, 3 commits")
    parser.add_argument("--merge-in-background", action="store_true",
                        help="open the writer with Index.open(path, merge_in_background=True)")
    parser.add_argument("--rebuild", action="store_true", help="build even if cached")
    parser.add_argument("--keep-corpus", action="store_true", help="keep the corpus JSONL")
    parser.add_argument("--data", help="shared data folder (default ../shared/data)")
    parser.add_argument("--out", type=Path, default=RESULTS, help="results folder")
    parser.add_argument("--name", help="report name (default quick, or the size)")
    parser.add_argument("--compare", type=Path, action="append", default=[], metavar="TREE",
                        help="run again with this kzsearch checkout's package (repeatable)")
    args = parser.parse_args(argv)
    for tree in args.compare:
        if not (tree / "kzsearch" / "__init__.py").is_file():
            parser.error(f"--compare {tree}: no kzsearch package there")
    args.articles = args.articles or (300 if args.quick else 100_000)
    args.commits = args.commits if args.commits is not None else (3 if args.quick else 50)
    args.pause = args.pause if args.pause is not None else (0.1 if args.quick else 0.5)
    if args.articles < 1 or args.commits < 1 or args.readers < 1 or args.pause < 0:
        parser.error("--articles, --commits and --readers must be at least 1, --pause >= 0")
    return args


def run(argv: list[str] | None = None) -> dict[str, Any]:
    """The whole measurement; returns the result written to the JSON report."""
    args = parse_args(argv)
    data = corpus_mod.data_dir(args.data)
    if not (data / "text" / "kaznerd").is_dir():
        sys.exit(f"no shared data at {data}; pass --data DIR or set {corpus_mod.DATA_ENV}")
    clock, started = time.perf_counter(), dt.datetime.now().isoformat(timespec="seconds")
    vocabulary = (corpus_mod.default_vocabulary(args.articles) if args.vocabulary is None
                  else args.vocabulary)
    pristine, built = cached_index(args, vocabulary, data)
    queries = pristine.parent / "queries.json"
    name = args.name or ("quick" if args.quick else f"{args.articles // 1000}k-v{vocabulary}")
    work = args.out / f"live-work-{os.getpid()}"
    shutil.rmtree(work, ignore_errors=True)
    shutil.copytree(pristine, work)
    try:
        log("open + first query ...")
        opened = open_times(work, queries)
        log(f"{args.commits} commits ...")
        live = commit_loop(args, work, queries, vocabulary, data,
                           time.monotonic() + args.max_seconds)
        log(f"{args.readers} readers ...")
        group = readers_together(work, queries, args.readers, max(args.pause, 1.0))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    result: dict[str, Any] = {
        "name": name, "started": started, "machine": report_mod.machine(),
        "command": "python benchmarks/live.py " + " ".join(argv if argv is not None
                                                           else sys.argv[1:]),
        "articles": args.articles, "seed": args.seed, "vocabulary": vocabulary,
        "pause": args.pause, "merge_in_background": args.merge_in_background,
        "build": built, "open": opened, "live": live, "readers": group,
    }
    import kzsearch

    result["kzsearch_from"] = sorted({str(Path(kzsearch.__file__).resolve().parent)}
                                     | {r["kzsearch_from"] for r in opened["runs"]})
    result["summary"] = summary(result)
    result["targets"] = targets(result)
    result["load_average"] = [round(x, 2) for x in os.getloadavg()]
    result["beside"] = {tree.resolve().name: run_tree(args, name, tree) for tree in args.compare}
    result["seconds"] = round(time.perf_counter() - clock, 1)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / f"live-{name}.json").write_text(
        json.dumps(result, indent=1, ensure_ascii=False), encoding="utf-8")
    (args.out / f"live-{name}.md").write_text(markdown(result), encoding="utf-8")
    log(f"written {args.out / f'live-{name}.md'} and .json")
    return result


def run_tree(args: argparse.Namespace, name: str, tree: Path) -> dict[str, Any]:
    """The same run in a subprocess with ``tree``'s kzsearch package; its JSON result
    (also written as ``live-<name>-<tree>.json`` and ``.md``)."""
    tree = tree.resolve()
    child = f"{name}-{tree.name}"
    argv = ["--articles", str(args.articles), "--seed", str(args.seed), "--commits",
            str(args.commits), "--pause", str(args.pause), "--readers", str(args.readers),
            "--max-seconds", str(args.max_seconds), "--out", str(args.out), "--name", child]
    argv += ["--vocabulary", str(args.vocabulary)] if args.vocabulary is not None else []
    argv += ["--data", args.data] if args.data else []
    argv += [flag for flag, on in (("--rebuild", args.rebuild),
                                   ("--keep-corpus", args.keep_corpus)) if on]
    log(f"the same run with {tree}/kzsearch ...")
    env = {**worker_env(), TREE_ENV: str(tree)}
    done = subprocess.run([sys.executable, str(Path(__file__).resolve()), *argv],
                          stdout=subprocess.DEVNULL, env=env)
    if done.returncode != 0:
        return {"error": f"live.py under {tree} exited {done.returncode}", "path": str(tree)}
    found = json.loads((args.out / f"live-{child}.json").read_text(encoding="utf-8"))
    if found.get("kzsearch_from") != [str(tree / "kzsearch")]:  # writer and readers alike
        return {"error": f"imported kzsearch from {found.get('kzsearch_from')}", "path": str(tree)}
    return {**found, "path": str(tree)}


def beside_lines(result: dict[str, Any]) -> list[str]:
    """This run's headline figures beside each ``--compare`` run's."""
    others = result.get("beside") or {}
    if not others:
        return []
    runs = {"this": result, **others}
    lines = ["", "## Beside " + ", ".join(others) + " (same arguments, one run after the other)",
             "", "| measure | " + " | ".join(f"{k} (`{v.get('machine', {}).get('kzsearch', '?')}`)"
                                            for k, v in runs.items()) + " |",
             "|---|" + "---:|" * len(runs)]
    rows = (
        ("build docs/s", lambda r: f"{r['build']['docs_per_s']:.0f}"),
        ("build peak RSS MB", lambda r: f"{r['build']['build_peak_rss_mb']:.0f}"),
        ("index MB (after the commits)",
         lambda r: f"{r['build']['index_mb']} ({r['live']['index_mb_after']})"),
        ("open + first query, median s", lambda r: f"{r['open']['median']['open_first_s']:.2f}"),
        ("commit p50 / p95 ms",
         lambda r: f"{r['summary']['commit_p50_ms']} / {r['summary']['commit_p95_ms']}"),
        ("first search after it p50 / p95 ms",
         lambda r: f"{r['summary']['first_p50_ms']} / {r['summary']['first_p95_ms']}"),
        ("visible after p50 / p95 ms",
         lambda r: f"{r['summary']['visible_p50_ms']} / {r['summary']['visible_p95_ms']}"),
        ("reader RSS before → after MB", lambda r: f"{r['live']['reader_before']['rss_mb']:.0f}"
         f" → {r['live']['reader_after']['rss_mb']:.0f}"),
        ("readers' PSS together / one MB", lambda r: f"{r['readers']['total']['pss_mb']:.0f}"
         f" / {r['readers']['one_alone']['pss_mb']:.0f}"),
        ("load average at the end", lambda r: ", ".join(map(str, r["load_average"]))),
    )
    for label, cell in rows:
        cells = [v["error"] if "error" in v else cell(v) for v in runs.values()]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    for number, target in enumerate(result["targets"]):
        cells = [v["error"] if "error" in v else
                 f"{v['targets'][number]['value']} **{v['targets'][number]['verdict']}**"
                 for v in runs.values()]
        lines.append(f"| target: {target['target']} ({target['goal']}) | "
                     + " | ".join(cells) + " |")
    return lines


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["build"]:
        print(json.dumps(build_worker(Path(argv[1]), Path(argv[2]))))
    elif argv[:1] == ["open"]:
        print(json.dumps(open_worker(Path(argv[1]), Path(argv[2]))))
    elif argv[:1] == ["reader"]:
        Reader(Path(argv[1]), Path(argv[2])).serve()
    elif argv[:1] == ["render"]:  # the Markdown again from a JSON report (targets re-judged)
        result = json.loads(Path(argv[1]).read_text(encoding="utf-8"))
        result["targets"] = targets(result)
        Path(argv[1]).with_suffix(".md").write_text(markdown(result), encoding="utf-8")
    else:
        result = run(argv)
        print(markdown(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
