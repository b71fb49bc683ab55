"""``kzsearch serve`` under concurrent clients, beside the same queries through ``Index.search``.

    python benchmarks/serve.py                         # 100k articles (index built once, cached)
    python benchmarks/serve.py --quick                 # 1k articles, short phases: under a minute
    python benchmarks/serve.py --corpus c10k.jsonl     # an index of this corpus (built once)
    python benchmarks/serve.py --index PATH [--corpus C]   # an existing index (a copy is written)

What it does (issue 18's "Must show"):

1. The index: ``--index PATH`` as it is, or one built (in a subprocess, by ``speed.py``'s
   build worker, as ``run.py`` builds) from ``--corpus FILE`` or from a generated corpus of
   ``--size`` articles (``corpus.py``, the file ``run.py`` makes for that size and seed),
   cached under ``--out``/``serve-cache`` for the next run. Every setup below starts from
   a fresh copy of it, since the writer adds articles (the given index is never written).
2. Requests per class, drawn as ``run.py`` draws them (``queries.py``, from the corpus; with
   ``--index`` alone, from a sample of the index's stored articles): the six search classes
   (1–3 terms, question, phrase, term + rubric, term + dates by date, Latin script), then
   ``/complete`` (``completion.py``'s prefixes, typed three ways), ``/articles/{id}/similar``
   and ``/articles/{id}`` (ids of ``similar_speed.py``'s fixed sample).
3. Four setups, one after the other: the queries through ``Index.search`` in one process
   (the library; 1 thread, then ``--clients`` threads, with a thread calling
   ``Index.refresh()`` every 0.5 s as the server does), then ``kzsearch serve --workers N``
   for each ``--workers`` (a subprocess on a free port of 127.0.0.1, ready when
   ``/health`` answers and each worker has logged its start-up). Each setup: a warm-up
   (not counted) in which every client sends every request once (so that every worker
   has seen every request), cut short after ``--warmup`` seconds; then one phase per
   class: ``--clients`` threads send that class's requests round and round for
   ``--duration`` seconds or ``--max-requests`` requests, whichever ends first. Per
   phase: requests/s, latency p50/p95/p99/max (nearest rank), errors, the load average
   when it started, CPU time of the measured processes per request. The requests repeat
   (a class has ``--queries``), so most answers come from warm caches, as on a site where
   readers ask the same things; the writer's commits make some of them cold again.
4. A writer adds one article every ``--write-every`` seconds through all of a setup's
   phases: ``POST /articles`` with the API key given to the server (``--writer http``, the
   default; a separate writer process if the server has no ``POST /articles``), or a separate
   process's ``Index.add_many`` (``--writer process``, and always for the library setups).
   Each article carries a marker word of its own; the writer then searches the marker (on
   the server, or the library's ``Index``) until the article comes back: write latency,
   visible-after latency, articles never seen within 10 s.
5. Memory: the server's RSS (``VmRSS`` of ``/proc/PID/status``) and PSS (``smaps_rollup``)
   summed over the server process and its worker children (found by scanning ``/proc`` for
   descendants), after the warm-up and after every phase; the library process's own.

Clients are threads of this process, each with one keep-alive ``http.client`` connection
(stdlib; a new one for each phase, so the phase's connections spread over the workers that
are up). They share the machine with the server: the report gives their CPU time too.
In the library setups each request is the same call, its page of results made into the
server's answer (``kzsearch.search.answers.results_dict``: every hit's title and body
highlights cut; its time is reported apart), so what the HTTP columns add is the HTTP, the
JSON encoding and the ASGI work.

Results: ``--out``/``serve-<name>.md`` and ``.json`` (name: ``quick``, the size such as
``100k``, or ``--name``). ``serve.py library PLAN`` and ``serve.py writer INDEX`` are the
subprocess modes the run starts.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import itertools
import json
import os
import secrets
import select
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
for entry in (str(HERE), str(ROOT)):
    if entry not in sys.path:
        sys.path.insert(0, entry)

import completion as completion_mod  # noqa: E402
import corpus as corpus_mod  # noqa: E402
import queries as queries_mod  # noqa: E402
import report as report_mod  # noqa: E402
import similar_speed  # noqa: E402
import speed  # noqa: E402

RESULTS = HERE / "results"
HOST = "127.0.0.1"
DEFAULT_SIZE, QUICK_SIZE = 100_000, 1_000
EXTRA_CLASSES = ("complete", "similar", "article")
CLASS_NAMES = {**report_mod.CLASS_NAMES, "complete": "/complete",
               "similar": "/articles/{id}/similar", "article": "/articles/{id}"}
REFRESH_INTERVAL = 0.5  # seconds between the library setup's Index.refresh() calls
VISIBLE_TIMEOUT = 10.0  # seconds the writer looks for its new article
VISIBLE_POLL = 0.05
READY_TIMEOUT = 180.0  # seconds a server may take to answer /health
REQUEST_TIMEOUT = 60.0  # seconds one request may take (a hang guard)
STARTUP_LINE = "Application startup complete"  # uvicorn logs it once per worker
QUIET_WORKERS_S = 3.0  # seconds given to the other workers of a server that logs no start-up
Call = Callable[[int, "Request"], int]  # (client number, request) -> HTTP status


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def load_text() -> str:
    return ", ".join(f"{x:.2f}" for x in os.getloadavg())


# -- requests --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Request:
    """One request of a class: an endpoint and its query parameters (for the library setup,
    the same call); ``article_id`` for the ``/articles/{id}`` endpoints."""

    kind: str
    path: str
    params: tuple[tuple[str, str], ...] = ()
    article_id: str | None = None

    def url(self) -> str:
        return self.path + ("?" + urlencode(self.params) if self.params else "")


def search_request(query: queries_mod.Query) -> Request:
    """``GET /search`` with the query's filters and sort (the relevance sort left out)."""
    params = [("q", query.text)]
    params += [(k, v) for k, v in (("rubric", query.rubric), ("since", query.since),
                                   ("until", query.until)) if v]
    params += [("sort", query.sort)] if query.sort != "relevance" else []
    return Request(query.kind, "/search", tuple(params))


