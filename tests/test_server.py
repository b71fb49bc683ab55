"""``kzsearch serve``'s HTTP API (kzsearch.server) through Starlette's in-process client,
over copies of the sample index (tests/conftest.py's ``sample_index``).

Expected hits are the sample's articles (``kzsearch/data/sample/NNN-*.txt``), by title.
"""

from __future__ import annotations

import json
import math
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("starlette")
pytest.importorskip("httpx")

from click.testing import CliRunner  # noqa: E402
from starlette.testclient import TestClient  # noqa: E402

from kzsearch import Article, Index  # noqa: E402
from kzsearch.cli import main  # noqa: E402
from kzsearch.server import ServerConfig, create_app  # noqa: E402

BUDGET_2019 = "Үкімет 2020-2022 жылдарға арналған республикалық бюджет жобасын мақұлдады"
BUDGET_2019_ID = "e3eea83d897ab3e4"  # 001, Экономика, 28 Тамыз 2019, 3 418 views
BUDGET_2022 = "Мәжіліс республикалық бюджетке түзетулерді мақұлдады"
BUDGET_2025 = "2025 жылғы бюджет: мемлекет тиімсіз шығыстарды қысқартады"
BUDGET_RU = "Мажилис одобрил республиканский бюджет на 2024–2026 годы"
BRIDGE_LATIN = "Pavlodarda Ertıs özenı arqyly jaña köpır paidalanuğa berıldı"
UN_2021 = "Қазақстан БҰҰ-ға ядролық қарусыздану жөнінде жаңа бастамалар ұсынды"
COMFORT_SCHOOLS = "«Жайлы мектеп» жобасы: елімізде жүздеген жаңа мектеп салынады"
ROBOTICS = "Ауыл мектептерінде робототехника үйірмелері ашылды"
LIBRARY_BOOKS = "Мектеп кітапханаларына 500 мың жаңа кітап жеткізілді"

API_KEY = "s3cret-api-key"
READ_KEY = "read-only-key"
WRITE = {"Authorization": f"Bearer {API_KEY}"}

# an article the sample does not have: its words (балқымалы, ұшқыш) are nowhere else
NEW_ARTICLE = {
    "id": "served-1",
    "title": "Ақтөбеде балқымалы ұшқыштар мектебі ашылды",
    "body": "Ақтөбе облысында жаңа ұшқыштар мектебі ашылды. Мектепте балқымалы"
            " металдан жасалған ұшақ үлгілері бар.",
    "rubric": "Білім",
    "published": "2024-11-02",
}


def titles(answer: dict) -> list[str]:
    return [hit["title"] for hit in answer["hits"]]


def copy_of(sample_index: Index, target: Path) -> Path:
    """A copy of the sample index folder (modes kept: the trust checks pass)."""
    shutil.copytree(sample_index.path, target)
    return target


