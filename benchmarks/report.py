"""Turn measurements into the Markdown report: tables, ratios against kzsearch, targets.

Targets are reported as PASS/MISS, never asserted: a benchmark that fails a
build hides the figures people need to decide what to fix.
"""

from __future__ import annotations

import os
import platform
import sqlite3
import subprocess
import sys
from importlib import metadata
from pathlib import Path
from typing import Any

CLASS_NAMES = {
    "term": "1–3 terms",
    "question": "question",
    "phrase": "phrase",
    "rubric": "term + rubric",
    "date": "term + dates, date sort",
    "latin": "Latin script",
}
PEERS = ("whoosh", "whoosh-stem", "sqlite", "tantivy")
TERM_P95_MS = 50.0
COMPLETION_P95_MS = 5.0  # issue 17
FILTERED_P95_MS = 100.0
BUILD_VS_WHOOSH = 3.0  # issue 15: procs=1 builds >= 3x stock Whoosh's docs/s
BUILD_PEAK_RSS_MB = 500.0  # issue 15: peak RSS of a build, whatever the input size
PROCS2_SPEEDUP = 1.7
NOT_SLOWER = 1.05  # "no class slower than today": cold p95 at most 5 % over (noise)


# -- machine ---------------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    """What the figures depend on: cores, CPU, memory, Python and engine versions."""
    return {
        "nproc": os.cpu_count(),
        "cpu": _proc_field("/proc/cpuinfo", "model name") or platform.processor(),
        "ram_gb": round(
            int((_proc_field("/proc/meminfo", "MemTotal") or "0 kB").split()[0]) / 1024**2, 1
        ),
        "python": sys.version.split()[0],
        "os": platform.platform(),
        "whoosh": _version("whoosh"),
        "tantivy": _version("tantivy"),
        "sqlite": sqlite3.sqlite_version,
        "kzsearch": _commit(),
    }


def trees(root: Path, compare: dict[str, Path | None]) -> dict[str, dict[str, str]]:
    """Path and commit of this checkout ("this") and of each ``--compare`` one, by name."""
    named = {"this": root, **{k: v for k, v in compare.items() if v is not None}}
    return {name: {"path": str(path), "commit": _commit(path)} for name, path in named.items()}


def _commit(root: Path | None = None) -> str:
    """The measured kzsearch commit (``+dirty`` when the package has uncommitted changes)."""
    # a benchmark run under another checkout's package (KZSEARCH_BENCH_TREE) measures that
    root = root or Path(os.environ.get("KZSEARCH_BENCH_TREE") or Path(__file__).parents[1])
    try:
        head = _git(root, "rev-parse", "--short", "HEAD")
        dirty = _git(root, "status", "--porcelain", "kzsearch")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return head + ("+dirty" if dirty else "")


def _git(root: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=True)
    return done.stdout.strip()


def _proc_field(path: str, key: str) -> str | None:
    try:
        with open(path, encoding="utf-8") as lines:
            for line in lines:
                if line.startswith(key):
                    return line.split(":", 1)[1].strip()
    except OSError:
        return None
    return None


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


# -- ratios ----------------------------------------------------------------------------------


def faster_or_slower(ours: float, theirs: float, higher_is_better: bool) -> str:
    """``1.8× faster`` / ``2.3× slower`` from kzsearch's point of view."""
    if not ours or not theirs:
        return "n/a"
    ratio = ours / theirs if higher_is_better else theirs / ours
    if 0.95 <= ratio <= 1.05:
        return "on par"
    return f"{ratio:.2f}× faster" if ratio > 1 else f"{1 / ratio:.2f}× slower"


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


# -- tables ----------------------------------------------------------------------------------