def make_requests(corpus: Path, data: Path, per_class: int, seed: int) -> dict[str, list[Request]]:
    """Every class's requests: ``queries.py``'s classes, then completion prefixes,
    related articles and articles by id (the ids of ``similar_speed.py``'s sample)."""
    drawn = queries_mod.build_queries(corpus, data, per_class, seed=seed)
    found = {kind: [search_request(q) for q in drawn[kind]]
             for kind in queries_mod.CLASSES if drawn.get(kind)}
    found["complete"] = [Request("complete", "/complete", (("q", prefix),))
                         for typed in completion_mod.prefixes().values() for prefix in typed]
    ids = similar_speed.sample_ids(corpus, per_class, seed)
    found["similar"] = [Request("similar", f"/articles/{quote(i, safe='')}/similar",
                                article_id=i) for i in ids]
    found["article"] = [Request("article", f"/articles/{quote(i, safe='')}", article_id=i)
                        for i in ids]
    return found


def save_requests(requests: dict[str, list[Request]]) -> dict[str, list[dict[str, Any]]]:
    return {kind: [asdict(r) for r in rows] for kind, rows in requests.items()}


def load_requests(raw: dict[str, list[dict[str, Any]]]) -> dict[str, list[Request]]:
    return {kind: [Request(r["kind"], r["path"], tuple(tuple(p) for p in r["params"]),
                           r["article_id"]) for r in rows] for kind, rows in raw.items()}


def interleaved(requests: dict[str, list[Request]]) -> list[Request]:
    """Every class's requests, one of each class in turn (the warm-up's list)."""
    rows = itertools.zip_longest(*requests.values())
    return [r for row in rows for r in row if r is not None]


# -- the index and the corpus the requests come from -----------------------------------------


def index_versions() -> str:
    from kzsearch.analysis import ANALYSIS_VERSION
    from kzsearch.index import SCHEMA_VERSION

    return f"a{ANALYSIS_VERSION}-sch{SCHEMA_VERSION}"


def built_index(corpus: Path, home: Path, rebuild: bool) -> tuple[Path, dict[str, Any]]:
    """The index of ``corpus`` under ``home`` (built by ``speed.py``'s build worker if it is
    missing or ``rebuild``), and its build figures."""
    index, stamp = home / "index", home / "build.json"
    if stamp.is_file() and index.is_dir() and not rebuild:
        log(f"reusing the index at {index}")
        return index, {**json.loads(stamp.read_text()), "cached": True}
    shutil.rmtree(home, ignore_errors=True)
    home.mkdir(parents=True)
    log(f"building the index of {corpus} ... (load {load_text()})")
    built = speed.run_worker(["build", "kzsearch", str(corpus), str(index), "1"])
    if "error" in built:
        raise RuntimeError(f"build failed: {built['error']}")
    stamp.write_text(json.dumps(built) + "\n")
    log(f"  {built['docs']} docs in {built['seconds']} s")
    return index, {**built, "cached": False}


def export_sample(index_path: Path, out: Path, limit: int = queries_mod.SAMPLE_ARTICLES) -> Path:
    """The first ``limit`` dated articles of an index as JSONL (what ``queries.py`` and
    ``similar_speed.py`` read), for ``--index`` without ``--corpus``."""
    from kzsearch import Index
    from kzsearch.search.documents import article_of

    written = 0
    with Index.open(index_path) as index, index.whoosh_index.reader() as reader, \
            out.open("w", encoding="utf-8") as lines:
        for _, stored in reader.iter_docs():
            article = article_of(stored)
            if article.published is None or not article.body:
                continue
            lines.write(json.dumps({"id": article.id, "title": article.title,
                                    "body": article.body, "rubric": article.rubric or "",
                                    "published": article.published.isoformat()},
                                   ensure_ascii=False) + "\n")
            written += 1
            if written >= limit:
                break
    if not written:
        raise SystemExit(f"{index_path}: no dated article to draw queries from; pass --corpus")
    return out


def refuse_without_word_files(index_path: Path) -> None:
    """Stop before measuring an index whose ``/complete`` would answer 503 (written before
    the completion word files); this benchmark never writes the index it is given."""
    from kzsearch import Index
    from kzsearch.search.completion import BUILD_IN_READER

    with Index.open(index_path) as index:
        segments, articles = index.missing_word_files()
    if articles > BUILD_IN_READER:
        raise SystemExit(f"{index_path}: {segments} segment(s) ({articles:,} articles) lack"
                         " the completion word files, so /complete would answer 503; write"
                         f" them first: kzsearch index words --index {index_path}")


def prepare(args: argparse.Namespace, data: Path) -> tuple[Path, Path, dict[str, Any]]:
    """The index to copy for each setup, the corpus the requests are drawn from, and a
    description of both for the report."""
    args.out.mkdir(parents=True, exist_ok=True)
    if args.index:
        refuse_without_word_files(args.index)
        corpus = args.corpus or export_sample(args.index, args.out / "serve-sample.jsonl")
        return args.index, corpus, {"source": f"--index {args.index}", "cached": True}
    if args.corpus:
        stat = args.corpus.stat()
        key = f"{args.corpus.stem}-{stat.st_size}-{int(stat.st_mtime)}-{index_versions()}"
        index, built = built_index(args.corpus, args.out / "serve-cache" / key, args.rebuild)
        return index, args.corpus, {"source": f"--corpus {args.corpus}", **built}
    vocabulary = (corpus_mod.default_vocabulary(args.size) if args.vocabulary is None
                  else args.vocabulary)
    log(f"corpus of {args.size} articles, vocabulary {vocabulary:,} ... (load {load_text()})")
    corpus = corpus_mod.make_corpus(args.size, args.seed, args.out / f"corpus-{label(args.size)}"
                                    ".jsonl", data, vocabulary)
    key = (f"{args.size}-s{args.seed}-v{vocabulary}-{index_versions()}"
           f"-g{corpus_mod.GENERATOR_VERSION}")
    index, built = built_index(corpus, args.out / "serve-cache" / key, args.rebuild)
    return index, corpus, {"source": f"generated, seed {args.seed}, vocabulary {vocabulary:,}",
                           **built}


