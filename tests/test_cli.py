"""The ``kzsearch`` command, through click's ``CliRunner``: every command, every error path.

One index of the bundled sample is built per module (by the CLI itself) and only
read; tests that change an index build their own small one.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from kzsearch import Index, read_articles, sample_corpus_path
from kzsearch import cli as cli_module
from kzsearch.cli import main

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = sample_corpus_path()
SAMPLE_DOCS = 51  # README.md in the folder is skipped: not an article


def run(*args: str, ok: bool | None = True, **kwargs) -> Result:
    """Invoke ``kzsearch ARGS``; ``ok`` True expects exit 0, False a non-zero exit."""
    kwargs.setdefault("prog_name", "kzsearch")
    result = CliRunner().invoke(main, [str(a) for a in args], **kwargs)
    if ok is True:
        assert result.exit_code == 0, (result.output, result.exception)
    if ok is not None:
        assert "Traceback" not in result.output
    return result


def fails(code: int, *args: str, **kwargs) -> Result:
    """``kzsearch ARGS`` fails with exit ``code``, a short message on stderr, no traceback."""
    result = run(*args, ok=False, **kwargs)
    assert result.exit_code == code, (result.output, result.exception)
    assert result.stderr.strip(), "an error must say something on stderr"
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) <= 3, lines  # ours take one; click's usage errors three
    assert isinstance(result.exception, SystemExit), result.exception
    return result


def sample_id(prefix: str) -> str:
    """The article id of sample page ``prefix-*.txt`` (e.g. ``"007"``)."""
    (page,) = SAMPLE.glob(f"{prefix}-*.txt")
    return next(iter(read_articles(page))).id


def jsonl(path: Path, *records: dict | str) -> Path:
    lines = [r if isinstance(r, str) else json.dumps(r, ensure_ascii=False) for r in records]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


RECORDS = [
    {"id": "a1", "title": "Жаңа мектеп ашылды", "body": "Ауылда жаңа мектеп ашылды.",
     "rubric": "Білім", "published": "2022-09-01", "views": 10},
    {"id": "a2", "title": "Егін жинау", "body": "Солтүстікте егін жинау басталды.",
     "rubric": "Экономика", "published": "2021-08-15", "views": 20},
]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample corpus indexed by ``kzsearch index build`` (read-only for the tests)."""
    path = tmp_path_factory.mktemp("cli") / "news"
    result = run("index", "build", SAMPLE, "--index", path)
    assert f"{SAMPLE_DOCS} accepted" in result.stderr
    return path


@pytest.fixture
def small(tmp_path: Path) -> Path:
    """A two-article index built from JSON lines, for tests that change it."""
    path = tmp_path / "small"
    run("index", "build", jsonl(tmp_path / "two.jsonl", *RECORDS), "--index", path)
    return path


def search_json(index: Path, *args: str) -> tuple[list[dict], dict]:
    """The hits and summary of ``search ARGS --jsonl`` (a line per hit, then the summary)."""
    result = run("search", *args, "--index", index, "--jsonl")
    objects = [json.loads(line) for line in result.stdout.splitlines()]
    assert "summary" in objects[-1]
    return objects[:-1], objects[-1]["summary"]


# -- the group ------------------------------------------------------------------------------


def test_help_names_every_command_and_gives_examples() -> None:
    result = run("--help")
    for command in ("index", "search", "analyze", "stats", "demo", "bench"):
        assert command in result.stdout
    assert "kzsearch demo" in result.stdout and "$KZSEARCH_INDEX" in result.stdout


@pytest.mark.parametrize(
    "command",
    [["index"], ["index", "build"], ["index", "add"], ["index", "delete"], ["index", "optimize"],
     ["search"], ["analyze"], ["stats"], ["demo"], ["bench"]],
)
def test_every_command_has_help(command: list[str]) -> None:
    assert "Usage: " in run(*command, "--help").stdout


def test_version() -> None:
    import kzsearch

    assert run("--version").stdout.strip() == f"kzsearch, version {kzsearch.__version__}"


def test_unknown_command_and_option_are_usage_errors() -> None:
    fails(2, "serach", "x")
    fails(2, "search", "x", "--sort", "random")
    fails(2, "search", "x", "--limit", "0")
    fails(2, "search", "x", "--recency", "2")


def test_python_dash_m_kzsearch(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-m", "kzsearch", "--help"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Usage: kzsearch")


