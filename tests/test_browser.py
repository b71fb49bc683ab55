"""The search page at ``/`` in a real headless Chromium (Debian's ``chromium``, driven by
Playwright) against the real server (uvicorn, on a free port of 127.0.0.1) over the sample
corpus plus one article whose fields are HTML and script.

Skipped with the reason when chromium, playwright or the serve packages are missing, unless
``KZSEARCH_REQUIRE_BROWSER=1`` (``.ci/run`` sets it): then they fail. Playwright never
downloads a browser here: it drives ``/usr/bin/chromium`` (or ``$KZSEARCH_CHROMIUM``).

``KZSEARCH_SCREENSHOTS=DIR`` writes ``DIR/search-page.png`` (desktop) and
``DIR/search-page-phone.png`` (390 px wide), as the README shows them:
``KZSEARCH_SCREENSHOTS=docs python -m pytest tests/test_browser.py -k screenshot``.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import threading
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("KZSEARCH_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]
REQUIRED = os.environ.get("KZSEARCH_REQUIRE_BROWSER") == "1"

# An article whose title, body, rubric and url try to inject markup and script.
HOSTILE = {
    "id": "hostile-1",
    "title": '<img src=x onerror="window.__xss=1">Байқоңырдан зымыран <b>ұшырылды</b>',
    "body": "Байқоңыр ғарыш айлағынан зымыран ұшырылды. <script>window.__xss=2</script>"
            " Ұшырылым сәтті өтті.",
    "rubric": "<i>Ғылым</i>",
    "published": "2024-02-01",
    "url": "javascript:window.__xss=3",
}

# From the sample corpus: the articles about Қазақстан in Спорт, and бюджет's dates.
SPORT_KAZAKHSTAN = {
    "Футбол: Қазақстан құрамасы Данияны 3:2 есебімен жеңді",
    "Токио Олимпиадасы: Қазақстан құрамасы сегіз қола медаль жеңіп алды",
    "Жас боксшыларымыз Азия чемпионатында бес алтын медаль алды",
    "Алматыда шахматтан халықаралық турнир өтті",
    "«Астана» футбол клубы бесінші рет қатарынан чемпион атанды",
}
BUDGET_DATES_NEWEST_FIRST = ["2024-10-14", "2024-10-09", "2023-11-23", "2022-06-15",
                             "2022-05-30", "2019-08-28", "2019-01-25"]


def _missing() -> str | None:
    """Why the browser test cannot run here, or None."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed (pip install -e '.[test]')"
    try:
        import starlette  # noqa: F401
        import uvicorn  # noqa: F401
    except ImportError:
        return "starlette/uvicorn are not installed (pip install -e '.[test]')"
    if not Path(CHROMIUM).is_file():
        return f"no chromium at {CHROMIUM} (apt-get install chromium, or set KZSEARCH_CHROMIUM)"
    return None


@pytest.fixture(scope="module")
def chromium():
    """One headless Chromium for the module (each test gets a fresh context and page)."""
    reason = _missing()
    if reason:
        if REQUIRED:
            pytest.fail(f"KZSEARCH_REQUIRE_BROWSER=1 but {reason}")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver:
        # launch() gives the browser a fresh temporary user-data-dir, removed on close.
        browser = driver.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def server(chromium, tmp_path_factory: pytest.TempPathFactory):
    """The real app under uvicorn in a thread, on a port the OS picked; yields its base URL."""
    import uvicorn

    from kzsearch import Index, read_articles, sample_corpus_path
    from kzsearch.server import ServerConfig, create_app

    folder = tmp_path_factory.mktemp("browser")
    hostile = folder / "hostile.jsonl"
    hostile.write_text(json.dumps(HOSTILE, ensure_ascii=False) + "\n", encoding="utf-8")
    index = Index.create(folder / "index")
    index.add_many([*read_articles(sample_corpus_path()), *read_articles(hostile)])
    index.close()
    app = create_app(ServerConfig(index_path=folder / "index"))
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="on")
    uv = uvicorn.Server(config)
    thread = threading.Thread(target=uv.run, daemon=True)
    thread.start()
    while not uv.started:
        if not thread.is_alive():
            pytest.fail("the server did not start")
        thread.join(0.05)
    port = uv.servers[0].sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}"
    uv.should_exit = True
    thread.join(10)


@pytest.fixture()
def page(chromium, server):
    """A fresh browser context (1280 × 900) on the search page."""
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, base_url=server)
    context.set_default_timeout(15_000)
    tab = context.new_page()
    tab.goto("/")
    yield tab
    context.close()


