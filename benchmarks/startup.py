"""Start-up time of ``kzsearch --help``: best of 5 runs, and the slowest imports.

A command-line tool is judged by how fast it answers ``--help``; kzsearch keeps
heavy imports (Whoosh, the stemmer, pymorphy3) inside the commands for that.
This measures the whole process (interpreter start included), as a user feels it,
and lists the top offenders from ``python -X importtime``. Target: < 0.3 s.

    python benchmarks/startup.py
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
TARGET_S = 0.3
RUNS = 5
IMPORT_LINE = re.compile(r"import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)")


def command() -> tuple[list[str], str]:
    """The installed ``kzsearch`` script if there is one, else ``python -m kzsearch``."""
    script = shutil.which("kzsearch")
    if script:
        return [script, "--help"], "kzsearch --help"
    return [sys.executable, "-m", "kzsearch", "--help"], "python -m kzsearch --help"


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return env


def best_of(argv: list[str], runs: int = RUNS) -> list[float]:
    """Wall-clock seconds of each run (the caller takes the best: noise only adds time)."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(argv, capture_output=True, check=True, env=_env(), cwd=ROOT)
        times.append(time.perf_counter() - started)
    return times


def import_offenders(top: int = 8) -> dict[str, list[dict[str, Any]]]:
    """Slowest imports of ``--help``: top-level packages by cumulative time, modules by self."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "kzsearch", "--help"],
        capture_output=True,
        text=True,
        env=_env(),
        cwd=ROOT,
    )
    rows = []
    for line in done.stderr.splitlines():
        match = IMPORT_LINE.match(line)
        if match:
            own, total, indent, name = match.groups()
            rows.append(
                {
                    "module": name,
                    "self_ms": int(own) / 1000,
                    "cumulative_ms": int(total) / 1000,
                    "top_level": len(indent) == 1,
                }
            )
    by_total = sorted((r for r in rows if r["top_level"]), key=lambda r: -r["cumulative_ms"])
    by_self = sorted(rows, key=lambda r: -r["self_ms"])
    return {"cumulative": by_total[:top], "self": by_self[:top]}


def python_baseline(runs: int = RUNS) -> float:
    """Best start-up of a bare ``python -c pass``: the floor no CLI can go under."""
    return min(best_of([sys.executable, "-c", "pass"], runs))


def run() -> dict[str, Any]:
    """Everything the report shows about start-up."""
    argv, label = command()
    times = best_of(argv)
    best = min(times)
    return {
        "command": label,
        "best_s": round(best, 3),
        "runs_s": [round(t, 3) for t in times],
        "python_floor_s": round(python_baseline(), 3),
        "target_s": TARGET_S,
        "verdict": "PASS" if best < TARGET_S else "MISS",
        "imports": import_offenders(),
    }


def markdown(result: dict[str, Any]) -> str:
    lines = [
        f"`{result['command']}`: best of {RUNS} **{result['best_s']:.3f} s**"
        f" (target < {result['target_s']} s: **{result['verdict']}**;"
        f" bare `python -c pass`: {result['python_floor_s']:.3f} s)",
        "",
        "| slowest top-level imports | cumulative ms | | slowest modules (self) | self ms |",
        "|---|---:|---|---|---:|",
    ]
    for big, own in zip(result["imports"]["cumulative"], result["imports"]["self"], strict=False):
        lines.append(
            f"| `{big['module']}` | {big['cumulative_ms']:.1f} | |"
            f" `{own['module']}` | {own['self_ms']:.1f} |"
        )
    return "\n".join(lines)


def main() -> int:
    result = run()
    print(markdown(result))
    if "--json" in sys.argv:
        print(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