@pytest.fixture(scope="module")
def read_path(sample_index: Index, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the sample index that no test writes to."""
    return copy_of(sample_index, tmp_path_factory.mktemp("served") / "index")


@pytest.fixture(scope="module")
def client(read_path: Path) -> Iterator[TestClient]:
    """The reads of the sample, with writes disabled (no API key)."""
    with TestClient(create_app(ServerConfig(read_path))) as client:
        yield client


@pytest.fixture()
def write_path(sample_index: Index, tmp_path: Path) -> Path:
    return copy_of(sample_index, tmp_path / "index")


@pytest.fixture()
def writer(write_path: Path) -> Iterator[TestClient]:
    """A server of a fresh copy of the sample with an API key."""
    config = ServerConfig(write_path, api_key=API_KEY, refresh_interval=0.1)
    with TestClient(create_app(config)) as client:
        yield client


def error_of(response, status: int, code: str) -> str:
    """The JSON error's message, once its status and code are the expected ones."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    answer = response.json()
    assert answer["code"] == code, answer
    assert "Traceback" not in response.text
    return answer["message"]


# -- /search -------------------------------------------------------------------------------


def test_a_kazakh_word_finds_its_articles_with_the_word_marked(client) -> None:
    answer = client.get("/search", params={"q": "мектептер"}).json()
    assert answer["query"] == "мектептер"
    assert titles(answer)[0] == COMFORT_SCHOOLS
    first = answer["hits"][0]
    assert first["highlights"]["title"] == (
        "«Жайлы <mark>мектеп</mark>» жобасы: елімізде жүздеген жаңа <mark>мектеп</mark> салынады")
    assert "<mark>" in first["highlights"]["body"]
    assert first["rubric"] == "Білім"
    assert set(first) >= {"id", "title", "rubric", "published", "views", "url", "score",
                          "highlights"}
    assert set(answer) >= {"query", "total", "page", "per_page", "pages", "took_ms", "hits",
                           "facets", "suggestion"}


def test_search_answers_what_the_library_answers(client, sample_index) -> None:
    answer = client.get("/search", params={"q": "бюджет"}).json()
    library = sample_index.search("бюджет")
    assert [hit["id"] for hit in answer["hits"]] == [hit.id for hit in library.hits]
    assert set(titles(answer)[:4]) == {BUDGET_2019, BUDGET_2022, BUDGET_2025, BUDGET_RU}
    assert answer["total"] == library.total
    budget = next(hit for hit in answer["hits"] if hit["title"] == BUDGET_2019)
    assert budget["published"] == "2019-08-28" and budget["views"] == 3418
    assert budget["highlights"]["title"] == BUDGET_2019.replace("бюджет", "<mark>бюджет</mark>")


def test_a_latin_query_finds_cyrillic_articles(client) -> None:
    answer = client.get("/search", params={"q": "qazaqstan", "per_page": 30}).json()
    un = next(hit for hit in answer["hits"] if hit["title"] == UN_2021)
    assert un["highlights"]["title"].startswith("<mark>Қазақстан</mark> БҰҰ-ға")


def test_json_is_utf8_not_escaped(client) -> None:
    response = client.get("/search", params={"q": "бюджет", "per_page": 1})
    assert "бюджет".encode() in response.content
    assert b"\\u04" not in response.content


def test_facets_count_the_whole_match_set(client) -> None:
    answer = client.get("/search", params={"q": "мектептер", "per_page": 1}).json()
    assert len(answer["hits"]) == 1
    facets = answer["facets"]
    assert set(facets) == {"rubric", "year", "month", "lang"}
    assert sum(facets["rubric"].values()) == answer["total"]
    assert facets["rubric"]["Білім"] >= 3
    counts = list(facets["rubric"].values())
    assert counts == sorted(counts, reverse=True)
    assert all(len(month) == 7 for month in facets["month"])


def test_rubric_filters_in_any_case_and_by_russian_name(client) -> None:
    education = client.get("/search", params={"q": "мектептер", "rubric": "білім",
                                               "per_page": 20}).json()
    assert {hit["rubric"] for hit in education["hits"]} == {"Білім"}
    assert titles(education)[0] == COMFORT_SCHOOLS
    assert set(titles(education)[1:3]) == {ROBOTICS, LIBRARY_BOOKS}
    russian = client.get("/search", params={"q": "мектептер", "rubric": "Образование",
                                            "per_page": 20}).json()
    assert titles(russian) == titles(education)
    both = client.get("/search", params=[("q", "мектептер"), ("rubric", "Білім"),
                                         ("rubric", "Қоғам"), ("per_page", "20")]).json()
    assert {hit["rubric"] for hit in both["hits"]} == {"Білім", "Қоғам"}


def test_dates_and_sort(client) -> None:
    ranged = client.get("/search", params={"q": "бюджет", "since": "2022-06-15",
                                           "until": "2023-11-23"}).json()
    assert {BUDGET_2022, BUDGET_RU} <= set(titles(ranged))
    assert BUDGET_2025 not in titles(ranged)
    assert all("2022-06-15" <= hit["published"] <= "2023-11-23" for hit in ranged["hits"])
    newest = client.get("/search", params={"q": "бюджет", "sort": "date:desc"}).json()
    assert titles(newest)[:4] == [BRIDGE_LATIN, BUDGET_2025, BUDGET_RU, BUDGET_2022]
    most_read = client.get("/search", params={"q": "бюджет", "sort": "views"}).json()
    assert titles(most_read)[0] == BUDGET_2022  # 12 430 views


def test_pages_are_stable_and_add_up(client) -> None:
    everything = client.get("/search", params={"q": "Қазақстан", "per_page": 100}).json()
    paged: list[str] = []
    page = 1
    while True:
        answer = client.get("/search", params={"q": "Қазақстан", "page": page,
                                               "per_page": 3}).json()
        assert answer["page"] == page and answer["per_page"] == 3
        assert answer["pages"] == math.ceil(everything["total"] / 3)
        if not answer["hits"]:
            break
        paged += titles(answer)
        page += 1
    assert paged == titles(everything) and len(paged) == everything["total"] > 3


def test_the_suggestion_and_match_modes(client) -> None:
    assert client.get("/search", params={"q": "бюджетт"}).json()["suggestion"] == "бюджет"
    assert client.get("/search", params={"q": "футбол"}).json()["suggestion"] is None
    every = client.get("/search", params={"q": "бюджет мектеп", "match": "all"}).json()
    some = client.get("/search", params={"q": "бюджет мектеп", "match": "any"}).json()
    assert every["total"] < some["total"]


def test_an_empty_query_finds_nothing(client) -> None:
    answer = client.get("/search").json()
    assert answer["total"] == 0 and answer["hits"] == []


@pytest.mark.parametrize(("params", "code", "mentions"), [
    ({"q": "бюджет", "since": "2024-13"}, "bad_date", "since"),
    ({"q": "бюджет", "until": "вчера"}, "bad_date", "until"),
    ({"q": "бюджет", "since": "2024", "until": "2023"}, "bad_date", "after"),
    ({"q": "бюджет", "sort": "-date"}, "bad_parameter", "sort"),
    ({"q": "бюджет", "page": "0"}, "bad_parameter", "page"),
    ({"q": "бюджет", "page": "екі"}, "bad_parameter", "page"),
    ({"q": "бюджет", "per_page": "1000"}, "bad_parameter", "per_page"),
    ({"q": "бюджет", "recency": "2"}, "bad_parameter", "recency"),
    ({"q": "бюджет", "recency": "nan"}, "bad_parameter", "recency"),
    ({"q": "бюджет", "match": "most"}, "bad_parameter", "match"),
    ({"q": "мектеп " * 200}, "bad_query", "1000 characters"),
    ({"q": "б " * 300}, "bad_query", "at most 256"),
])
def test_bad_parameters_are_400_with_a_message(client, params, code, mentions) -> None:
    message = error_of(client.get("/search", params=params), 400, code)
    assert mentions in message


def test_a_url_too_long_is_refused(client) -> None:
    response = client.get("/search", params={"q": "бюджет", "x": "ә" * 10_000})
    error_of(response, 414, "too_large")


# -- /complete, /articles/{id}, similar, stats, analyze, health --------------------------------


def test_complete_keeps_the_earlier_words(client, sample_index) -> None:
    answer = client.get("/complete", params={"q": "жаңа мемл", "limit": 2}).json()
    assert answer == {"query": "жаңа мемл",
                      "completions": ["жаңа мемлекеттік", "жаңа мемлекет"]}
    latin = client.get("/complete", params={"q": "qazaq"}).json()["completions"]
    assert latin == sample_index.complete("qazaq") and latin[0] == "Қазақстан"
    error_of(client.get("/complete", params={"q": "ш", "limit": "0"}), 400, "bad_parameter")


def test_completion_without_word_files_is_503_naming_the_fix(
        sample_index, tmp_path, monkeypatch) -> None:
    """An index written before the completion word files: /complete says what to run
    (not a 500), the rest of the API works, and the fix is seen without a restart."""
    from kzsearch.search import completion

    path = copy_of(sample_index, tmp_path / "index")
    for file in path.glob("MAIN_*.kzwords"):
        file.unlink()
    monkeypatch.setattr(completion, "BUILD_IN_READER", 5)  # the sample holds more articles
    with TestClient(create_app(ServerConfig(path))) as client:
        message = error_of(client.get("/complete", params={"q": "мемл"}), 503, "words_missing")
        assert "kzsearch index words" in message and str(path) not in message
        assert titles(client.get("/search", params={"q": "бюджет"}).json())
        result = CliRunner().invoke(main, ["index", "words", "--index", str(path)])
        assert result.exit_code == 0, result.output
        answer = client.get("/complete", params={"q": "мемл"})
        assert answer.status_code == 200, answer.text
        assert answer.json()["completions"] == sample_index.complete("мемл")


def test_an_article_by_id(client) -> None:
    article = client.get(f"/articles/{BUDGET_2019_ID}").json()
    assert article["title"] == BUDGET_2019
    assert article["rubric"] == "Экономика" and article["published"] == "2019-08-28"
    assert article["views"] == 3418 and article["body"].startswith("Нұр-Сұлтанда өткен")
    assert set(article) >= {"id", "title", "rubric", "published", "views", "url", "lang",
                            "body"}


def test_an_unknown_id_is_404(client) -> None:
    message = error_of(client.get("/articles/no-such-article"), 404, "not_found")
    assert "no-such-article" in message
    error_of(client.get("/articles/no-such-article/similar"), 404, "not_found")
    error_of(client.get("/no/such/route"), 404, "not_found")


def test_similar_articles(client) -> None:
    answer = client.get(f"/articles/{BUDGET_2019_ID}/similar", params={"per_page": 3}).json()
    assert answer["id"] == BUDGET_2019_ID
    assert titles(answer)[0] == BUDGET_2022  # the Mazhilis' amendments to that budget
    assert BUDGET_2019 not in titles(answer)
    assert len(answer["hits"]) == 3 and answer["total"] >= 3
    assert answer["query"]  # the terms searched
    filtered = client.get(f"/articles/{BUDGET_2019_ID}/similar",
                          params={"since": "2023"}).json()
    assert all(hit["published"] >= "2023-01-01" for hit in filtered["hits"])
    error_of(client.get(f"/articles/{BUDGET_2019_ID}/similar", params={"since": "x"}),
             400, "bad_date")


def test_stats_are_the_cli_stats(client, read_path) -> None:
    answer = client.get("/stats").json()
    shown = CliRunner().invoke(main, ["stats", "--json", "--index", str(read_path)])
    assert answer == json.loads(shown.stdout)
    assert answer["documents"] == 51 and answer["rubrics"]["Білім"] >= 5
    assert answer["first_date"] <= "2019-08-28" <= answer["last_date"]


def test_analyze_shows_each_token_and_its_term(client) -> None:
    answer = client.get("/analyze", params={"text": "Мемлекеттердің qazaqstan"}).json()
    assert answer["text"] == "Мемлекеттердің qazaqstan" and answer["lang"] == "kk"
    first, second = answer["tokens"]
    assert first["text"] == "Мемлекеттердің" and first["term"] == "мемлекет"
    assert second["text"] == "qazaqstan" and "қазақстан" in second["terms"]


def test_health(client) -> None:
    answer = client.get("/health").json()
    assert answer["status"] == "ok" and answer["documents"] == 51
    assert isinstance(answer["generation"], int)


def test_the_page_is_served(client) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert b'id="q"' in response.content


# -- a missing index -------------------------------------------------------------------------


def test_a_missing_index_is_503_until_it_is_built(tmp_path, articles) -> None:
    path = tmp_path / "later"
    with TestClient(create_app(ServerConfig(path, refresh_interval=0.1))) as client:
        for route in ("/search?q=бюджет", "/health", "/stats", "/complete?q=бю",
                      f"/articles/{BUDGET_2019_ID}"):
            error_of(client.get(route), 503, "index_missing")
        assert client.get("/").status_code == 200
        with Index.create(path) as index:
            index.add_many(articles[:3])
        deadline = time.monotonic() + 10  # the refresher may be loading the empty commit
        while (documents := client.get("/health").json().get("documents")) != 3:
            assert time.monotonic() < deadline, documents
            time.sleep(0.05)
        assert client.get("/search", params={"q": "бюджет"}).status_code == 200


# -- writes and keys ---------------------------------------------------------------------------


def test_writes_are_disabled_without_an_api_key(client) -> None:
    message = error_of(client.post("/articles", json=NEW_ARTICLE, headers=WRITE), 403,
                       "writes_disabled")
    assert "--api-key" in message
    error_of(client.delete(f"/articles/{BUDGET_2019_ID}", headers=WRITE), 403,
             "writes_disabled")
    assert client.get(f"/articles/{BUDGET_2019_ID}").status_code == 200


def test_writes_need_the_right_key(writer) -> None:
    missing = writer.post("/articles", json=NEW_ARTICLE)
    error_of(missing, 401, "unauthorized")
    assert missing.headers["www-authenticate"].startswith("Bearer")
    error_of(writer.post("/articles", json=NEW_ARTICLE, headers={"Authorization": API_KEY}),
             401, "unauthorized")  # not a Bearer header
    error_of(writer.post("/articles", json=NEW_ARTICLE,
                         headers={"Authorization": "Bearer wrong"}), 403, "forbidden")
    error_of(writer.delete(f"/articles/{BUDGET_2019_ID}",
                           headers={"Authorization": "Bearer wrong"}), 403, "forbidden")
    assert writer.get("/search", params={"q": "балқымалы"}).json()["total"] == 0
    assert writer.post("/articles", json=NEW_ARTICLE, headers=WRITE).status_code == 200


def test_a_posted_article_is_found_by_the_next_search(writer) -> None:
    report = writer.post("/articles", json=NEW_ARTICLE, headers=WRITE).json()
    assert report == {"added": 1, "updated": 0, "duplicates": 0, "skipped": 0, "errors": [],
                      "rejected": {}, "warnings": []}
    answer = writer.get("/search", params={"q": "ұшқыштарының"}).json()
    assert titles(answer) == [NEW_ARTICLE["title"]]
    assert answer["hits"][0]["highlights"]["title"] == (
        "Ақтөбеде балқымалы <mark>ұшқыштар</mark> мектебі ашылды")
    again = writer.post("/articles", json={**NEW_ARTICLE, "title": "Ұшқыштар мектебі"},
                        headers=WRITE).json()
    assert again["added"] == 1 and again["updated"] == 1
    assert writer.get("/articles/served-1").json()["title"] == "Ұшқыштар мектебі"


def test_html_in_an_article_is_escaped_in_its_highlights(writer) -> None:
    article = {"id": "html-1", "title": "Ұшқыштар <script>alert(1)</script> & «бағдарлама»",
               "body": "Ұшқыштар туралы <b>мақала</b>."}
    assert writer.post("/articles", json=article, headers=WRITE).json()["added"] == 1
    hit = writer.get("/search", params={"q": "ұшқыш"}).json()["hits"][0]
    assert hit["highlights"]["title"] == ("<mark>Ұшқыштар</mark> &lt;script&gt;alert(1)"
                                          "&lt;/script&gt; &amp; «бағдарлама»")
    assert hit["highlights"]["body"] == "<mark>Ұшқыштар</mark> туралы &lt;b&gt;мақала&lt;/b&gt;."


def test_an_array_and_json_lines_with_bad_records_report_their_lines(writer) -> None:
    array = json.dumps([
        NEW_ARTICLE,
        {"id": "no-body", "title": "Тақырып"},
        {"id": "bad-date", "title": "Тақырып", "body": "Мәтін", "published": "31 Ақпан 2024"},
        "not an object",
        {**NEW_ARTICLE, "id": "served-2"},
    ], ensure_ascii=False, indent=1)
    report = writer.post("/articles", content=array.encode(), headers=WRITE).json()
    assert report["added"] == 2 and report["skipped"] == 3
    lines = array.splitlines()
    starts = {e["record"]: e["line"] for e in report["errors"]}
    assert '"id": "no-body"' in lines[starts[2]]  # the line after the element's "{"
    assert [e["reason"] for e in report["errors"]] == ["empty_text", "bad_date", "broken_json"]
    assert lines[starts[4] - 1].strip() == '"not an object",'
    body = "\n".join([json.dumps({**NEW_ARTICLE, "id": "served-3"}, ensure_ascii=False),
                      "{broken", "", json.dumps({"title": "Жоқ"})]) + "\n"
    report = writer.post("/articles", content=body.encode(), headers=WRITE).json()
    assert report["added"] == 1
    assert [(e["line"], e["reason"]) for e in report["errors"]] == [
        (2, "broken_json"), (4, "empty_text")]
    answer = writer.get("/search", params={"q": "балқымалы", "per_page": 10}).json()
    assert {hit["id"] for hit in answer["hits"]} == {"served-1", "served-2", "served-3"}


def test_a_body_that_does_not_parse_is_400(writer) -> None:
    message = error_of(writer.post("/articles", content=b'[{"title": "a", "body": "b"},\n{',
                                   headers=WRITE), 400, "bad_body")
    assert "line 2" in message
    error_of(writer.post("/articles", content=b"  \n", headers=WRITE), 400, "bad_body")


def test_a_body_too_large_is_413(write_path) -> None:
    config = ServerConfig(write_path, api_key=API_KEY, max_body_bytes=1000)
    with TestClient(create_app(config)) as client:
        big = {**NEW_ARTICLE, "body": "мәтін " * 400}
        error_of(client.post("/articles", json=big, headers=WRITE), 413, "too_large")

        def chunks() -> Iterator[bytes]:  # no Content-Length: counted as it comes
            for _ in range(20):
                yield b" " * 100

        error_of(client.post("/articles", content=chunks(), headers=WRITE), 413, "too_large")
        assert client.post("/articles", json=NEW_ARTICLE, headers=WRITE).status_code == 200


def test_an_id_with_a_slash_is_reached_percent_encoded(writer) -> None:
    article = {**NEW_ARTICLE, "id": "egemen.kz/article/123"}
    assert writer.post("/articles", json=article, headers=WRITE).json()["added"] == 1
    found = writer.get("/articles/egemen.kz%2Farticle%2F123").json()
    assert found["id"] == "egemen.kz/article/123"
    similar = writer.get("/articles/egemen.kz%2Farticle%2F123/similar").json()
    assert similar["id"] == "egemen.kz/article/123"
    deleted = writer.delete("/articles/egemen.kz%2Farticle%2F123", headers=WRITE).json()
    assert deleted == {"deleted": "egemen.kz/article/123"}


def test_delete_by_id(writer) -> None:
    answer = writer.delete(f"/articles/{BUDGET_2019_ID}", headers=WRITE)
    assert answer.json() == {"deleted": BUDGET_2019_ID}
    error_of(writer.get(f"/articles/{BUDGET_2019_ID}"), 404, "not_found")
    assert BUDGET_2019 not in titles(writer.get("/search", params={"q": "бюджет"}).json())
    error_of(writer.delete(f"/articles/{BUDGET_2019_ID}", headers=WRITE), 404, "not_found")


def test_a_write_waits_for_another_writer_then_503(write_path) -> None:
    from kzsearch import locking

    config = ServerConfig(write_path, api_key=API_KEY, lock_timeout=0.2)
    with TestClient(create_app(config)) as client:
        script = ("import sys, time\nfrom pathlib import Path\nfrom kzsearch import locking\n"
                  "with locking.writer_lock(Path(sys.argv[1]), 5):\n"
                  "    print('held', flush=True)\n    time.sleep(30)\n")
        holder = subprocess.Popen([sys.executable, "-c", script, str(write_path)],
                                  stdout=subprocess.PIPE, text=True)
        try:
            assert holder.stdout is not None and holder.stdout.readline() == "held\n"
            message = error_of(client.post("/articles", json=NEW_ARTICLE, headers=WRITE),
                               503, "locked")
            assert "another writer" in message
            error_of(client.delete(f"/articles/{BUDGET_2019_ID}", headers=WRITE), 503, "locked")
        finally:
            holder.kill()
            holder.wait()
        assert client.post("/articles", json=NEW_ARTICLE, headers=WRITE).status_code == 200
    assert locking.lock_file(write_path).exists()


def test_a_read_key_guards_reads_but_not_the_page_or_health(read_path) -> None:
    config = ServerConfig(read_path, api_key=API_KEY, read_key=READ_KEY)
    with TestClient(create_app(config)) as client:
        error_of(client.get("/search", params={"q": "бюджет"}), 401, "unauthorized")
        error_of(client.get("/search", params={"q": "бюджет"},
                            headers={"Authorization": "Bearer nope"}), 403, "forbidden")
        for key in (READ_KEY, API_KEY):
            found = client.get("/search", params={"q": "бюджет"},
                               headers={"Authorization": f"Bearer {key}"})
            assert found.status_code == 200 and found.json()["total"] > 0
        error_of(client.post("/articles", json=NEW_ARTICLE,
                             headers={"Authorization": f"Bearer {READ_KEY}"}), 403, "forbidden")
        error_of(client.get("/complete", params={"q": "мемл"}), 401, "unauthorized")
        error_of(client.get(f"/articles/{BUDGET_2019_ID}"), 401, "unauthorized")
        assert client.get("/").status_code == 200
        assert client.get("/health").status_code == 200


# -- CORS ------------------------------------------------------------------------------------


def test_cors_only_for_the_origins_named(read_path) -> None:
    config = ServerConfig(read_path, cors_origins=("https://news.example.kz",))
    with TestClient(create_app(config)) as client:
        allowed = client.get("/search", params={"q": "бюджет"},
                             headers={"Origin": "https://news.example.kz"})
        assert allowed.headers["access-control-allow-origin"] == "https://news.example.kz"
        other = client.get("/search", params={"q": "бюджет"},
                           headers={"Origin": "https://evil.example"})
        assert "access-control-allow-origin" not in other.headers
        preflight = client.options("/articles", headers={
            "Origin": "https://news.example.kz", "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type"})
        assert preflight.status_code == 200
        assert "POST" in preflight.headers["access-control-allow-methods"]


def test_no_cors_without_origins(client) -> None:
    answer = client.get("/search", params={"q": "бюджет"},
                        headers={"Origin": "https://news.example.kz"})
    assert "access-control-allow-origin" not in answer.headers


# -- other processes' commits, failures ----------------------------------------------------


def test_another_writers_commit_is_served_without_a_restart(writer, write_path) -> None:
    assert writer.get("/search", params={"q": "балқымалы"}).json()["total"] == 0
    with Index.open(write_path) as other:  # another Index object: another writer
        other.add_many([Article(id="other-1", title="Балқымалы металл зауыты",
                                body="Павлодарда балқымалы металл зауыты салынады.")])
    deadline = time.monotonic() + 10
    found = 0
    while time.monotonic() < deadline:
        found = writer.get("/search", params={"q": "балқымалы"}).json()["total"]
        if found:
            break
        time.sleep(0.05)
    assert found == 1


def test_the_background_thread_loads_new_commits(writer, write_path) -> None:
    index = writer.app.state.api.holder.get()
    before = index._current_snapshot().version.generation
    with Index.open(write_path) as other:
        other.add_many([Article(id="other-2", title="Жаңа зауыт", body="Зауыт салынады.")])
    deadline = time.monotonic() + 10
    while index._current_snapshot().version.generation == before:  # no search asks
        assert time.monotonic() < deadline, "the refresher never loaded the commit"
        time.sleep(0.05)


def test_an_unexpected_failure_is_a_json_500_without_a_traceback(read_path, monkeypatch) -> None:
    app = create_app(ServerConfig(read_path))
    with TestClient(app, raise_server_exceptions=False) as client:
        index = app.state.api.holder.get()

        def broken(*args: object, **kwargs: object) -> None:
            raise RuntimeError("a bug with a secret path /srv/index")

        monkeypatch.setattr(index, "search", broken)
        response = client.get("/search", params={"q": "бюджет"})
        assert error_of(response, 500, "internal") == "internal error"
        assert "/srv/index" not in response.text


def test_method_not_allowed_is_json(client) -> None:
    error_of(client.put("/search"), 405, "method_not_allowed")


# -- configuration, the command, the core without the web layer ------------------------------


def test_the_configuration_round_trips_through_json(tmp_path) -> None:
    config = ServerConfig(tmp_path, api_key="k", cors_origins=("https://a.kz",),
                          lock_timeout=1.5)
    assert ServerConfig.from_json(config.to_json()) == config
    with pytest.raises(ValueError, match="unknown"):
        ServerConfig.from_json(json.dumps({"index_path": "x", "apikey": "k"}))
    with pytest.raises(ValueError, match="empty"):
        ServerConfig(tmp_path, api_key=" ")


def test_app_from_environment_reads_the_configuration(read_path, monkeypatch) -> None:
    from kzsearch.server import app_from_environment
    from kzsearch.server.config import CONFIG_ENV

    monkeypatch.setenv(CONFIG_ENV, ServerConfig(read_path, api_key=API_KEY).to_json())
    with TestClient(app_from_environment()) as client:
        assert client.get("/health").json()["documents"] == 51
        error_of(client.post("/articles", json=NEW_ARTICLE), 401, "unauthorized")


def test_serve_help_and_a_missing_extra(monkeypatch) -> None:
    runner = CliRunner()
    shown = runner.invoke(main, ["serve", "--help"])
    assert shown.exit_code == 0
    for option in ("--host", "--port", "--workers", "--api-key", "--read-key", "--cors"):
        assert option in shown.output
    assert "127.0.0.1" in shown.output
    monkeypatch.setitem(sys.modules, "uvicorn", None)  # as if it were not installed
    missing = runner.invoke(main, ["serve"])
    assert missing.exit_code == 1
    assert "pip install 'kzsearch[serve]'" in missing.output


def test_serve_starts_uvicorn_with_the_configuration(tmp_path, monkeypatch) -> None:
    import uvicorn

    from kzsearch.server.config import CONFIG_ENV

    ran: dict = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: ran.update(app=app, **options))
    monkeypatch.delenv(CONFIG_ENV, raising=False)
    result = CliRunner().invoke(main, ["serve", "--index", str(tmp_path / "none"),
                                       "--host", "0.0.0.0", "--workers", "2",
                                       "--api-key", "k", "--cors", "https://a.kz"])
    assert result.exit_code == 0, result.output
    assert ran["factory"] is True and ran["workers"] == 2 and ran["host"] == "0.0.0.0"
    config = ServerConfig.from_environment()
    assert config.api_key == "k" and config.cors_origins == ("https://a.kz",)
    assert config.index_path == (tmp_path / "none").absolute()
    assert "503" in result.stderr and "warning" in result.stderr