def search(page, text: str) -> None:
    """Type ``text`` into the search box and press Enter."""
    page.locator("#q").fill(text)
    page.locator("#q").press("Enter")


def titles(page) -> list[str]:
    return page.locator("#results .hit .hit-title").all_inner_texts()


def url_params(page) -> dict[str, str]:
    return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(page.url).query))


def test_kazakh_word_is_found_and_highlighted(page):
    from playwright.sync_api import expect

    search(page, "Қазақстан")
    expect(page.locator("#total")).to_have_text("22")
    expect(page.locator("#results .hit")).to_have_count(10)
    football = page.locator(".hit", has_text="Футбол: Қазақстан құрамасы Данияны 3:2 есебімен")
    expect(football.locator(".hit-title mark")).to_have_text("Қазақстан")
    expect(football.locator(".hit-rubric")).to_have_text("Спорт")
    expect(football.locator(".hit-date")).to_have_text("2023-03-27")
    # every hit shows why it matched: a marked form of the word in its title or snippet
    for hit in page.locator("#results .hit").all():
        marks = [m.lower() for m in hit.locator("mark").all_inner_texts()]
        assert marks and all(m.startswith("қазақ") for m in marks), marks
    assert url_params(page) == {"q": "Қазақстан"}
    assert re.fullmatch(r"[\d.]+ мс", page.locator("#took").inner_text())


def test_rubric_facet_filters_and_clears(page):
    from playwright.sync_api import expect

    search(page, "Қазақстан")
    expect(page.locator("#total")).to_have_text("22")
    sport = page.locator('#facets button.facet[data-rubric="Спорт"]')
    expect(sport).to_contain_text("5")
    sport.click()
    expect(page.locator("#total")).to_have_text("5")
    assert set(titles(page)) == SPORT_KAZAKHSTAN
    assert page.locator(".hit-rubric").all_inner_texts() == ["Спорт"] * 5
    assert url_params(page) == {"q": "Қазақстан", "rubric": "Спорт"}
    expect(sport).to_have_attribute("aria-pressed", "true")
    sport.click()  # the active facet clears the filter
    expect(page.locator("#total")).to_have_text("22")
    assert url_params(page) == {"q": "Қазақстан"}


def test_second_page_and_back(page):
    from playwright.sync_api import expect

    search(page, "Қазақстан")
    expect(page.locator("#total")).to_have_text("22")
    first = titles(page)
    page.locator('#pager a[data-page="2"]:not([rel])').click()
    expect(page.locator("#pager [aria-current=page]")).to_have_text("2")
    assert url_params(page) == {"q": "Қазақстан", "page": "2"}
    second = titles(page)
    assert len(second) == 10 and not set(first) & set(second)
    page.locator('#pager a[data-page="3"]:not([rel])').click()
    expect(page.locator("#results .hit")).to_have_count(2)  # 22 = 10 + 10 + 2
    page.go_back()
    expect(page.locator("#pager [aria-current=page]")).to_have_text("2")
    assert titles(page) == second
    page.go_back()
    expect(page.locator("#pager [aria-current=page]")).to_have_text("1")
    assert titles(page) == first and page.locator("#q").input_value() == "Қазақстан"


def test_latin_query_finds_cyrillic_articles(page):
    from playwright.sync_api import expect

    search(page, "mektep")
    expect(page.locator("#total")).to_have_text("12")
    school = page.locator(".hit", has_text="«Жайлы мектеп» жобасы: елімізде жүздеген жаңа мектеп")
    expect(school.locator(".hit-title mark")).to_have_text(["мектеп", "мектеп"])
    marks = page.locator("#results mark").all_inner_texts()
    assert marks and all(re.fullmatch(r"[а-яәғқңөұүһі]+", m.lower()) for m in marks), marks


def test_completion_while_typing_with_keyboard(page):
    from playwright.sync_api import expect

    page.locator("#q").press_sequentially("мект", delay=30)
    options = page.locator("#completions li")
    expect(options.first).to_have_text("мектеп")
    assert all(o.startswith("мект") for o in (t.lower() for t in options.all_inner_texts()))
    page.locator("#q").press("Escape")
    expect(page.locator("#completions")).to_be_hidden()
    page.locator("#q").press_sequentially("е", delay=30)  # "мекте": the list comes back
    expect(options.first).to_have_text("мектеп")
    page.locator("#q").press("ArrowDown")
    expect(options.first).to_have_class("active")
    page.locator("#q").press("Enter")
    expect(page.locator("#total")).to_have_text("12")
    expect(page.locator("#completions")).to_be_hidden()
    assert url_params(page) == {"q": "мектеп"}


