"""Reliability suite: fuzzing, nothing lost, SIGKILL crashes, concurrent readers, disk faults,
untrusted index directories.

Two sizes, one switch:

* bounded (the default, what CI runs with every ``python -m pytest``): 150-250
  hypothesis examples per fuzz target, 4 kills, 3 readers for 5 s; about a minute on 2 cores.
* long (before a release), one command, about 9 minutes::

      KZSEARCH_RELIABILITY=long python -m pytest tests/reliability -q

  2000-2500 examples per main target, 25 kills of a writer and 5 of a rebuild, 4 readers
  for 60 s.

``KZSEARCH_RELIABILITY_SEED`` changes the seed of kill moments (hypothesis keeps its own).
At the end of a run the counts (examples fuzzed, kills survived, readers, errors seen) are
printed and written to ``benchmarks/results/reliability-<mode>.json`` (git-ignored); the
README's reliability table is filled from that file.
"""

from __future__ import annotations

import datetime as dt
import json
import platform

import pytest

from ._support import MODE, RESULTS_DIR, SCALE, SEED, TALLY


def pytest_report_header(config: pytest.Config) -> str:
    return f"kzsearch reliability: {MODE} run (KZSEARCH_RELIABILITY), seed {SEED}"


def _has_counts() -> bool:
    return bool(TALLY["examples"]) or len(TALLY) > 2


def _summary_rows() -> list[tuple[str, str]]:
    examples = TALLY["examples"]
    rows = [("examples fuzzed", f"{sum(examples.values()):,} over {len(examples)} targets")]
    rows += [(f"  {name}", f"{n:,}") for name, n in sorted(examples.items())]
    for key in sorted(k for k in TALLY if k not in ("examples", "slowest_input_s")):
        rows.append((key.replace("_", " "), f"{TALLY[key]}"))
    slowest = TALLY["slowest_input_s"]
    if slowest:
        name, seconds = max(slowest.items(), key=lambda kv: kv[1])
        rows.append(("slowest single input", f"{seconds} s ({name})"))
    return rows


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:  # noqa: ANN001
    if not _has_counts():
        return
    terminalreporter.section(f"kzsearch reliability ({MODE})")
    for name, value in _summary_rows():
        terminalreporter.write_line(f"{name:<44} {value}")


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if not _has_counts():
        return
    report = {
        "mode": MODE,
        "scale": SCALE.__dict__,
        "seed": SEED,
        "finished": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "exit_status": int(exitstatus),
        "tally": TALLY,
    }
    try:
        RESULTS_DIR.mkdir(parents=True, exist_ok=True)
        path = RESULTS_DIR / f"reliability-{MODE}.json"
        path.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    except OSError:
        pass  # a read-only checkout still gets the printed summary