def label(size: int) -> str:
    return f"{size // 1000}k" if size % 1000 == 0 else str(size)


def new_records(count: int, seed: int, data: Path) -> list[dict[str, Any]]:
    """The articles the writer adds: generated like the corpus (another seed), each with a
    marker word no other article holds (``marker`` is not a field of the record)."""
    stamp = f"{os.getpid():x}{int(time.time()) % 100000:x}"
    records = corpus_mod.generate(count, seed + 2_000_003, data,
                                  corpus_mod.default_vocabulary(count))
    made = []
    for number, record in enumerate(records, 1):
        marker = f"servemark{stamp}n{number:04d}"
        made.append({**record, "id": f"serve-{stamp}-{number:04d}",
                     "body": f"{record['body']} {marker}", "marker": marker})
    return made


def fresh_copy(index: Path, work: Path) -> Path:
    """A copy of ``index`` at ``work`` (replacing what was there)."""
    shutil.rmtree(work, ignore_errors=True)
    shutil.copytree(index, work)
    return work


# -- phases ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Settings:
    """How long and how much each setup runs."""

    clients: int
    duration: float
    warmup: float
    max_requests: int
    write_every: float | None  # None: no writer


def run_phase(call: Call, requests: list[Request], clients: int, duration: float,
              max_requests: int, once: bool = False) -> dict[str, Any]:
    """``clients`` threads send ``requests`` round and round (each from its own place in the
    list) until ``duration`` seconds have passed or ``max_requests`` have been sent; with
    ``once``, each client stops after one pass over the list."""
    deadline = time.monotonic() + duration
    budget = itertools.count()  # next() is atomic under the GIL
    times: list[list[float]] = [[] for _ in range(clients)]
    statuses: list[Counter[int]] = [Counter() for _ in range(clients)]
    own = len(requests) if once else 10**12  # requests a client sends at most

    def client(number: int) -> None:
        position = number * len(requests) // clients
        while (time.monotonic() < deadline and len(times[number]) < own
               and next(budget) < max_requests):
            request = requests[position % len(requests)]
            position += 1
            started = time.perf_counter()
            status = call(number, request)
            times[number].append(time.perf_counter() - started)
            statuses[number][status] += 1

    load = os.getloadavg()
    started, cpu = time.perf_counter(), os.times()
    threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds, used = time.perf_counter() - started, os.times()
    counted = sum(statuses, Counter())
    return {**latency([t for row in times for t in row], seconds),
            "errors": sum(n for status, n in counted.items() if status != 200),
            "statuses": {str(k): v for k, v in sorted(counted.items())},
            "load": [round(x, 2) for x in load],
            "client_cpu_s": round(used.user + used.system - cpu.user - cpu.system, 2)}


def latency(seconds_each: list[float], elapsed: float) -> dict[str, Any]:
    """Requests, requests/s and latency percentiles in ms of one phase."""
    ms = [s * 1000 for s in seconds_each] or [0.0]
    return {"n": len(seconds_each), "seconds": round(elapsed, 2),
            "rps": round(len(seconds_each) / elapsed, 1) if elapsed else 0.0,
            **{f"p{int(share * 100)}_ms": round(speed.percentile(ms, share), 2)
               for share in (0.5, 0.95, 0.99)},
            "max_ms": round(max(ms), 2)}


def run_setup(name: str, calls: Callable[[], Call], requests: dict[str, list[Request]],
              settings: Settings, writer: Writer | None, measured: Callable[[], list[int]],
              finish: Callable[[dict[str, Any]], None] | None = None) -> dict[str, Any]:
    """A warm-up (not counted), then one phase per class with the writer running; the
    measured processes' memory after the warm-up and after each phase, and their CPU time
    per request. ``calls()`` gives each phase's call (new connections); ``finish(phase)``
    adds to each phase's figures (the warm-up's too)."""
    finish = finish or (lambda phase: None)
    log(f"[{name}] warm-up: every request once per client, {settings.warmup:g} s at most"
        f" (load {load_text()})")
    warm = run_phase(calls(), interleaved(requests), settings.clients, settings.warmup,
                     10**9, once=True)
    finish(warm)
    warm["complete"] = warm["n"] == settings.clients * sum(map(len, requests.values()))
    log(f"    {warm['n']} requests in {warm['seconds']} s"
        + ("" if warm["complete"] else " (cut short by --warmup)"))
    memory = {"after warm-up": memory_of(measured())}
    phases: dict[str, Any] = {}
    if writer is not None:
        writer.start()
    try:
        for kind, rows in requests.items():
            log(f"[{name}] {CLASS_NAMES.get(kind, kind)}: {settings.clients} clients,"
                f" {settings.duration:g} s (load {load_text()})")
            before = cpu_of(measured())
            phase = run_phase(calls(), rows, settings.clients, settings.duration,
                              settings.max_requests)
            used = cpu_of(measured()) - before
            phase["cpu_ms_per_request"] = round(used * 1000 / max(phase["n"], 1), 2)
            finish(phase)
            phases[kind] = phase
            memory[kind] = memory_of(measured())
            log(f"    {phase['rps']} req/s, p50 {phase['p50_ms']} / p95 {phase['p95_ms']} /"
                f" p99 {phase['p99_ms']} ms, {phase['errors']} errors")
    finally:
        writes = writer.stop() if writer is not None else None
    return {"clients": settings.clients, "warmup": warm, "phases": phases, "memory": memory,
            "writes": writes}


# -- memory and CPU of processes -------------------------------------------------------------