def test_suggestion_is_a_link(page):
    from playwright.sync_api import expect

    search(page, "бюжет")
    expect(page.locator("#empty")).to_be_visible()
    link = page.locator("#suggestion a")
    expect(link).to_have_text("бюджет")
    link.click()
    expect(page.locator("#total")).to_have_text("7")
    assert url_params(page) == {"q": "бюджет"}


def test_sort_and_year_and_month_facets(page):
    from playwright.sync_api import expect

    search(page, "бюджет")
    expect(page.locator("#total")).to_have_text("7")
    page.locator("#sort").select_option("date:desc")
    expect(page.locator(".hit-date").first).to_have_text(BUDGET_DATES_NEWEST_FIRST[0])
    assert page.locator(".hit-date").all_inner_texts() == BUDGET_DATES_NEWEST_FIRST
    assert url_params(page) == {"q": "бюджет", "sort": "date:desc"}
    page.locator('#facets button.facet[data-year="2022"]').click()
    expect(page.locator("#total")).to_have_text("2")
    assert page.locator(".hit-date").all_inner_texts() == ["2022-06-15", "2022-05-30"]
    months = page.locator("#facets button.facet[data-month]")
    expect(months).to_have_count(2)
    page.locator('#facets button.facet[data-month="2022-05"]').click()
    expect(page.locator("#total")).to_have_text("1")
    assert url_params(page) == {"q": "бюджет", "sort": "date:desc",
                                "since": "2022-05", "until": "2022-05"}
    page.reload()  # the whole state lives in the URL
    expect(page.locator("#total")).to_have_text("1")
    expect(page.locator("#sort")).to_have_value("date:desc")


def test_error_shows_the_api_message(page, server):
    from playwright.sync_api import expect

    query = "?" + urllib.parse.urlencode({"q": "бюджет", "since": "бүгін"})
    try:
        urllib.request.urlopen(server + "/search" + query)
        pytest.fail("the API accepted a bad date")
    except urllib.error.HTTPError as error:
        assert error.code == 400
        message = json.loads(error.read())["message"]
    page.goto("/" + query)
    expect(page.locator("#error")).to_have_text(message)
    expect(page.locator("#results .hit")).to_have_count(0)


def test_article_fields_cannot_inject_markup(page):
    from playwright.sync_api import expect

    search(page, "зымыран")
    expect(page.locator("#total")).to_have_text("1")
    title = page.locator(".hit-title")
    expect(title).to_have_text(HOSTILE["title"])  # shown as text, not parsed
    expect(title.locator("mark")).to_have_text("зымыран")
    expect(page.locator(".hit-rubric")).to_have_text("<i>Ғылым</i>")
    expect(page.locator(".hit-snippet")).to_contain_text("<script>")
    assert page.locator("#results img, #results script, #results b, #results i").count() == 0
    assert not title.get_attribute("href").startswith("javascript:")
    assert page.evaluate("window.__xss") is None


def test_phone_width_and_screenshots(chromium, server, page, tmp_path):
    """Readable at 390 px: nothing wider than the screen, filters above the hits; the desktop
    and phone screenshots (to ``$KZSEARCH_SCREENSHOTS`` when set)."""
    from playwright.sync_api import expect

    folder = Path(os.environ.get("KZSEARCH_SCREENSHOTS") or tmp_path)
    search(page, "мемлекет")
    expect(page.locator("#results .hit").first).to_be_visible()
    page.locator("#q").blur()
    page.screenshot(path=folder / "search-page.png")

    phone = chromium.new_context(viewport={"width": 390, "height": 844}, base_url=server,
                                 device_scale_factor=1, is_mobile=True, has_touch=True)
    tab = phone.new_page()
    tab.goto("/?q=" + urllib.parse.quote("мемлекет"))
    expect(tab.locator("#results .hit").first).to_be_visible()
    assert tab.evaluate("document.documentElement.scrollWidth") <= 390
    facets, results = tab.locator("#facets").bounding_box(), tab.locator("#results").bounding_box()
    assert facets["y"] + facets["height"] <= results["y"]
    assert results["width"] <= 390
    tab.screenshot(path=folder / "search-page-phone.png")
    phone.close()
    for name in ("search-page.png", "search-page-phone.png"):
        assert (folder / name).read_bytes().startswith(b"\x89PNG")
