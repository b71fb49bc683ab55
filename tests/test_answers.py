"""What the HTTP API needs from the library: JSON-ready answers (kzsearch.search.answers),
articles from a request's body (read_json_body), and ``Index.wait_for_loads``."""

from __future__ import annotations

import json
import shutil
import threading

import pytest

from kzsearch import Article, Index
from kzsearch.articles import JsonBodyError, read_json_body
from kzsearch.search.answers import analysis_dict, results_dict, stats_dict

COMFORT_SCHOOLS = "«Жайлы мектеп» жобасы: елімізде жүздеген жаңа мектеп салынады"
RECORD = {"id": "a-1", "title": "Ақтөбеде жаңа мектеп ашылды", "body": "Мектеп ашылды."}


def test_results_dict_is_the_search_with_html_highlights(sample_index) -> None:
    results = sample_index.search("мектептер", per_page=2, page=1)
    answer = results_dict(results, 12.345)
    assert answer["took_ms"] == 12.3 and answer["total"] == results.total
    first = answer["hits"][0]
    assert first["rank"] == 1 and first["title"] == COMFORT_SCHOOLS
    assert first["highlights"]["title"] == (
        "«Жайлы <mark>мектеп</mark>» жобасы: елімізде жүздеген жаңа <mark>мектеп</mark> салынады")
    assert first["highlights"]["body"] == first["snippet_html"]
    assert json.loads(json.dumps(answer, ensure_ascii=False)) == answer  # plain data
    second_page = results_dict(sample_index.search("мектептер", per_page=2, page=2))
    assert "took_ms" not in second_page and second_page["hits"][0]["rank"] == 3


def test_stats_dict_has_iso_dates(sample_index) -> None:
    stats = stats_dict(sample_index.stats())
    assert stats["documents"] == 51
    assert stats["first_date"] == "2017-05-12"  # 033, youth boxing: Спорт • 12 Мамыр, 2017
    assert stats["rubrics"]["Білім"] >= 5


def test_analysis_dict_names_what_a_query_also_looks_up() -> None:
    answer = analysis_dict("Мемлекеттердің мен школа")
    assert answer["lang"] == "kk"
    words = {token["text"]: token for token in answer["tokens"]}
    assert words["Мемлекеттердің"]["token"] == "мемлекеттердің"
    assert words["Мемлекеттердің"]["term"] == "мемлекет"
    assert words["мен"]["stopword"] is True
    assert "школа" in words["школа"]["terms"]
    assert analysis_dict("")["tokens"] == [] and analysis_dict("")["lang"] is None


# -- read_json_body ----------------------------------------------------------------------------


def read(data: bytes) -> tuple[list[Article], list[tuple[int | None, str]]]:
    stream = read_json_body(data)
    articles = list(stream)
    return articles, [(r.line, r.reason) for r in stream.report.rejections]


def test_one_object_even_over_several_lines() -> None:
    articles, rejected = read(json.dumps(RECORD, indent=2, ensure_ascii=False).encode())
    assert [a.id for a in articles] == ["a-1"] and rejected == []


def test_an_array_gives_each_element_the_line_it_starts_on() -> None:
    body = ('[\n  {"id": "a-1", "title": "Мектеп", "body": "Мәтін"},\n'
            '  {"id": "a-2", "title": "Мектеп"},\n'
            '  {"id": "a-3", "id": "a-4", "title": "Т", "body": "М"},\n'
            '  42,\n'
            '  {"id": "a-5", "title": "Мектеп", "body": "Мәтін", "views": -3}\n]')
    articles, rejected = read(body.encode())
    assert [a.id for a in articles] == ["a-1"]
    assert rejected == [(3, "empty_text"), (4, "duplicate_keys"), (5, "broken_json"),
                        (6, "negative_views")]


def test_json_lines_reject_their_bad_lines_and_read_the_rest() -> None:
    body = b'{"id": "a-1", "title": "T", "body": "B"}\n\n{nope\n\xff\n' \
           b'{"id": "a-2", "title": "T", "body": "B"}'
    articles, rejected = read(body)
    assert [a.id for a in articles] == ["a-1", "a-2"]
    assert rejected == [(3, "broken_json"), (4, "not_utf8")]


@pytest.mark.parametrize(("body", "line"), [
    (b'[{"title": "T", "body": "B"},\n {"title": ', 2),
    (b'[{"title": "T", "body": "B"}\n {"title": "T"}]', 2),  # no comma
    (b'[{"title": "T", "body": "B"}] extra', 1),
    (b'[\n"\xff"]', 2),
])
def test_an_array_that_does_not_parse_yields_nothing(body: bytes, line: int) -> None:
    with pytest.raises(JsonBodyError) as raised:
        list(read_json_body(body))
    assert raised.value.line == line


# -- Index.wait_for_loads -------------------------------------------------------------------


def test_a_search_answers_from_the_current_state_while_another_thread_loads(
        sample_index, tmp_path) -> None:
    shutil.copytree(sample_index.path, tmp_path / "index")
    with Index.open(tmp_path / "index") as index, Index.open(tmp_path / "index") as other:
        before = index.search("балқымалы").total
        index.wait_for_loads = False
        other.add_many([Article(id="n-1", title="Балқымалы зауыт", body="Балқымалы зауыт.")])
        loading = threading.Event()
        release = threading.Event()
        real_load = index._snapshots._load

        def slow_load(*args):
            loading.set()
            release.wait(10)
            return real_load(*args)

        index._snapshots._load = slow_load
        loader = threading.Thread(target=index.refresh)
        loader.start()
        assert loading.wait(10)
        assert index.search("балқымалы").total == before == 0  # not waiting for the load
        release.set()
        loader.join(10)
        assert index.search("балқымалы").total == 1
        index.wait_for_loads = True
        assert index.wait_for_loads is True