def test_help_does_not_import_the_search_machinery(tmp_path: Path) -> None:
    code = (
        "import sys; from kzsearch.cli import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "heavy = [m for m in ('whoosh', 'kzsearch.index', 'pymorphy3') if m in sys.modules]\n"
        "sys.stderr.write(repr(heavy))"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.stderr == "[]"


# -- index build ------------------------------------------------------------------------------


def test_build_writes_an_index_and_a_summary_on_stderr(built: Path) -> None:
    assert len(Index.open(built)) == SAMPLE_DOCS
    siblings = sorted(p.name for p in built.parent.iterdir())
    # the writer lock file stays (see kzsearch.locking); no staging or trash folder does
    assert siblings == [".news.lock", "news"], "no staging or trash directories are left behind"


def test_build_summary_counts_accepted_updated_rejected_and_seconds(tmp_path: Path) -> None:
    source = jsonl(tmp_path / "news.jsonl", *RECORDS)
    result = run("index", "build", source, "--index", tmp_path / "ix")
    assert result.stdout == ""
    (summary,) = result.stderr.splitlines()
    for part in ("2 accepted", "0 updated", "0 rejected", " s:"):
        assert part in summary


def test_build_refuses_an_existing_index_without_overwrite(built: Path) -> None:
    result = fails(2, "index", "build", SAMPLE, "--index", built)
    assert "--overwrite" in result.stderr
    assert len(Index.open(built)) == SAMPLE_DOCS


def test_build_overwrite_replaces_the_index(small: Path, tmp_path: Path) -> None:
    source = jsonl(tmp_path / "one.jsonl", RECORDS[0])
    run("index", "build", source, "--index", small, "--overwrite")
    assert len(Index.open(small)) == 1
    assert sorted(p.name for p in small.parent.iterdir() if p.name.startswith(".")
                  and p.name != ".small.lock") == []


def test_build_never_replaces_a_folder_that_is_not_an_index(tmp_path: Path) -> None:
    folder = tmp_path / "papers"
    folder.mkdir()
    (folder / "thesis.txt").write_text("precious", encoding="utf-8")
    result = fails(2, "index", "build", SAMPLE, "--index", folder, "--overwrite")
    assert "not a kzsearch index" in result.stderr
    assert (folder / "thesis.txt").read_text(encoding="utf-8") == "precious"


def test_failed_overwrite_keeps_the_old_index(small: Path, monkeypatch) -> None:
    def broken(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(Index, "add_many", broken)
    result = fails(1, "index", "build", SAMPLE, "--index", small, "--overwrite")
    assert "disk on fire" in result.stderr and "--debug" in result.stderr
    monkeypatch.undo()
    assert len(Index.open(small)) == 2
    assert [p.name for p in small.parent.iterdir() if p.name.startswith(".")
            and p.name != ".small.lock"] == []


def test_build_from_an_unknown_format_is_an_input_error(tmp_path: Path) -> None:
    source = tmp_path / "feed.xml"
    source.write_text("<rss/>", encoding="utf-8")
    result = fails(2, "index", "build", source, "--index", tmp_path / "ix")
    assert "feed.xml" in result.stderr and "format" in result.stderr
    assert not (tmp_path / "ix").exists(), "a bad source must not leave an empty index"


def test_build_from_a_missing_path_is_a_usage_error(tmp_path: Path) -> None:
    result = fails(2, "index", "build", tmp_path / "nowhere.jsonl", "--index", tmp_path / "ix")
    assert "nowhere.jsonl" in result.stderr
    assert not (tmp_path / "ix").exists()


def test_build_needs_a_source() -> None:
    fails(2, "index", "build")


def test_broken_record_is_rejected_counted_and_written(tmp_path: Path) -> None:
    source = jsonl(tmp_path / "news.jsonl", RECORDS[0], '{"id": "x", "title": "broken', RECORDS[1])
    rejects = tmp_path / "rejects.jsonl"
    result = run("index", "build", source, "--index", tmp_path / "ix", "--rejects", rejects)
    assert "2 accepted" in result.stderr and "1 rejected (broken_json 1)" in result.stderr
    assert f"wrote 1 rejected records to {rejects}" in result.stderr
    (line,) = rejects.read_text(encoding="utf-8").splitlines()
    rejection = json.loads(line)
    assert rejection["reason"] == "broken_json" and rejection["line"] == 2
    assert len(Index.open(tmp_path / "ix")) == 2


def test_rejections_are_listed_on_stderr_without_rejects_file(tmp_path: Path) -> None:
    bad = [f'{{"id": "b{i}", "title": ' for i in range(7)]
    source = jsonl(tmp_path / "news.jsonl", RECORDS[0], *bad)
    result = run("index", "build", source, "--index", tmp_path / "ix")
    assert result.stderr.count("rejected ") == 5 + 1  # five shown, and the summary
    assert "news.jsonl:2: broken_json" in result.stderr
    assert "2 more" in result.stderr and "--rejects" in result.stderr


def test_rejects_file_in_a_missing_folder_fails_before_building(tmp_path: Path) -> None:
    source = jsonl(tmp_path / "news.jsonl", *RECORDS)
    result = fails(2, "index", "build", source, "--index", tmp_path / "ix",
                   "--rejects", tmp_path / "no" / "such" / "rejects.jsonl")
    assert "--rejects" in result.stderr
    assert not (tmp_path / "ix").exists()


def test_build_from_csv_and_several_sources(tmp_path: Path) -> None:
    csv = tmp_path / "news.csv"
    csv.write_text("id,title,body,rubric\nc1,Су тасқыны,Ақтөбеде су тасқыны болды.,Қоғам\n",
                   encoding="utf-8")
    (page,) = SAMPLE.glob("007-*.txt")
    result = run("index", "build", csv, page, jsonl(tmp_path / "n.jsonl", *RECORDS),
                 "--index", tmp_path / "ix")
    assert "4 accepted" in result.stderr
    assert len(Index.open(tmp_path / "ix")) == 4


def test_build_in_two_processes(tmp_path: Path) -> None:
    run("index", "build", SAMPLE, "--index", tmp_path / "ix", "--procs", "2")
    assert len(Index.open(tmp_path / "ix")) == SAMPLE_DOCS


def test_progress_only_on_a_terminal(tmp_path: Path, monkeypatch) -> None:
    source = jsonl(tmp_path / "news.jsonl", *RECORDS)
    quiet = run("index", "build", source, "--index", tmp_path / "a")
    assert "indexing" not in quiet.stderr
    monkeypatch.setattr(cli_module, "_is_tty", lambda stream: True)
    loud = run("index", "build", source, "--index", tmp_path / "b")
    assert "indexing" in loud.stderr


def test_index_built_under_a_group_writable_umask_can_be_opened(tmp_path: Path) -> None:
    old = os.umask(0o002)
    try:
        run("index", "build", jsonl(tmp_path / "n.jsonl", *RECORDS), "--index", tmp_path / "ix")
        run("index", "add", jsonl(tmp_path / "m.jsonl", RECORDS[0]), "--index", tmp_path / "ix")
    finally:
        os.umask(old)
    assert "documents  2" in run("stats", "--index", tmp_path / "ix").stdout


def test_index_path_from_environment_and_option(small: Path, tmp_path: Path) -> None:
    assert "documents  2" in run("stats", env={"KZSEARCH_INDEX": str(small)}).stdout
    fails(2, "stats", "--index", tmp_path / "other", env={"KZSEARCH_INDEX": str(small)})


def test_default_index_is_indexes_news(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("KZSEARCH_INDEX", raising=False)
    run("index", "build", jsonl(tmp_path / "n.jsonl", *RECORDS))
    assert len(Index.open(tmp_path / "indexes" / "news")) == 2
    assert "2 found" in run("search", "мектеп OR егін").stdout


# -- index add, delete, optimize ------------------------------------------------------------


def test_add_upserts_and_counts_updates(small: Path, tmp_path: Path) -> None:
    changed = dict(RECORDS[0], title="Жаңа мектеп ашылды: жаңартылған")
    new = dict(RECORDS[1], id="a3")
    result = run("index", "add", jsonl(tmp_path / "more.jsonl", changed, new), "--index", small)
    assert "2 accepted" in result.stderr and "1 updated" in result.stderr
    assert len(Index.open(small)) == 3
    hits, _ = search_json(small, "жаңартылған")
    assert [h["id"] for h in hits] == ["a1"]


def test_add_with_a_broken_record_and_rejects_file(small: Path, tmp_path: Path) -> None:
    source = jsonl(tmp_path / "more.jsonl", dict(RECORDS[1], id="a3"), "[1, 2]")
    rejects = tmp_path / "rejects.jsonl"
    result = run("index", "add", source, "--index", small, "--rejects", rejects)
    assert "1 rejected" in result.stderr
    assert json.loads(rejects.read_text(encoding="utf-8"))["reason"] == "broken_json"


def test_add_needs_an_existing_index(tmp_path: Path) -> None:
    source = jsonl(tmp_path / "n.jsonl", *RECORDS)
    result = fails(2, "index", "add", source, "--index", tmp_path / "missing")
    assert "no kzsearch index" in result.stderr and "index build" in result.stderr


def test_add_bad_source_is_an_input_error(small: Path, tmp_path: Path) -> None:
    source = tmp_path / "feed.xml"
    source.write_text("<rss/>", encoding="utf-8")
    fails(2, "index", "add", source, "--index", small)
    assert len(Index.open(small)) == 2


def test_delete(small: Path) -> None:
    assert run("index", "delete", "a1", "nope", "--index", small).stdout.strip() == (
        "deleted 1 of 2 ids"
    )
    assert len(Index.open(small)) == 1
    fails(2, "index", "delete", "--index", small)  # no ids


def test_optimize(small: Path, tmp_path: Path) -> None:
    run("index", "add", jsonl(tmp_path / "more.jsonl", dict(RECORDS[0], id="a3")),
        "--index", small)
    assert "optimized 3 documents" in run("index", "optimize", "--index", small).stdout
    assert Index.open(small).stats().segments == 1


@pytest.mark.parametrize(
    "command", [["index", "add", "SOURCE"], ["index", "delete", "a1"], ["index", "optimize"]]
)
def test_locked_index_is_a_failure_not_a_crash(small: Path, tmp_path: Path, command) -> None:
    source = jsonl(tmp_path / "more.jsonl", RECORDS[0])
    args = [str(source) if part == "SOURCE" else part for part in command]
    writer = Index.open(small).whoosh_index.writer()
    try:
        result = fails(1, *args, "--index", small)
    finally:
        writer.cancel()
    assert "locked" in result.stderr and "--debug" not in result.stderr
    run(*args, "--index", small)  # and works once the other writer is gone


@pytest.mark.parametrize("command", [["index", "delete", "x"], ["index", "optimize"],
                                     ["stats"], ["search", "мектеп"]])
def test_missing_index(tmp_path: Path, command: list[str]) -> None:
    result = fails(2, *command, "--index", tmp_path / "missing")
    assert "no kzsearch index at" in result.stderr


def test_index_path_that_is_a_file_is_a_usage_error(tmp_path: Path) -> None:
    file = tmp_path / "file"
    file.write_text("", encoding="utf-8")
    fails(2, "stats", "--index", file)


# -- search ---------------------------------------------------------------------------------


def test_one_inflected_form_finds_the_others(built: Path) -> None:
    hits, summary = search_json(built, "мемлекеттердің", "--limit", "50")
    ids = {hit["id"] for hit in hits}
    assert {sample_id("007"), sample_id("003"), sample_id("024")} <= ids
    assert summary["total"] == len(hits)


def test_json_lines_parse_and_carry_every_field(built: Path) -> None:
    hits, summary = search_json(built, "мектеп", "--limit", "3")
    assert [h["rank"] for h in hits] == [1, 2, 3]
    for hit in hits:
        assert set(hit) >= {"id", "score", "title", "rubric", "published", "snippet", "views"}
        assert "<mark>" in hit["snippet_html"]
    assert summary["total"] >= 3 and summary["page"] == 1 and summary["per_page"] == 3
    assert summary["facets"]["rubric"]
    scores = [h["score"] for h in hits]
    assert scores == sorted(scores, reverse=True)


def test_table_output(built: Path) -> None:
    out = run("search", "мемлекеттердің", "--index", built, "--limit", "2").stdout
    lines = out.splitlines()
    assert lines[0].startswith("  1. 20") and "·" in lines[0]
    assert "[мемлекет" in out.lower()  # matches marked without colour
    assert "found; showing 1–2" in lines[-1]
    assert "\x1b[" not in out


def test_colour_on_a_terminal_unless_no_color(built: Path, monkeypatch) -> None:
    monkeypatch.setattr(cli_module, "_is_tty", lambda stream: True)
    monkeypatch.delenv("NO_COLOR", raising=False)
    args = ("search", "мемлекеттердің", "--index", built, "--limit", "1")
    assert "\x1b[1;33m" in run(*args, color=True).stdout
    plain = run(*args, color=True, env={"NO_COLOR": "1"}).stdout
    assert "\x1b[" not in plain and "[" in plain


def test_filters_and_sorting(built: Path) -> None:
    hits, _ = search_json(built, "мектеп", "--rubric", "Білім", "--limit", "50")
    assert hits and {h["rubric"] for h in hits} == {"Білім"}
    hits, _ = search_json(built, "мектеп", "--since", "2022-01-01", "--until", "2023-12-31")
    assert hits and all("2022-01-01" <= h["published"] <= "2023-12-31" for h in hits)
    for key, field in (("date", "published"), ("views", "views")):
        hits, _ = search_json(built, "Қазақстан", "--sort", key, "--limit", "50")
        values = [h[field] for h in hits]
        assert len(values) > 3 and values == sorted(values, reverse=True)
    assert search_json(built, "мектеп", "--recency", "0.5")[0]


def test_paging(built: Path) -> None:
    first, summary = search_json(built, "Қазақстан", "--limit", "3")
    second, _ = search_json(built, "Қазақстан", "--limit", "3", "--page", "2")
    assert [h["rank"] for h in second] == [4, 5, 6]
    assert not {h["id"] for h in first} & {h["id"] for h in second}
    past, summary = search_json(built, "Қазақстан", "--limit", "3", "--page", "999")
    assert past == [] and summary["page"] == 999 and summary["total"] > 0
    out = run("search", "Қазақстан", "--index", built, "--page", "999").stdout
    assert "past the last page" in out


@pytest.mark.parametrize("option", ["--since", "--until"])
@pytest.mark.parametrize("value", ["2021-13-45", "yesterday", "31.12.2021"])
def test_bad_date_is_an_input_error(built: Path, option: str, value: str) -> None:
    result = fails(2, "search", "мектеп", "--index", built, option, value)
    assert option.lstrip("-") in result.stderr and value in result.stderr


@pytest.mark.parametrize(
    "query", ['((("', "title:", "NOT", "-", ")", '"', "AND OR NOT", "rubric:", "a:b:c",
              "мектеп AND", "*", "мектеп~", "[a TO b]", "   ", "\x00"],
)
def test_malformed_queries_do_not_crash(built: Path, query: str) -> None:
    result = run("search", query, "--index", built)
    assert "found" in result.stdout or "no articles match" in result.stdout
    hits, summary = search_json(built, query)
    assert summary["total"] >= len(hits)


def test_overlong_query_is_an_input_error(built: Path) -> None:
    result = fails(2, "search", "мектеп " * 3000, "--index", built)
    assert "characters" in result.stderr


def test_no_hits_prints_the_suggestion(built: Path) -> None:
    result = run("search", "мелмекет", "--index", built)  # a typo within the first letters
    assert "no articles match" in result.stdout
    assert "did you mean: мемлекет" in result.stdout
    _, summary = search_json(built, "мелмекет")
    assert summary["total"] == 0 and summary["suggestion"].startswith("мемлекет")


def test_latin_query_finds_cyrillic_articles(built: Path) -> None:
    hits, _ = search_json(built, "memleketterdıñ", "--limit", "50")  # 2021 Latin: і is ı
    assert sample_id("007") in {h["id"] for h in hits}


# -- analyze, stats ---------------------------------------------------------------------------


def test_analyze_shows_tokens_and_terms() -> None:
    lines = run("analyze", "Мемлекеттердің", "мемлекет").stdout.splitlines()
    assert len(lines) == 2
    original, token, lang, term = lines[0].split("\t")
    assert (original, token, lang) == ("Мемлекеттердің", "мемлекеттердің", "kk")
    assert term == "→ мемлекет" and lines[1].endswith("→ мемлекет")


def test_analyze_reads_stdin() -> None:
    out = run("analyze", input="Астанада жаңбыр жауды.\n").stdout
    assert [line.split("\t")[0] for line in out.splitlines()] == ["Астанада", "жаңбыр", "жауды"]


def test_analyze_in_latin_and_of_latin_text() -> None:
    out = run("analyze", "--script", "latin", "Мемлекеттердің").stdout
    assert out.split("\t")[1] == "memleketterdıñ"
    out = run("analyze", "memleketterdıñ").stdout  # Kazakh in 2021 Latin: indexed as Cyrillic
    assert out.split("\t")[2:] == ["kk-latn-2021", "→ мемлекет\n"]
    out = run("analyze", "Read the news").stdout  # English: kept, a query would transliterate
    assert "the\tkk\t→ the" in out and "news\tkk\t→ news" in out


def test_analyze_marks_stopwords_and_handles_empty_text() -> None:
    assert "stopword" in run("analyze", "мен").stdout
    assert run("analyze", "").stdout == ""
    fails(2, "analyze", "x", "--script", "arabic")


def test_stats(built: Path) -> None:
    out = run("stats", "--index", built).stdout
    assert f"documents  {SAMPLE_DOCS}" in out
    assert "2017-05-12 … 2025-07-19" in out
    assert "analysis   v" in out and ("kB" in out or "MB" in out)  # about 1 MB
    rubric_lines = [line for line in out.splitlines() if line.startswith("  ")]
    assert sum(int(line.split()[0]) for line in rubric_lines) == SAMPLE_DOCS
    assert any(line.endswith("Білім") for line in rubric_lines)


# -- demo, bench ------------------------------------------------------------------------------


def test_demo_builds_and_searches_and_rebuilds(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = run("demo")
    assert len(Index.open(tmp_path / "indexes" / "demo")) == SAMPLE_DOCS
    assert f"{SAMPLE_DOCS} accepted" in result.stderr
    out = result.stdout
    assert "» мемлекеттердің" in out and "score " in out
    first_block = out.split("» мемлекеттердің")[1].split("»")[0]
    assert "БҰҰ-ға ядролық" in first_block  # 007 says мемлекеттердің …
    assert "2025 жылғы бюджет" in first_block  # … 003 says Мемлекетіміздің
    run("demo")  # rebuilds what is there
    assert sorted(p.name for p in (tmp_path / "indexes").iterdir()) == [".demo.lock", "demo"]


def test_demo_with_index_option(tmp_path: Path) -> None:
    run("demo", "--index", tmp_path / "d")
    assert len(Index.open(tmp_path / "d")) == SAMPLE_DOCS


def _benchmarks(tmp_path: Path, *names: str) -> Path:
    folder = tmp_path / "benchmarks"
    folder.mkdir()
    for name in names:
        (folder / f"{name}.py").write_text(
            "import json, sys\n"
            f"open({name!r} + '.out', 'w').write(json.dumps(sys.argv[1:]))\n",
            encoding="utf-8",
        )
    return folder


def test_bench_runs_the_suite_with_its_arguments(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    _benchmarks(tmp_path, "run", "startup")
    argv = list(sys.argv)
    run("bench", "--quick", "--json", "x.json")
    assert json.loads((tmp_path / "run.out").read_text()) == ["--quick", "--json", "x.json"]
    run("bench", "startup", "--help")
    assert json.loads((tmp_path / "startup.out").read_text()) == ["--help"]
    assert sys.argv == argv


def test_bench_without_a_suite(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    _benchmarks(tmp_path, "relevance")
    result = fails(2, "bench")
    assert "relevance" in result.stderr


# -- failures in general ----------------------------------------------------------------------


def test_debug_shows_the_exception(tmp_path: Path) -> None:
    from kzsearch import IndexNotFoundError

    result = run("--debug", "stats", "--index", tmp_path / "missing", ok=None)
    assert isinstance(result.exception, IndexNotFoundError)


def test_unexpected_error_exits_1_and_interrupt_130(built: Path, monkeypatch) -> None:
    def boom(*args, **kwargs):
        raise RuntimeError("something odd")

    monkeypatch.setattr(Index, "search", boom)
    result = fails(1, "search", "мектеп", "--index", built)
    assert result.stderr.startswith("kzsearch: something odd") and "--debug" in result.stderr

    def interrupt(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(Index, "search", interrupt)
    assert "interrupted" in fails(130, "search", "мектеп", "--index", built).stderr


def test_closed_pipe_is_quiet(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with subprocess.Popen(
        [sys.executable, "-m", "kzsearch", "analyze"], cwd=tmp_path, env=env,
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    ) as process:
        assert process.stdin is not None and process.stdout is not None
        process.stdin.write(("Астанада жаңбыр жауды. " * 20_000).encode())
        process.stdin.close()
        process.stdout.readline()
        process.stdout.close()
        stderr = process.stderr.read().decode() if process.stderr else ""
        process.wait(timeout=60)
    assert "Broken pipe" not in stderr and "Traceback" not in stderr