def test_the_core_does_not_import_the_web_layer() -> None:
    code = ("import sys, kzsearch, kzsearch.search, kzsearch.cli\n"
            "from kzsearch import Index\n"
            "bad = [m for m in sys.modules if m.split('.')[0] in"
            " ('starlette', 'uvicorn', 'httpx') or m.startswith('kzsearch.server')]\n"
            "print(bad)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, cwd=Path(__file__).resolve().parents[1])
    assert done.stdout.strip() == "[]"


def test_kzsearch_serve_with_two_workers_over_real_http(write_path) -> None:
    """The command itself: uvicorn, two worker processes, the configuration through the
    environment; a write to one worker is seen by searches, whichever worker answers."""
    import os
    import signal
    import socket

    import httpx

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    root = Path(__file__).resolve().parents[1]
    env = {**os.environ, "PYTHONPATH": str(root), "KZSEARCH_API_KEY": API_KEY}
    server = subprocess.Popen(
        [sys.executable, "-m", "kzsearch", "serve", "--index", str(write_path),
         "--port", str(port), "--workers", "2"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert server.poll() is None, server.stderr.read() if server.stderr else ""
            try:
                if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.2)
        found = httpx.get(f"{base}/search", params={"q": "мектептер"}, timeout=10).json()
        assert found["hits"][0]["title"] == COMFORT_SCHOOLS
        added = httpx.post(f"{base}/articles", json=NEW_ARTICLE, headers=WRITE, timeout=30)
        assert added.json()["added"] == 1
        in_a_row = 0  # answers that have the article, one after the other, any worker
        deadline = time.monotonic() + 10
        while in_a_row < 8 and time.monotonic() < deadline:
            answer = httpx.get(f"{base}/search", params={"q": "балқымалы"}, timeout=10).json()
            in_a_row = in_a_row + 1 if answer["total"] == 1 else 0
            time.sleep(0.05)
        assert in_a_row == 8
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
