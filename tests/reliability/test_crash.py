"""Crashes: a writer killed with SIGKILL at random moments loses nothing it committed.

A child process commits batches (one ``add_many`` = one commit, an ``optimize`` now and
then) and prints each batch number once its commit has returned. The test kills it after
a random delay, then checks that the index opens, that every batch the child reported is
there, that no batch is there in part (commits are atomic), and that search works; then
it starts the writer again, which resumes where the index stands. After the last kill a
writer runs to the end and the index must hold exactly every article.
"""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from kzsearch import Index

from ._support import SCALE, SEED, add, child_env, stored_ids

BATCH = 40
NEVER_REACHED = 100_000  # batches a killed writer is asked to write
WRITER = textwrap.dedent(
    """
    import sys
    from kzsearch import Article, Index
    path, total, mode = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    BODY = ("Үкімет мемлекеттік бюджеттің кірістері мен шығыстарын талқылады. "
            "Министрлер жаңа мектептер мен ауруханалар салуға қаржы бөлінетінін айтты. ") * 12

    def batch(b):
        return [Article(id=f"c{b:04d}-{i:02d}", title=f"Жаңалық {b} топтама {i}",
                        body=f"{BODY} Хабар нөмірі {b}-{i}.", rubric="Экономика",
                        views=b * 100 + i)
                for i in range({batch})]

    def write(index, start):
        for b in range(start, total):
            index.add_many(batch(b))
            print("committed", b, flush=True)
            if b % 7 == 6:
                index.optimize()
                print("optimized", b, flush=True)

    if mode == "resume":
        index = Index.open(path)
        done, partial = divmod(len(index), {batch})
        if partial:
            print("partial batch in index", len(index), flush=True)
            sys.exit(3)
        print("ready", done, flush=True)
        write(index, done)
    else:  # a staged rebuild that replaces the index only when it is complete
        with Index.building(path, overwrite=True) as index:
            print("ready", 0, flush=True)
            write(index, 0)
    print("finished", flush=True)
    """
).replace("{batch}", str(BATCH))


def batch_ids(batches: int) -> set[str]:
    return {f"c{b:04d}-{i:02d}" for b in range(batches) for i in range(BATCH)}


def start_writer(path: Path, total: int, mode: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", WRITER, str(path), str(total), mode],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=child_env(),
    )


def kill_after(child: subprocess.Popen[str], delay: float) -> tuple[list[int], bool, str]:
    """Wait for 'ready', SIGKILL ``delay`` s later; the batches it reported, and if it
    finished before the kill."""
    ready = child.stdout.readline()
    assert ready.startswith("ready"), f"writer did not start: {ready!r} {child.stderr.read()}"
    time.sleep(delay)
    finished = child.poll() is not None
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=30)
    lines = child.stdout.read().splitlines()
    committed = [int(line.split()[1]) for line in lines if line.startswith("committed")]
    return committed, finished or "finished" in lines, child.stderr.read()


def check_intact(path: Path, reported: int) -> int:
    """The index opens, holds whole batches 0..k-1 with k >= reported, and is searchable."""
    index = Index.open(path)
    ids = stored_ids(index)
    done, partial = divmod(len(ids), BATCH)
    assert partial == 0, f"{len(ids)} documents: a commit was applied in part"
    assert len(index) == len(ids)
    assert done >= reported, f"{reported} batches were committed, {done} are in the index"
    assert ids == batch_ids(done), "the index does not hold exactly the first batches"
    if done:
        last = done - 1
        hits = index.search(f"Жаңалық {last} топтама", per_page=BATCH * 3).hits
        assert f"c{last:04d}-00" in {hit.id for hit in hits}
    return done


def test_writer_killed_at_random_moments_loses_no_commit(tmp_path: Path) -> None:
    rng = random.Random(SEED)
    path = tmp_path / "index"
    Index.create(path)
    done = 0
    for kill in range(SCALE.kills):
        child = start_writer(path, NEVER_REACHED, "resume")
        committed, finished, stderr = kill_after(child, rng.uniform(0.0, 1.2))
        assert not finished, f"the writer ended before kill {kill + 1}: {stderr}"
        reported = max(committed, default=done - 1) + 1
        done = check_intact(path, reported)
        add("kills survived (writer)")
        add("commits before kills", len(committed))

    total = done + SCALE.resume_batches
    child = start_writer(path, total, "resume")
    out, err = child.communicate(timeout=600)
    assert child.returncode == 0, err
    assert out.rstrip().endswith("finished")
    assert check_intact(path, total) == total
    index = Index.open(path)
    index.optimize()
    assert stored_ids(index) == batch_ids(total)
    add("resumes completed")


def test_rebuild_killed_at_random_moments_leaves_the_old_index(tmp_path: Path) -> None:
    rng = random.Random(SEED + 1)
    path = tmp_path / "index"
    Index.create(path)
    old_batches = 3
    child = start_writer(path, old_batches, "resume")
    assert child.communicate(timeout=300)[0].rstrip().endswith("finished")
    assert check_intact(path, old_batches) == old_batches

    for _ in range(SCALE.rebuild_kills):
        child = start_writer(path, NEVER_REACHED, "rebuild")
        _, finished, stderr = kill_after(child, rng.uniform(0.0, 1.5))
        assert not finished, f"the rebuild ended before the kill: {stderr}"
        assert check_intact(path, old_batches) == old_batches, "a killed rebuild changed it"
        add("kills survived (staged rebuild)")
    leftovers = [p.name for p in tmp_path.iterdir() if p.name.endswith(".new")]
    add("staging dirs left by killed rebuilds", len(leftovers))

    total = SCALE.resume_batches
    child = start_writer(path, total, "rebuild")
    out, err = child.communicate(timeout=600)
    assert child.returncode == 0, err
    assert check_intact(path, total) == total