def build_table(builds: dict[str, Any]) -> list[str]:
    base = builds.get("kzsearch", {}).get("docs_per_s")
    lines = [
        "| engine | docs | build s | docs/s | kzsearch (procs=1) vs it | index MB | peak RSS MB"
        " (main / workers) |",
        "|---|---:|---:|---:|---|---:|---|",
    ]
    for label, row in builds.items():
        if "skipped" in row or "error" in row:
            lines.append(f"| {label} | {row.get('skipped') or row.get('error')} ||||||")
            continue
        versus = "—" if label == "kzsearch" else faster_or_slower(base, row["docs_per_s"], True)
        children = row.get("workers_peak_rss_mb", 0.0)
        workers = f" / {children:.0f}" if row["procs"] > 1 or children else ""
        lines.append(
            f"| {label} | {row['docs']} | {row['seconds']:.1f} | {row['docs_per_s']:.0f} |"
            f" {versus} | {row['size_bytes'] / 1e6:.1f} | {row['peak_rss_mb']:.0f}{workers} |"
        )
    return lines


def latency_table(searches: dict[str, Any]) -> list[str]:
    lines = [
        "| class | engine | p50 ms | p95 ms | p99 ms | q/s | cold p50 / p95 ms | hits | kzsearch"
        " p95 vs it |",
        "|---|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    ours = searches.get("kzsearch", {}).get("classes", {})
    for kind, name in CLASS_NAMES.items():
        for engine, result in searches.items():
            row = result.get("classes", {}).get(kind)
            if not row:
                continue
            mine = ours.get(kind, {}).get("p95_ms")
            versus = "—" if engine == "kzsearch" else faster_or_slower(mine, row["p95_ms"], False)
            if engine != "kzsearch" and not row["mean_hits"]:
                versus = "n/a: it finds nothing"
            lines.append(
                f"| {name} | {engine} | {row['p50_ms']:.1f} | {row['p95_ms']:.1f} |"
                f" {row['p99_ms']:.1f} | {row['qps']:.0f} |"
                f" {row['cold_p50_ms']:.1f} / {row['cold_p95_ms']:.1f} |"
                f" {row['mean_hits']:.1f} | {versus} |"
            )
    return lines


def open_table(searches: dict[str, Any]) -> list[str]:
    lines = [
        "| engine | open s | first query s | query-process peak RSS MB |",
        "|---|---:|---:|---:|",
    ]
    for engine, result in searches.items():
        if "open_s" in result:
            lines.append(
                f"| {engine} | {result['open_s']:.2f} | {result['first_query_s']:.2f} |"
                f" {result['peak_rss_mb']:.0f} |"
            )
        else:
            lines.append(f"| {engine} | {result.get('skipped') or result.get('error')} | | |")
    return lines


def similar_lines(searches: dict[str, Any]) -> list[str]:
    """``Index.similar``'s latency (``benchmarks/similar_speed.py``), if it was measured."""
    figures = searches.get("kzsearch", {}).get("similar")
    if not figures:
        return []
    if "error" in figures:
        return ["", "### Related articles (`Index.similar`)", "", figures["error"]]
    return [
        "", "### Related articles (`Index.similar`)", "",
        f"10 related articles for each of {figures['n']} fixed articles of the corpus"
        " (`benchmarks/similar_speed.py`): warm p50 / p95"
        f" **{figures['p50_ms']:.1f} / {figures['p95_ms']:.1f} ms**, cold (first pass)"
        f" {figures['cold_p50_ms']:.1f} / {figures['cold_p95_ms']:.1f} ms;"
        f" {figures['mean_hits']} hits on average.",
    ]


def targets(size: dict[str, Any]) -> list[dict[str, Any]]:
    """The issues' targets, evaluated on one corpus size (they are set for 100k articles).

    Build targets are issue 15's (procs=1 at least 3x stock Whoosh's docs/s, peak RSS at
    most 500 MB); with ``--compare`` trees, also "no class slower than that tree" on the
    cold p95 of each query class (within ``NOT_SLOWER``, for noise)."""
    builds, searches = size["builds"], size["queries"]
    classes = searches.get("kzsearch", {}).get("classes", {})
    rows = []
    for name, kind, limit in (("term-query p95", "term", TERM_P95_MS),
                              ("filtered + date-sorted p95", "date", FILTERED_P95_MS)):
        p95 = classes.get(kind, {}).get("p95_ms")
        if p95 is not None:
            rows.append((name, f"{p95:.1f} ms", f"≤ {limit:.0f} ms", p95 <= limit))
    completion = size.get("completion") or {}
    if "p95_ms" in completion:
        p95 = completion["p95_ms"]
        rows.append(("completion p95", f"{p95:.2f} ms", f"≤ {COMPLETION_P95_MS:.0f} ms",
                     p95 <= COMPLETION_P95_MS))
    for name, measured, baseline, goal in (
        ("build procs=1 vs stock Whoosh, docs/s", "kzsearch", "whoosh", BUILD_VS_WHOOSH),
        ("build procs=1 vs Whoosh StemmingAnalyzer, docs/s", "kzsearch", "whoosh-stem",
         BUILD_VS_WHOOSH),
        ("build procs=2 vs procs=1, docs/s", "kzsearch procs=2", "kzsearch", PROCS2_SPEEDUP),
    ):
        ours = builds.get(measured, {}).get("docs_per_s")
        theirs = builds.get(baseline, {}).get("docs_per_s")
        if ours and theirs:
            rows.append((name, f"{ours / theirs:.2f}×", f"≥ {goal}×", ours / theirs >= goal))
    for label, what in (("kzsearch", "procs=1"), ("kzsearch procs=2", "procs=2")):
        peak = build_peak_mb(builds.get(label, {}))
        if peak is not None:
            rows.append((f"build peak RSS (largest process), {what}", f"{peak:.0f} MB",
                         f"≤ {BUILD_PEAK_RSS_MB:.0f} MB", peak <= BUILD_PEAK_RSS_MB))
    for tree in compared_trees(size):
        slower = slower_classes(searches, tree)
        if slower is not None:
            rows.append((f"cold p95 per class vs {tree}", ", ".join(slower) or "none slower",
                         f"none over {NOT_SLOWER}×", not slower))
    return [{"target": t, "value": v, "goal": g, "verdict": verdict(ok)} for t, v, g, ok in rows]


def build_peak_mb(row: dict[str, Any]) -> float | None:
    """A build's peak RSS: its largest process's (the worker's, or a child's such as the
    ``procs=2`` sub-writers; ``getrusage`` gives the largest child, not their sum)."""
    if "peak_rss_mb" not in row:
        return None
    return float(max(row["peak_rss_mb"], row.get("workers_peak_rss_mb", 0.0)))


def compared_trees(size: dict[str, Any]) -> list[str]:
    """Names of the ``--compare`` trees measured at this size, in run order."""
    names = [row.get("tree") for row in size["builds"].values()]
    return list(dict.fromkeys(n for n in names if n and n != "this"))


def slower_classes(searches: dict[str, Any], tree: str) -> list[str] | None:
    """Classes whose cold p95 here is over ``NOT_SLOWER`` times ``tree``'s ("phrase 1.30×");
    None when either side has no figures."""
    ours = searches.get("kzsearch", {}).get("classes", {})
    theirs = searches.get(f"kzsearch [{tree}]", {}).get("classes", {})
    if not ours or not theirs:
        return None
    slower = []
    for kind, name in CLASS_NAMES.items():
        if kind in ours and kind in theirs and theirs[kind]["cold_p95_ms"]:
            ratio = ours[kind]["cold_p95_ms"] / theirs[kind]["cold_p95_ms"]
            if ratio > NOT_SLOWER:
                slower.append(f"{name} {ratio:.2f}×")
    return slower


def beside_tables(size: dict[str, Any], tree: str) -> list[str]:
    """This checkout beside ``tree``: builds (docs/s, peak RSS, size), opening, cold and
    warm latency per class; ratios are this / ``tree`` (below 1 is faster or smaller)."""
    builds, searches = size["builds"], size["queries"]
    lines = [
        f"| build | docs/s this / {tree} | ratio | peak RSS MB this / {tree} |"
        f" index MB this / {tree} |",
        "|---|---:|---:|---:|---:|",
    ]
    for label in ("kzsearch", "kzsearch procs=2"):
        ours, theirs = builds.get(label, {}), builds.get(f"{label} [{tree}]", {})
        if "docs_per_s" not in ours or "docs_per_s" not in theirs:
            continue
        lines.append(
            f"| {label} | {ours['docs_per_s']:.0f} / {theirs['docs_per_s']:.0f} |"
            f" {ours['docs_per_s'] / theirs['docs_per_s']:.2f}× |"
            f" {build_peak_mb(ours):.0f} / {build_peak_mb(theirs):.0f} |"
            f" {ours['size_bytes'] / 1e6:.1f} / {theirs['size_bytes'] / 1e6:.1f} |"
        )
    ours, theirs = searches.get("kzsearch", {}), searches.get(f"kzsearch [{tree}]", {})
    if "classes" not in ours or "classes" not in theirs:
        return lines
    lines += [
        "",
        f"Opening, this / {tree}: open {ours['open_s']:.2f} / {theirs['open_s']:.2f} s,"
        f" first query {ours['first_query_s']:.2f} / {theirs['first_query_s']:.2f} s;"
        f" query-process peak RSS {ours['peak_rss_mb']:.0f} / {theirs['peak_rss_mb']:.0f} MB.",
        "",
        f"| class | cold p50 / p95 ms, this | cold p50 / p95 ms, {tree} | cold p95 ratio |"
        f" warm p50 / p95 ms, this | warm p50 / p95 ms, {tree} | not slower (≤ {NOT_SLOWER}×) |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    for kind, name in CLASS_NAMES.items():
        a, b = ours["classes"].get(kind), theirs["classes"].get(kind)
        if not a or not b:
            continue
        ratio = a["cold_p95_ms"] / b["cold_p95_ms"] if b["cold_p95_ms"] else float("nan")
        lines.append(
            f"| {name} | {a['cold_p50_ms']:.1f} / {a['cold_p95_ms']:.1f} |"
            f" {b['cold_p50_ms']:.1f} / {b['cold_p95_ms']:.1f} | {ratio:.2f}× |"
            f" {a['p50_ms']:.1f} / {a['p95_ms']:.1f} | {b['p50_ms']:.1f} / {b['p95_ms']:.1f} |"
            f" **{verdict(ratio <= NOT_SLOWER)}** |"
        )
    return lines


def summary_lines(size: dict[str, Any]) -> list[str]:
    """One sentence per peer: how kzsearch compares on build and on term/filtered latency."""
    builds, searches = size["builds"], size["queries"]
    ours_build = builds.get("kzsearch", {}).get("docs_per_s")
    ours = searches.get("kzsearch", {}).get("classes", {})
    out = []
    for peer in PEERS:
        if "docs_per_s" not in builds.get(peer, {}):
            continue
        theirs = searches.get(peer, {}).get("classes", {})
        parts = [f"build {faster_or_slower(ours_build, builds[peer]['docs_per_s'], True)}"]
        for kind in ("term", "question", "date"):
            if kind in ours and kind in theirs:
                speed = faster_or_slower(ours[kind]["p95_ms"], theirs[kind]["p95_ms"], False)
                parts.append(f"{CLASS_NAMES[kind]} p95 {speed}")
        out.append(f"- vs **{peer}**: kzsearch " + "; ".join(parts) + ".")
    return out


def relevance_table(rows: list[dict[str, Any]] | str) -> list[str]:
    if isinstance(rows, str):
        return [rows]
    keys = [
        k for k in ("ndcg@10", "mrr@10", "recall@10", "recall@100") if any(k in r for r in rows)
    ]
    lines = ["| system | " + " | ".join(keys) + " |", "|---|" + "---:|" * len(keys)]
    for row in rows:
        cells = [
            f"{row[k]:.3f}" if isinstance(row.get(k), float) else str(row.get(k, "")) for k in keys
        ]
        lines.append(f"| {row.get('system', '?')} | " + " | ".join(cells) + " |")
    return lines


def completion_lines(found: dict[str, Any] | None) -> list[str]:
    """The completion latency of ``benchmarks/completion.py`` (run on the kzsearch build)."""
    if not found:
        return []
    lines = ["", "### Completion (`Index.complete`, benchmarks/completion.py)", ""]
    if "error" in found:
        return lines + [f"Failed: {found['error']}"]
    lines += [
        f"{found['prefixes']} prefixes of 2-6 letters, each timed once in a fresh process"
        f" after a first completion that maps the word tables ({found['load_ms']} ms);"
        f" {found['without_completion']} found nothing.",
        "",
        "| prefixes | p50 | p95 |",
        "|---|---:|---:|",
        f"| all | {found['p50_ms']} ms | {found['p95_ms']} ms |",
        f"| all, CPU time of the thread | {found.get('cpu_p50_ms', '?')} ms"
        f" | {found.get('cpu_p95_ms', '?')} ms |",
    ]
    lines += [f"| {kind} | {row['p50_ms']} ms | {row['p95_ms']} ms |"
              for kind, row in found.get("classes", {}).items()]
    return lines


def render(report: dict[str, Any], relevance_md: str | None, startup: dict[str, Any] | None) -> str:
    """The whole report as Markdown."""
    m = report["machine"]
    lines = [
        f"# kzsearch benchmarks ({report['mode']})",
        "",
        f"Machine: {m['nproc']} cores, {m['cpu']}, {m['ram_gb']} GB RAM; Python {m['python']};"
        f" Whoosh {m['whoosh']}, SQLite {m['sqlite']}, tantivy {m['tantivy']};"
        f" kzsearch {m.get('kzsearch', '?')}."
        f" Run {report['started']} in {report['seconds']:.0f} s.",
    ]
    if report.get("command"):
        lines += ["", f"Command: `{report['command']}`"]
    trees = report.get("trees", {})
    if len(trees) > 1:
        lines += ["", "kzsearch checkouts measured side by side (same corpus, queries, machine):"]
        lines += [f"- **{name}**: `{t['path']}` at `{t['commit']}`" for name, t in trees.items()]
    for name, size in report["sizes"].items():
        lines += [
            "",
            f"## {name} articles",
            "",
            f"Corpus: seed {size.get('seed', '?')}, vocabulary {size.get('vocabulary', 0):,}"
            " rare word types (`corpus.py --vocabulary`; 0 is the sentence-pool corpus),"
            f" {size['corpus_bytes'] / 1e6:.0f} MB of JSONL.",
            "",
            f"Queries: {size['query_counts']}"
            + (f"; best of {size['query_rounds']} query sessions per index, the trees taking"
               " turns" if size.get("query_rounds", 1) > 1 else "")
            + ". " + " ".join(size.get("notes", [])),
            "",
            f"Load average (1/5/15 min) at the end: {size.get('load_average', '?')};"
            " above the core count means other work shared the machine.",
            "",
            "### Build",
            "",
        ]
        if size.get("build_rounds", 1) > 1:
            lines += [f"Fastest of {size['build_rounds']} builds per engine and tree (the"
                      " trees taking turns); peak RSS is the highest of them.", ""]
        lines += build_table(size["builds"])
        if size["queries"]:
            lines += ["", "### Query latency (warm; cold = first pass)", ""]
            lines += latency_table(size["queries"])
            lines += ["", "### Opening", ""] + open_table(size["queries"])
            lines += similar_lines(size["queries"])
        else:
            lines += ["", "Queries not run (`--no-queries`)."]
        lines += completion_lines(size.get("completion"))
        lines += ["", "### Compared", ""] + summary_lines(size)
        for tree in compared_trees(size):
            lines += ["", f"### Beside {tree} (this / {tree})", ""] + beside_tables(size, tree)
        lines += [
            "",
            "### Targets (set for 100k articles)",
            "",
            "| target | value | goal | |",
            "|---|---:|---|---|",
        ]
        lines += [
            f"| {t['target']} | {t['value']} | {t['goal']} | **{t['verdict']}** |"
            for t in size["targets"]
        ]
    lines += ["", "## Relevance (KazQAD dev, benchmarks/relevance.py)", ""]
    lines += [relevance_md] if relevance_md else relevance_table(report["relevance"])
    if startup:
        from startup import markdown as startup_markdown

        lines += ["", "## Start-up", "", startup_markdown(startup)]
    return "\n".join(lines) + "\n"