def process_tree(pid: int) -> list[int]:
    """``pid`` and every live descendant of it (found by scanning ``/proc``)."""
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as stat:
                    parents[int(entry)] = int(stat.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
    tree, frontier = [pid], [pid]
    while frontier:
        frontier = [child for child, parent in parents.items() if parent in frontier]
        tree += frontier
    return tree


def status_field_mb(pid: int, key: str) -> float:
    """A ``kB`` field of ``/proc/PID/status`` (``VmRSS``, ``VmHWM``) in MB; 0 if gone."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii", errors="replace") as status:
            for line in status:
                if line.startswith(key + ":"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def pss_mb(pid: int) -> float:
    """Proportional set size (shared pages divided among their sharers) in MB; 0 if gone."""
    try:
        with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as rollup:
            for line in rollup:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def memory_of(pids: list[int]) -> dict[str, Any]:
    """Summed RSS and PSS of the processes, and each one's RSS."""
    each = {str(pid): round(status_field_mb(pid, "VmRSS"), 1) for pid in pids}
    return {"processes": len(pids), "rss_mb": round(sum(each.values()), 1),
            "pss_mb": round(sum(pss_mb(pid) for pid in pids), 1), "rss_each_mb": each}


def cpu_of(pids: list[int]) -> float:
    """User + system CPU seconds the live processes have used (``/proc/PID/stat``)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / ticks  # utime, stime
    return total


# -- the writer ------------------------------------------------------------------------------

Add = Callable[[dict[str, Any]], str | None]  # add one record; None, or what went wrong
Visible = Callable[[str, str], bool]  # (marker, id): does a search of the marker find it?


class Writer:
    """A thread adding one record every ``every`` seconds (on a fixed cadence) and then
    searching its marker until it is found or :data:`VISIBLE_TIMEOUT` passes."""

    def __init__(self, add: Add, visible: Visible, records: list[dict[str, Any]],
                 every: float, how: str) -> None:
        self.add, self.visible, self.every, self.how = add, visible, every, how
        self.records = iter(records)
        self.rows: list[dict[str, Any]] = []
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def start(self) -> None:
        self.thread.start()

    def run(self) -> None:
        started = time.monotonic()
        for number, record in enumerate(self.records, 1):
            if self.stopping.wait(max(0.0, started + number * self.every - time.monotonic())):
                return
            self.rows.append(self.write(record))

    def write(self, record: dict[str, Any]) -> dict[str, Any]:
        fields = {k: v for k, v in record.items() if k != "marker"}
        started = time.perf_counter()
        try:
            error = self.add(fields)
        except (OSError, ValueError) as exc:  # a writer process gone, an answer not JSON
            error = f"{type(exc).__name__}: {exc}"
        written = time.perf_counter()
        row: dict[str, Any] = {"id": record["id"], "write_ms": round((written - started) * 1000, 1),
                               "error": error, "visible_ms": None}
        deadline = time.monotonic() + VISIBLE_TIMEOUT
        while error is None and time.monotonic() < deadline:
            if self.visible(record["marker"], record["id"]):
                row["visible_ms"] = round((time.perf_counter() - written) * 1000, 1)
                break
            time.sleep(VISIBLE_POLL)
        return row

    def stop(self) -> dict[str, Any]:
        """Stop after the write under way; the summary of the writes done."""
        self.stopping.set()
        self.thread.join(timeout=VISIBLE_TIMEOUT + REQUEST_TIMEOUT)
        return write_summary(self.rows, self.how, self.every)


def write_summary(rows: list[dict[str, Any]], how: str, every: float) -> dict[str, Any]:
    def p(key: str, share: float) -> float | None:
        values = [r[key] for r in rows if r[key] is not None]
        return round(speed.percentile(values, share), 1) if values else None

    return {"how": how, "every_s": every, "done": len(rows),
            "failed": sum(1 for r in rows if r["error"]),
            "never_visible": sum(1 for r in rows if r["error"] is None and r["visible_ms"] is None),
            "write_p50_ms": p("write_ms", 0.5), "write_p95_ms": p("write_ms", 0.95),
            "write_max_ms": max((r["write_ms"] for r in rows), default=None),
            "visible_p50_ms": p("visible_ms", 0.5), "visible_p95_ms": p("visible_ms", 0.95),
            "visible_max_ms": max((r["visible_ms"] or 0 for r in rows), default=None),
            "errors": sorted({r["error"] for r in rows if r["error"]})[:5], "rows": rows}


def article_from(record: dict[str, Any]) -> Any:
    """The :class:`kzsearch.Article` of a generated record."""
    from kzsearch import Article

    return Article(id=record["id"], title=record["title"], body=record["body"],
                   rubric=record["rubric"], published=dt.date.fromisoformat(record["published"]),
                   views=int(record["views"]), read_minutes=int(record["read_minutes"]),
                   lang=record.get("lang", "kk"))


def writer_worker(index_path: Path) -> None:
    """``serve.py writer INDEX``: one record of JSON per stdin line, each added with its
    own ``Index.add_many`` commit; one JSON line back per record."""
    from kzsearch import Index

    index = Index.open(index_path)
    for line in sys.stdin:
        try:
            index.add_many([article_from(json.loads(line))])
            answer: dict[str, Any] = {"ok": True}
        except Exception as exc:  # noqa: BLE001 - reported to the parent, which goes on
            answer = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
        sys.stdout.write(json.dumps(answer) + "\n")
        sys.stdout.flush()


class WriterProcess:
    """The writer subprocess seen from its parent: :meth:`add` sends a record and waits
    (bounded) for its commit."""

    def __init__(self, index_path: Path) -> None:
        self.process = subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve()), "writer", str(index_path)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
            env=speed.worker_env(None))

    def add(self, record: dict[str, Any]) -> str | None:
        stdin, stdout = self.process.stdin, self.process.stdout
        assert stdin is not None and stdout is not None
        stdin.write(json.dumps(record, ensure_ascii=False) + "\n")
        stdin.flush()
        readable, _, _ = select.select([stdout], [], [], REQUEST_TIMEOUT)
        answer = json.loads(stdout.readline() or "{}") if readable else {}
        return None if answer.get("ok") else answer.get("error", "writer gave no answer")

    def stop(self) -> None:
        if self.process.stdin is not None:
            self.process.stdin.close()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        if self.process.stdout is not None:
            self.process.stdout.close()


# -- the library setups (a subprocess: ``serve.py library PLAN``) ----------------------------


def answer_of(results: Any) -> Any:
    """What the server makes of a page of results before encoding it as JSON
    (``kzsearch.search.answers.results_dict``: the hits with their highlights cut), or the
    highlights alone in a checkout without that module."""
    try:
        from kzsearch.search.answers import results_dict
    except ImportError:
        return [(hit.highlights["title"].html, hit.highlights["body"].html)
                for hit in results.hits]
    return results_dict(results)


def library_call(index: Any, request: Request, cutting: list[float]) -> int:
    """The request as a library call, its output used as the server uses it (made into the
    server's answer, :func:`answer_of`, whose seconds are added to ``cutting``): 200, or
    500 if it raised."""
    params = dict(request.params)
    try:
        if request.kind == "complete":
            index.complete(params["q"])
            return 200
        if request.kind == "article":
            return 200 if index.get(request.article_id) is not None else 404
        if request.kind == "similar":
            results = index.similar(request.article_id)
        else:
            results = index.search(params["q"], rubric=params.get("rubric"),
                                   since=params.get("since"), until=params.get("until"),
                                   sort=params.get("sort", "relevance"))
        started = time.thread_time()  # CPU time: wall time would count the GIL waits
        answer_of(results)
        cutting.append(time.thread_time() - started)
        return 200
    except Exception:  # noqa: BLE001 - counted as an error of the phase
        return 500


def refresher(index: Any, stopping: threading.Event) -> threading.Thread:
    """A thread loading new commits every :data:`REFRESH_INTERVAL` s, as the server does."""
    def loop() -> None:
        while not stopping.wait(REFRESH_INTERVAL):
            index.refresh()

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    return thread


def library_worker(plan_path: Path) -> dict[str, Any]:
    """One library setup from its plan (index, requests, settings, records to write)."""
    from kzsearch import Index

    plan = json.loads(plan_path.read_text(encoding="utf-8"))
    settings = Settings(**plan["settings"])
    index = Index.open(plan["index"])
    stopping = threading.Event()
    refresher(index, stopping)
    writer_process, writer = None, None
    if settings.write_every:
        writer_process = WriterProcess(Path(plan["index"]))

        def visible(marker: str, doc_id: str) -> bool:
            return any(hit.id == doc_id for hit in index.search(marker).hits)

        writer = Writer(writer_process.add, visible, plan["records"], settings.write_every,
                        "a separate process's add_many")
    cutting: list[float] = []  # seconds each search of the phase spent making its answer

    def cut(phase: dict[str, Any]) -> None:
        phase["highlights_ms_mean"] = round(sum(cutting) * 1000 / max(phase["n"], 1), 2)
        cutting.clear()

    try:
        result = run_setup(plan["name"],
                           lambda: lambda _, request: library_call(index, request, cutting),
                           load_requests(plan["requests"]), settings, writer,
                           lambda: [os.getpid()], cut)
    finally:
        stopping.set()
        if writer_process is not None:
            writer_process.stop()
    result["peak_rss_mb"] = round(status_field_mb(os.getpid(), "VmHWM"), 1)
    return result


def run_library(name: str, work: Path, requests: dict[str, list[Request]], settings: Settings,
                records: list[dict[str, Any]]) -> dict[str, Any]:
    """A library setup in a fresh interpreter (its memory is its own); its JSON result."""
    plan = work.parent / f"{work.name}-plan.json"
    plan.write_text(json.dumps({"name": name, "index": str(work), "settings": asdict(settings),
                                "requests": save_requests(requests), "records": records},
                               ensure_ascii=False), encoding="utf-8")
    bound = setup_seconds(settings, len(requests)) * 3 + 600
    done = subprocess.run([sys.executable, str(Path(__file__).resolve()), "library", str(plan)],
                          stdout=subprocess.PIPE, text=True, env=speed.worker_env(None),
                          timeout=bound)
    plan.unlink()
    if done.returncode != 0:
        return {"error": f"library setup exited {done.returncode}"}
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


# -- the server setups -----------------------------------------------------------------------


class HttpClient:
    """One keep-alive connection to the server (``http.client``), opened again after an
    error; :meth:`send` answers the status (0 when the connection failed)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.connection: http.client.HTTPConnection | None = None

    def send(self, method: str, url: str, body: bytes | None = None,
             headers: dict[str, str] | None = None) -> tuple[int, bytes]:
        try:
            if self.connection is None:
                self.connection = http.client.HTTPConnection(HOST, self.port,
                                                             timeout=REQUEST_TIMEOUT)
            self.connection.request(method, url, body=body, headers=headers or {})
            response = self.connection.getresponse()
            return response.status, response.read()
        except (OSError, http.client.HTTPException):
            self.close()
            return 0, b""

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None


def http_calls(port: int, clients: int) -> Callable[[], Call]:
    """Each phase's call: ``clients`` new connections, one per client thread (the last
    phase's are closed)."""
    opened: list[HttpClient] = []

    def calls() -> Call:
        for client in opened:
            client.close()
        opened[:] = [HttpClient(port) for _ in range(clients)]
        return lambda number, request: opened[number].send("GET", request.url())[0]

    return calls


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def start_server(index: Path, workers: int, port: int, key: str, log_path: Path
                 ) -> subprocess.Popen[bytes]:
    """``kzsearch serve`` in a session of its own, its output to ``log_path``; the API key
    in the environment (not on the command line)."""
    env = {**speed.worker_env(None), "KZSEARCH_API_KEY": key}
    with log_path.open("wb") as output:
        return subprocess.Popen(
            [sys.executable, "-m", "kzsearch", "serve", "--index", str(index), "--host", HOST,
             "--port", str(port), "--workers", str(workers)],
            stdout=output, stderr=subprocess.STDOUT, env=env, start_new_session=True)


def wait_ready(process: subprocess.Popen[bytes], port: int, workers: int, log_path: Path
               ) -> float:
    """Seconds until ``/health`` answers 200 and every worker has logged its start-up
    (:data:`STARTUP_LINE`, at most 10 s more; :data:`QUIET_WORKERS_S` if the server logs
    none), so that the clients' connections spread over all the workers. Raises
    RuntimeError if the server exits or never answers."""
    started = time.monotonic()
    client = HttpClient(port)
    while client.send("GET", "/health")[0] != 200:
        if process.poll() is not None or time.monotonic() - started > READY_TIMEOUT:
            tail = log_path.read_text(errors="replace").strip().splitlines()[-5:]
            raise RuntimeError("kzsearch serve did not start: " + " | ".join(tail))
        time.sleep(0.1)
    client.close()
    healthy = time.monotonic()
    if workers > 1 and STARTUP_LINE not in log_path.read_text(errors="replace"):
        time.sleep(QUIET_WORKERS_S)  # it does not log start-ups: give the others time
    while (log_path.read_text(errors="replace").count(STARTUP_LINE) in range(1, workers)
           and time.monotonic() - healthy < 10.0):
        time.sleep(0.1)
    return round(time.monotonic() - started, 2)


def stop_server(process: subprocess.Popen[bytes]) -> None:
    """SIGINT (uvicorn's graceful stop), then SIGKILL to its session if it lingers."""
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def http_writer(port: int, key: str) -> tuple[Add, Visible]:
    """``POST /articles`` with the API key, and ``GET /search`` of the marker."""
    writing, looking = HttpClient(port), HttpClient(port)
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}

    def add(record: dict[str, Any]) -> str | None:
        status, body = writing.send("POST", "/articles",
                                    json.dumps(record, ensure_ascii=False).encode(), headers)
        if status != 200:
            return f"HTTP {status}: {body[:200].decode(errors='replace')}"
        return None if json.loads(body).get("added", 0) >= 1 else f"not added: {body[:200]!r}"

    return add, lambda marker, doc_id: marker_found(looking, marker, doc_id)


def marker_found(client: HttpClient, marker: str, doc_id: str) -> bool:
    status, body = client.send("GET", "/search?" + urlencode({"q": marker}))
    try:
        return status == 200 and any(hit["id"] == doc_id for hit in json.loads(body)["hits"])
    except (ValueError, KeyError, TypeError):
        return False


def accepts_writes(port: int, key: str) -> bool:
    """Whether the server has ``POST /articles`` (an empty array posted: no 404 or 405)."""
    status, _ = HttpClient(port).send("POST", "/articles", b"[]", {
        "Authorization": f"Bearer {key}", "Content-Type": "application/json"})
    return status not in (404, 405)


def run_server(name: str, work: Path, workers: int, requests: dict[str, list[Request]],
               settings: Settings, records: list[dict[str, Any]], how: str) -> dict[str, Any]:
    """One ``kzsearch serve --workers N`` setup on the index at ``work``."""
    port, key = free_port(), secrets.token_hex(16)
    log_path = work.parent / f"{work.name}-server.log"
    log(f"[{name}] starting kzsearch serve --workers {workers} on port {port} ...")
    process = start_server(work, workers, port, key, log_path)
    side_writer: WriterProcess | None = None
    try:
        ready_s = wait_ready(process, port, workers, log_path)
        writer = None
        if settings.write_every:
            through_http = how == "http" and accepts_writes(port, key)
            if how == "http" and not through_http:
                log(f"[{name}] the server has no POST /articles: a separate process writes")
            add, visible = http_writer(port, key)
            done_by = "POST /articles"
            if not through_http:
                side_writer = WriterProcess(work)
                add = side_writer.add
                done_by = "a separate process's add_many" + (
                    "" if how == "process" else " (the server has no POST /articles)")
            writer = Writer(add, visible, records, settings.write_every, done_by)
        result = run_setup(name, http_calls(port, settings.clients), requests, settings,
                           writer, lambda: process_tree(process.pid))
        result.update(workers=workers, ready_s=ready_s)
        return result
    finally:
        if side_writer is not None:
            side_writer.stop()
        stop_server(process)


# -- the run ---------------------------------------------------------------------------------


def setup_seconds(settings: Settings, classes: int) -> float:
    return settings.warmup + classes * settings.duration


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Every setup; the report's data."""
    data = corpus_mod.data_dir(args.data)
    if not (data / "text" / "kaznerd").is_dir():
        sys.exit(f"no shared data at {data}; pass --data DIR or set {corpus_mod.DATA_ENV}")
    clock, started = time.perf_counter(), dt.datetime.now().isoformat(timespec="seconds")
    pristine, corpus, source = prepare(args, data)
    requests = make_requests(corpus, data, args.queries, args.seed)
    settings = Settings(args.clients, args.duration, args.warmup, args.max_requests,
                        None if args.no_writer else args.write_every)
    writes = int(setup_seconds(settings, len(requests)) / (args.write_every or 1)) + 5
    records = new_records(writes, args.seed, data) if settings.write_every else []
    threads = () if args.no_library else (1, args.clients) if args.clients > 1 else (1,)
    setups = [(f"library, {n} thread{'s' * (n > 1)}", n, None) for n in threads]
    setups += [(f"HTTP, {w} worker{'s' * (w > 1)}", args.clients, w)
               for w in (() if args.no_server else args.workers)]
    log(f"{len(setups)} setups of {setup_seconds(settings, len(requests)):.0f} s each"
        f" at most, {len(requests)} classes; load {load_text()}")
    work = args.out / f"serve-work-{os.getpid()}"
    results: dict[str, Any] = {}
    docs = None
    try:
        for name, clients, workers in setups:
            fresh_copy(pristine, work)
            docs = docs or documents(work)
            setup = Settings(clients, settings.duration, settings.warmup,
                             settings.max_requests, settings.write_every)
            try:
                results[name] = (run_library(name, work, requests, setup, records)
                                 if workers is None else
                                 run_server(name, work, workers, requests, setup, records,
                                            args.writer))
            except (RuntimeError, OSError, subprocess.TimeoutExpired) as exc:
                results[name] = {"error": f"{type(exc).__name__}: {exc}"}  # the others go on
            if "error" in results[name]:
                log(f"[{name}] failed: {results[name]['error']}")
    finally:
        shutil.rmtree(work, ignore_errors=True)
        for leftover in args.out.glob(f"{work.name}-*"):  # server logs, plans
            leftover.unlink()
    return {
        "name": args.name, "started": started, "machine": report_mod.machine(),
        "command": "python benchmarks/serve.py " + " ".join(args.argv),
        "index": {**source, "path": str(pristine), "documents": docs,
                  "mb": round(speed.dir_size(pristine) / 1e6, 1)},
        "corpus": str(corpus), "settings": asdict(settings), "queries_per_class": args.queries,
        "requests": {kind: len(rows) for kind, rows in requests.items()},
        "setups": results, "load_average": [round(x, 2) for x in os.getloadavg()],
        "seconds": round(time.perf_counter() - clock, 1),
    }


def documents(index_path: Path) -> int:
    from kzsearch import Index

    with Index.open(index_path) as index:
        return len(index)


# -- the report ------------------------------------------------------------------------------


def cell(phase: dict[str, Any] | None) -> str:
    if not phase:
        return ""
    errors = f", **{phase['errors']} errors**" if phase["errors"] else ""
    return (f"{phase['rps']:.0f} · {phase['p50_ms']:.1f} / {phase['p95_ms']:.1f} /"
            f" {phase['p99_ms']:.1f}{errors}")


def latency_lines(result: dict[str, Any]) -> list[str]:
    """Requests/s and p50/p95/p99 per class and setup, and what HTTP adds: to the CPU time
    per request (what a busy machine's latency hides) and to the p50."""
    setups = {k: v for k, v in result["setups"].items() if "phases" in v}
    library = next((v for k, v in setups.items() if k.startswith("library") and
                    v["clients"] == result["settings"]["clients"]), None)
    server = next((v for v in setups.values() if v.get("workers") == 1), None)
    overhead = library is not None and server is not None
    lines = ["| class | " + " | ".join(setups) + (" | HTTP adds (1 worker vs"
                                                  f" {result['settings']['clients']} threads):"
                                                  " CPU ms / request · p50 ms"
                                                  if overhead else "") + " |",
             "|---|" + "---:|" * (len(setups) + overhead)]
    for kind in result["requests"]:
        row = [cell(s["phases"].get(kind)) for s in setups.values()]
        if overhead:
            a, b = server["phases"].get(kind), library["phases"].get(kind)  # type: ignore[index]
            row.append(f"{a['cpu_ms_per_request'] - b['cpu_ms_per_request']:+.2f} ·"
                       f" {a['p50_ms'] - b['p50_ms']:+.1f}" if a and b else "")
        lines.append(f"| {CLASS_NAMES.get(kind, kind)} | " + " | ".join(row) + " |")
    return lines


def detail_lines(result: dict[str, Any]) -> list[str]:
    """Per setup and phase: requests, errors, load, CPU per request, client CPU."""
    lines = ["| setup | class | requests | s | errors | load at start | CPU ms / request"
             " (measured processes) | of which making the answer (highlights), CPU ms |"
             " client CPU s |",
             "|---|---|---:|---:|---:|---|---:|---:|---:|"]
    for name, setup in result["setups"].items():
        if "phases" not in setup:
            lines.append(f"| {name} | {setup.get('error', '?')} ||||||||")
            continue
        for kind, p in setup["phases"].items():
            client = f"{p['client_cpu_s']:.1f}" if name.startswith("HTTP") else "(same)"
            lines.append(f"| {name} | {CLASS_NAMES.get(kind, kind)} | {p['n']} | {p['seconds']}"
                         f" | {p['errors']} | {', '.join(map(str, p['load']))} |"
                         f" {p['cpu_ms_per_request']} | {p.get('highlights_ms_mean', '')} |"
                         f" {client} |")
    return lines


def write_lines(result: dict[str, Any]) -> list[str]:
    lines = ["| setup | writer | writes | failed | write p50 / p95 / max ms | visible after"
             " p50 / p95 / max ms | never visible |", "|---|---|---:|---:|---:|---:|---:|"]
    for name, setup in result["setups"].items():
        w = setup.get("writes")
        if w:
            lines.append(f"| {name} | {w['how']}, every {w['every_s']:g} s | {w['done']} |"
                         f" {w['failed']} | {w['write_p50_ms']} / {w['write_p95_ms']} /"
                         f" {w['write_max_ms']} | {w['visible_p50_ms']} / {w['visible_p95_ms']}"
                         f" / {w['visible_max_ms']} | {w['never_visible']} |")
    return lines


def memory_lines(result: dict[str, Any]) -> list[str]:
    lines = ["| setup | processes | RSS MB after warm-up | RSS MB, most after a phase (each"
             " process) | PSS MB after warm-up / most | ready s |",
             "|---|---:|---:|---:|---:|---:|"]
    for name, setup in result["setups"].items():
        memory = setup.get("memory")
        if not memory:
            continue
        warm = memory["after warm-up"]
        phases = [v for k, v in memory.items() if k != "after warm-up"] or [warm]
        most = max(phases, key=lambda m: m["rss_mb"])
        each = most["rss_each_mb"].values()
        lines.append(f"| {name} | {most['processes']} | {warm['rss_mb']:.0f} |"
                     f" {most['rss_mb']:.0f} ({' + '.join(f'{v:.0f}' for v in each)}) |"
                     f" {warm['pss_mb']:.0f} /"
                     f" {max(m['pss_mb'] for m in phases):.0f} | {setup.get('ready_s', '')} |")
    return lines


def warm_text(result: dict[str, Any]) -> str:
    """How long each setup's warm-up took, and which were cut short by ``--warmup``."""
    parts = [f"{name}: {setup['warmup']['seconds']:.0f} s"
             + ("" if setup["warmup"].get("complete") else ", cut short")
             for name, setup in result["setups"].items() if "warmup" in setup]
    return f"at most {result['settings']['warmup']:g} s; " + ", ".join(parts)


def markdown(result: dict[str, Any]) -> str:
    m, ix, s = result["machine"], result["index"], result["settings"]
    lines = [
        f"# kzsearch serve under load ({result['name']})", "",
        f"Machine: {m['nproc']} cores, {m['cpu']}, {m['ram_gb']} GB RAM; Python {m['python']};"
        f" Whoosh {m['whoosh']}; kzsearch {m['kzsearch']}. Run {result['started']} in"
        f" {result['seconds']:.0f} s; load average at the end {result['load_average']}.", "",
        f"Command: `{result['command']}`", "",
        f"Index: {ix['documents']:,} articles, {ix['mb']} MB ({ix['source']};"
        f" {'reused' if ix.get('cached') else 'built in this run'}); each setup on a fresh copy.",
        f"{s['clients']} clients (threads, keep-alive `http.client` connections on 127.0.0.1);"
        f" each class {s['duration']:g} s or {s['max_requests']:,} requests, after a"
        f" warm-up (not counted) in which each client sends every request once"
        f" ({warm_text(result)}). Requests per class: "
        + ", ".join(f"{CLASS_NAMES.get(k, k)} {n}" for k, n in result["requests"].items())
        + " (repeated round and round).", "",
        "Each cell: requests/s · latency p50 / p95 / p99 ms.", "",
    ]
    lines += latency_lines(result)
    lines += ["", "Writes (one article every few seconds through every phase; *visible after*:"
              " from the write's answer to the first search of its marker word that finds it):",
              ""] + write_lines(result)
    lines += ["", "Memory: the server process and its workers together (RSS counts the index"
              " pages each maps; PSS shares them out):", ""] + memory_lines(result)
    lines += ["", "Phases:", ""] + detail_lines(result)
    return "\n".join(lines) + "\n"


# -- command line ----------------------------------------------------------------------------


def index_name(path: Path) -> str:
    """A report name for an index folder (its parent's name for a folder called index,
    as ``live.py``'s cache and this one's hold them)."""
    path = path.resolve()
    return path.parent.name if path.name == "index" else path.name


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    source = parser.add_argument_group("the index (default: a generated corpus of --size)")
    source.add_argument("--index", type=Path, help="an existing index (copied, never written)")
    source.add_argument("--corpus", type=Path, help="a JSONL corpus: the index built from it"
                        " (with --index: only where the requests are drawn from)")
    source.add_argument("--size", type=int, help="articles to generate (default 100000;"
                        " quick 1000)")
    source.add_argument("--vocabulary", type=int, help="rare word types of the generated"
                        " corpus (default corpus.py's realistic one)")
    source.add_argument("--seed", type=int, default=1)
    source.add_argument("--rebuild", action="store_true", help="build even if cached")
    parser.add_argument("--quick", action="store_true", help="1k articles, 0.8 s phases")
    parser.add_argument("--clients", type=int, default=4, help="concurrent clients (default 4)")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2],
                        help="server worker counts, one setup each (default 1 2)")
    parser.add_argument("--duration", type=float, help="seconds per class (default 5;"
                        " quick 0.8)")
    parser.add_argument("--warmup", type=float, help="warm-up seconds at most (default 40;"
                        " quick 1)")
    parser.add_argument("--max-requests", type=int, default=20_000,
                        help="requests per class at most (default 20000)")
    parser.add_argument("--queries", type=int, help="requests per class (default 100; quick 20)")
    parser.add_argument("--write-every", type=float, help="seconds between writes (default 3;"
                        " quick 1)")
    parser.add_argument("--writer", choices=("http", "process"), default="http",
                        help="how the server setups write: POST /articles (default) or a"
                        " separate process's Index.add_many")
    parser.add_argument("--no-writer", action="store_true", help="no writes")
    parser.add_argument("--no-library", action="store_true", help="no in-process setups")
    parser.add_argument("--no-server", action="store_true", help="no server setups")
    parser.add_argument("--data", help="shared data folder (default ../shared/data)")
    parser.add_argument("--out", type=Path, default=RESULTS, help="results folder")
    parser.add_argument("--name", help="report name (default quick, or the size)")
    args = parser.parse_args(argv)
    quick = args.quick
    args.size = args.size or (QUICK_SIZE if quick else DEFAULT_SIZE)
    args.duration = args.duration or (0.8 if quick else 5.0)
    args.warmup = args.warmup if args.warmup is not None else (1.0 if quick else 40.0)
    args.queries = args.queries or (20 if quick else 100)
    args.write_every = args.write_every or (1.0 if quick else 3.0)
    if args.index and not args.index.is_dir():
        parser.error(f"--index {args.index}: no such folder")
    if min(args.clients, args.queries, args.max_requests, *args.workers) < 1 \
            or args.duration <= 0 or args.warmup < 0:
        parser.error("--clients, --workers, --queries, --max-requests must be at least 1,"
                     " --duration above 0")
    args.name = args.name or ("quick" if quick else index_name(args.index) if args.index
                              else args.corpus.stem if args.corpus else label(args.size))
    args.argv = argv
    return args


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["library"]:
        print(json.dumps(library_worker(Path(argv[1]))))
        return 0
    if argv[:1] == ["writer"]:
        writer_worker(Path(argv[1]))
        return 0
    args = parse_args(argv)
    result = run(args)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / f"serve-{args.name}.json").write_text(
        json.dumps(result, indent=1, ensure_ascii=False), encoding="utf-8")
    text = markdown(result)
    (args.out / f"serve-{args.name}.md").write_text(text, encoding="utf-8")
    print(text)
    log(f"written {args.out / f'serve-{args.name}.md'} and .json")
    return 0


if __name__ == "__main__":
    sys.exit(main())
