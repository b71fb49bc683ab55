"""The command line as a new user types it (issue 17): unquoted words, ``-word`` without
``--``, rubrics it does not have, years and months as dates, one JSON object, the fields of
a source file and ``--map``, ids that were not there, Russian words in ``analyze``.

Expected articles are read off the sample pages (``kzsearch/data/sample/NNN-*.txt``, their
first line is ``Rubric • date``); the index is the session's ``sample_index`` (read only),
or a small one built here for commands that change it.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from test_cli import fails, jsonl, run

from kzsearch import Index, QueryError, read_articles, sample_corpus_path
from kzsearch.articles.validate import FIELD_ALIASES, FIELDS

SAMPLE = sample_corpus_path()
README = Path(__file__).resolve().parents[1] / "README.md"
NOWHERE = "-жоқсөзшіл"  # a word no article has: alone, "-" of it matches every article
# The pages with a form of мемлекет or бюджет, or a word in their prefix classes
# (мемле…, бюдже…; 051 is in Latin: biudjetten): `grep -lic "мемле\|бюдже\|biudj"` finds them.
STATE_OR_BUDGET = ("001", "002", "003", "004", "006", "007", "008", "009", "010", "012",
                   "018", "019", "023", "024", "026", "027", "036", "037", "044", "051")
RUBRICS = {"Экономика": 10, "Қоғам": 10, "Мәдениет": 7, "Спорт": 7, "Білім": 5, "Саясат": 5,
           "Денсаулық": 4, "Әлем": 3}  # 047, 049 say Общество; 046, 050 Политика; 048 Культура


def sample_ids(*prefixes: str) -> set[str]:
    ids = set()
    for prefix in prefixes:
        (page,) = SAMPLE.glob(f"{prefix}-*.txt")
        ids.add(next(iter(read_articles(page))).id)
    return ids


def lines(index: Path, *args: str) -> tuple[list[dict], dict]:
    """Hits and summary of ``search --index INDEX ARGS --jsonl``."""
    out = run("search", "--index", index, *args, "--jsonl").stdout
    objects = [json.loads(line) for line in out.splitlines()]
    return objects[:-1], objects[-1]["summary"]


def found(index: Path, *args: str) -> set[str]:
    hits, summary = lines(index, *args, "--limit", "100")
    assert summary["total"] == len(hits)
    return {hit["id"] for hit in hits}


@pytest.fixture(scope="module")
def sample(sample_index: Index) -> Path:
    return sample_index.path


# -- the query: several words, words beginning with "-" ---------------------------------------


def test_several_unquoted_words_make_one_query(sample: Path) -> None:
    hits, summary = lines(sample, "мемлекет", "бюджет", "--match", "any", "--limit", "50")
    assert summary["query"] == "мемлекет бюджет" and summary["total"] == len(STATE_OR_BUDGET)
    assert {hit["id"] for hit in hits} == sample_ids(*STATE_OR_BUDGET)
    quoted, _ = lines(sample, "мемлекет бюджет", "--match", "any", "--limit", "50")
    assert [hit["id"] for hit in hits] == [hit["id"] for hit in quoted]


def test_a_word_may_begin_with_a_minus_without_double_dash(sample: Path) -> None:
    budget = found(sample, "бюджет")
    assert found(sample, "бюджет", "-2020") == budget - sample_ids("001")  # 2020-2022 жылдарға
    assert found(sample, "-2020", "бюджет") == budget - sample_ids("001")
    # options before, between and after the words, in either form
    assert found(sample, "--sort", "date", "бюджет", "--rubric=Экономика", "-2020") == (
        sample_ids("002", "003", "044", "051"))


def test_a_mistyped_option_is_still_an_error(sample: Path) -> None:
    result = fails(2, "search", "бюджет", "--limt", "3", "--index", sample)
    assert "No such option" in result.stderr and "--limit" in result.stderr


def test_an_option_without_its_value_is_still_an_error(sample: Path) -> None:
    result = fails(2, "search", "бюджет", "--index", sample, "--since")
    assert "'--since' requires an argument" in result.stderr


def test_after_double_dash_everything_is_a_word(sample: Path) -> None:
    out = run("search", "--index", sample, "--json", "--", "--limit", "-бюджет", "--json").stdout
    assert json.loads(out)["query"] == "--limit -бюджет --json"


def test_analyze_and_delete_take_words_beginning_with_a_minus(tmp_path: Path) -> None:
    out = run("analyze", "-2020", "бюджет").stdout
    assert [line.split("\t")[0] for line in out.splitlines()] == ["2020", "бюджет"]
    index = tmp_path / "ix"
    record = {"id": "-x1", "title": "Жаңа мектеп", "body": "Ауылда жаңа мектеп ашылды."}
    run("index", "build", jsonl(tmp_path / "one.jsonl", record), "--index", index)
    assert run("index", "delete", "-x1", "--index", index).stdout == "deleted 1 of 1 ids\n"
    assert len(Index.open(index)) == 0


# -- rubrics and dates ----------------------------------------------------------------------


def test_an_unknown_rubric_says_so_and_lists_the_rubrics(sample: Path) -> None:
    result = fails(2, "search", "бюджет", "--rubric", "Экономика", "--rubric", "Спортт",
                   "--index", sample)
    assert "'Спортт'" in result.stderr and "'Экономика'" not in result.stderr
    listed = ", ".join(f"{name} ({count})" for name, count in RUBRICS.items())
    assert f"its rubrics: {listed}" in result.stderr


def test_known_rubrics_in_any_case_or_in_russian_still_filter(sample: Path) -> None:
    politics = sample_ids("004", "005", "009", "046", "050")  # Саясат, and Политика's 046, 050
    assert found(sample, NOWHERE, "--rubric", "Политика") == politics
    assert found(sample, NOWHERE, "--rubric", "саясат") == politics


@pytest.mark.parametrize(
    ("options", "pages"),
    [
        (["--since", "2024", "--until", "2024"], ("003", "009", "015", "045", "046", "051")),
        (["--since", "2024-10", "--until", "2024-10"], ("003", "045", "046", "051")),
        (["--until", "2017-12"], ("014", "028", "033")),  # 014 is of 8 December
        (["--until", "2017"], ("014", "028", "033")),
        (["--since", "2025-05"], ("024", "041")),  # 4 May and 19 July; 035 is of 14 April
        (["--since", "2021-02", "--until", "2021-02"], ("029",)),  # 20 February 2021
        (["--since", "2023-11-10", "--until", "2023-11-23"], ("044", "050")),
    ],
)
def test_a_year_or_a_month_covers_all_its_days(sample: Path, options, pages) -> None:
    assert found(sample, NOWHERE, *options) == sample_ids(*pages)


def test_the_library_takes_years_and_months_too(sample_index: Index) -> None:
    def ids(**dates: object) -> set[str]:
        return {hit.id for hit in sample_index.search(NOWHERE, per_page=60, **dates).hits}

    assert ids(since="2021-02", until="2021-02") == sample_ids("029")
    assert ids(since="2017", until=" 2017 ") == sample_ids("014", "028", "033")
    assert ids(since=dt.date(2025, 5, 4), until="2025") == sample_ids("024", "041")


@pytest.mark.parametrize("value", ["2024-13", "2024-00", "0000", "24", "2024-5", "2024/05"])
def test_a_bad_year_or_month_is_an_input_error(sample: Path, sample_index: Index,
                                               value: str) -> None:
    with pytest.raises(QueryError, match="a month like 2021-03 or a year like 2021"):
        sample_index.search("бюджет", since=value)
    result = fails(2, "search", "бюджет", "--until", value, "--index", sample)
    assert "until" in result.stderr and value in result.stderr


def test_since_after_until_is_an_error(sample: Path, sample_index: Index) -> None:
    result = fails(2, "search", "бюджет", "--since", "2024", "--until", "2023-12",
                   "--index", sample)
    assert "since (2024-01-01) is after until (2023-12-31)" in result.stderr
    with pytest.raises(QueryError, match="after until"):
        sample_index.search("бюджет", since="2024-05-02", until=dt.date(2024, 5, 1))
    assert found(sample, NOWHERE, "--since", "2025-07-19", "--until", "2025-07-19") == (
        sample_ids("041"))  # one day is a range


# -- JSON ------------------------------------------------------------------------------------


def test_json_is_one_object_with_the_whole_answer(sample: Path) -> None:
    out = run("search", "бюджет", "--index", sample, "--json", "--limit", "3", "--page",
              "2").stdout
    answer = json.loads(out)  # one object: json.loads refuses anything after it
    assert set(answer) >= {"query", "total", "page", "per_page", "took_ms", "hits", "facets",
                           "suggestion"}
    budget = ("001", "002", "003", "023", "027", "044", "051")  # `grep -lic "бюдже\|biudj"`
    assert (answer["query"], answer["total"], answer["page"], answer["per_page"]) == (
        "бюджет", len(budget), 2, 3)
    assert isinstance(answer["took_ms"], float) and answer["took_ms"] >= 0
    assert answer["facets"]["rubric"] == {"Экономика": 5, "Білім": 1, "Денсаулық": 1}
    assert answer["suggestion"] is None
    hits, summary = lines(sample, "бюджет", "--limit", "3", "--page", "2")
    assert answer["hits"] == hits and [hit["rank"] for hit in hits] == [4, 5, 6]
    assert summary["facets"] == answer["facets"]
    everything = json.loads(run("search", "бюджет", "--index", sample, "--json").stdout)
    assert {hit["id"] for hit in everything["hits"]} == sample_ids(*budget)


def test_json_and_jsonl_together_are_a_usage_error(sample: Path) -> None:
    result = fails(2, "search", "бюджет", "--json", "--jsonl", "--index", sample)
    assert "--json" in result.stderr and "--jsonl" in result.stderr


def test_json_of_no_match_keeps_the_suggestion(sample: Path) -> None:
    answer = json.loads(run("search", "мелмекет", "--index", sample, "--json").stdout)
    assert answer["total"] == 0 and answer["hits"] == []
    assert answer["suggestion"].startswith("мемлекет")


def test_stats_json(sample: Path) -> None:
    stats = json.loads(run("stats", "--index", sample, "--json").stdout)
    assert stats["documents"] == 51 and stats["rubrics"] == RUBRICS
    assert (stats["first_date"], stats["last_date"]) == ("2017-05-12", "2025-07-19")
    assert stats["path"] == str(sample) and stats["size_bytes"] > 100_000
    assert stats["segments"] >= 1 and stats["analysis_version"] and stats["schema_version"]


# -- index delete ----------------------------------------------------------------------------


def test_delete_names_the_ids_it_did_not_find(tmp_path: Path) -> None:
    records = [{"id": f"a{i}", "title": f"Жаңалық {i}", "body": "Ауылда жаңа мектеп ашылды."}
               for i in range(3)]
    index = tmp_path / "ix"
    run("index", "build", jsonl(tmp_path / "n.jsonl", *records), "--index", index)
    result = run("index", "delete", "a1", "nope", " a2\n", "zilch", "nope", "--index", index)
    assert result.stdout == "deleted 2 of 4 ids\n"
    assert result.stderr == "not found: nope, zilch\n"
    assert len(Index.open(index)) == 1
    quiet = run("index", "delete", "a0", "--index", index)
    assert (quiet.stdout, quiet.stderr) == ("deleted 1 of 1 ids\n", "")


def test_delete_found_returns_the_ids_that_had_an_article(tmp_path: Path) -> None:
    index = Index.create(tmp_path / "ix")
    index.add_many(read_articles(jsonl(tmp_path / "n.jsonl", {"id": "b1", "title": "Су",
                                                             "body": "Су тасқыны."})))
    assert index.delete_found(["b1 ", "b2"]) == {"b1"}
    assert index.delete(["b1"]) == 0


# -- fields of sources, --map ----------------------------------------------------------------


def test_build_help_and_readme_list_the_accepted_field_names() -> None:
    help_text = run("index", "build", "--help").stdout
    readme = README.read_text(encoding="utf-8")
    for name in (*FIELDS, *FIELD_ALIASES):
        assert name in help_text, name
        assert f"`{name}`" in readme, name
    assert "--map SOURCE=FIELD" in help_text and "--map SOURCE=FIELD" in readme


def test_map_renames_source_fields(tmp_path: Path) -> None:
    record = {"guid": "m1", "headline": "Ақтөбеде су тасқыны", "story": "Тұрғындар көшірілді.",
              "section": "Общество", "pub_date": "6 Сәуір, 2024"}
    source = jsonl(tmp_path / "feed.jsonl", record)
    plain = run("index", "build", source, "--index", tmp_path / "plain", ok=False)
    assert "1 rejected (empty_text 1)" in plain.stderr and "headline" in plain.stderr
    result = run("index", "build", source, "--index", tmp_path / "ix", "--map", "guid=id",
                 "--map", "headline=title", "--map", " story = body", "--map", "section=rubric",
                 "--map", "pub_date=published")
    assert "1 accepted" in result.stderr and "warning" not in result.stderr
    (hit,) = lines(tmp_path / "ix", "тасқыны")[0]
    assert (hit["id"], hit["title"], hit["rubric"], hit["published"]) == (
        "m1", "Ақтөбеде су тасқыны", "Қоғам", "2024-04-06")


def test_map_on_csv_and_index_add(tmp_path: Path) -> None:
    csv = tmp_path / "news.csv"
    csv.write_text("key,heading,text\nc1,Егін жинау,Солтүстікте егін жинау басталды.\n",
                   encoding="utf-8")
    run("index", "build", jsonl(tmp_path / "n.jsonl", {"id": "a", "title": "Су",
                                                       "body": "Су тасқыны."}),
        "--index", tmp_path / "ix")
    result = run("index", "add", csv, "--index", tmp_path / "ix", "--map", "key=id",
                 "--map", "heading=title")
    assert "1 accepted" in result.stderr
    assert found(tmp_path / "ix", "егін") == {"c1"}


@pytest.mark.parametrize(
    ("maps", "message"),
    [
        (["headline"], "expected SOURCE=FIELD"),
        (["=title"], "expected SOURCE=FIELD"),
        (["headline="], "expected SOURCE=FIELD"),
        (["headline=titel"], "'titel' is not an article field (fields: id, title, body,"),
        (["a=title", "b=title"], "'a' and 'b' are both mapped to title"),
        (["a=title", "a=body"], "'a' is mapped twice (title, body)"),
    ],
)
def test_bad_map_values_are_usage_errors(tmp_path: Path, maps: list[str], message: str) -> None:
    source = jsonl(tmp_path / "n.jsonl", {"id": "a", "title": "Су", "body": "Су тасқыны."})
    args = [part for value in maps for part in ("--map", value)]
    result = fails(2, "index", "build", source, "--index", tmp_path / "ix", *args)
    assert "--map" in result.stderr and message in result.stderr
    assert not (tmp_path / "ix").exists()


# -- analyze: Russian -----------------------------------------------------------------------


def test_analyze_labels_a_russian_sentence_russian_and_lemmatises_it() -> None:
    out = run("analyze", "Правительство утвердило бюджет").stdout
    rows = [line.split("\t")[1:] for line in out.splitlines()]
    assert rows == [["правительство", "ru", "→ правительство"], ["утвердило", "ru", "→ утвердить"],
                    ["бюджет", "ru", "→ бюджет"]]


def test_analyze_names_the_russian_lemma_a_query_adds_for_a_lone_word(sample: Path) -> None:
    # one word is no sentence to tell Russian by: the index reads it as Kazakh, and a query
    # adds its Russian lemma, which finds 044 (Мажилис одобрил республиканский бюджет)
    (line,) = run("analyze", "одобрили").stdout.splitlines()
    assert line.split("\t")[2] == "kk" and "the Russian одобрить" in line
    assert found(sample, "одобрили") == sample_ids("044")
    assert "Russian" not in run("analyze", "мемлекеттердің бюджеті").stdout
