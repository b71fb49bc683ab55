"""The Starlette application of ``kzsearch serve``: routes, limits, CORS, the page.

=======================================  ===========================================
route                                    answer
=======================================  ===========================================
``GET /``                                the search page (``page.html``)
``GET /search?q=&rubric=&since=&until=   a page of hits, facets, suggestion
&sort=&recency=&match=&page=&per_page=``
``GET /complete?q=&limit=``              completions of the last word typed
``GET /articles/{id}``                   one article (404 if no article has the id;
                                         an id with "/" is sent as ``%2F``)
``GET /articles/{id}/similar?rubric=     related articles, as ``/search`` answers
&since=&until=&per_page=``
``GET /stats``                           ``kzsearch stats --json``
``GET /analyze?text=``                   each token and its index term
``GET /health``                          ``{"status": "ok", "documents", "generation"}``
``POST /articles`` (API key)             upsert a JSON object, array or JSON lines
``DELETE /articles/{id}`` (API key)      delete one article
=======================================  ===========================================

Reads are sync functions, which Starlette runs in its thread pool, so a search never
blocks the event loop; the body of a write is read on the loop (bounded by
``max_body_bytes``) and indexed in the pool. Every answer is JSON (UTF-8, not
ASCII-escaped) but the page; every error is ``{"message", "code"}``
(:mod:`kzsearch.server.errors`).
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import AsyncIterator
from importlib import resources
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from kzsearch.articles import normalise_id, read_json_body
from kzsearch.search.answers import analysis_dict, results_dict, stats_dict
from kzsearch.server import auth, params
from kzsearch.server.config import ServerConfig
from kzsearch.server.errors import ApiError, exception_handlers
from kzsearch.server.holder import IndexHolder


def page_html() -> bytes:
    """The search page, from the package's ``page.html``."""
    return resources.files("kzsearch.server").joinpath("page.html").read_bytes()


class Api:
    """The routes of one application, over one :class:`IndexHolder`."""

    def __init__(self, config: ServerConfig) -> None:
        self.config = config
        self.holder = IndexHolder(config.index_path, config.refresh_interval)
        self.page = page_html()

    # -- reads -----------------------------------------------------------------------------

    def home(self, request: Request) -> Response:
        return HTMLResponse(self.page, headers={"Cache-Control": "no-cache"})

    def search(self, request: Request) -> Response:
        query = self._read(request)
        text = params.text(query, "q", self.config.max_query_chars)
        options = self._filters(query)
        sort = params.sort(query)
        recency = params.fraction(query, "recency")
        match = params.choice(query, "match", "auto", params.MATCH_MODES)
        page = params.integer(query, "page", 1, 1, 1_000_000)
        per_page = params.integer(query, "per_page", 10, 1, self.config.max_per_page)
        index = self.holder.get()
        started = time.perf_counter()
        results = index.search(text, sort=sort, recency=recency, match=match, page=page,
                               per_page=per_page, **options)
        return JSONResponse(_timed(results_dict(results, 0.0), started))

    def complete(self, request: Request) -> Response:
        query = self._read(request)
        text = params.text(query, "q", self.config.max_query_chars)
        limit = params.integer(query, "limit", 10, 1, self.config.max_per_page)
        return JSONResponse({"query": text,
                             "completions": self.holder.get().complete(text, limit=limit)})

    def article(self, request: Request) -> Response:
        self._read(request)
        article_id = self._article_id(request)
        article = self.holder.get().get(article_id)
        if article is None:
            raise ApiError(404, "not_found", f"no article with id {normalise_id(article_id)!r}")
        return JSONResponse(article.to_dict())

    def similar(self, request: Request) -> Response:
        query = self._read(request)
        article_id = self._article_id(request)
        options = self._filters(query, check_order=False)
        per_page = params.integer(query, "per_page", 10, 1, self.config.max_per_page)
        index = self.holder.get()
        started = time.perf_counter()
        results = index.similar(article_id, per_page=per_page, **options)
        answer = {"id": normalise_id(article_id), **results_dict(results, 0.0)}
        return JSONResponse(_timed(answer, started))

    def stats(self, request: Request) -> Response:
        self._read(request)
        return JSONResponse(stats_dict(self.holder.get().stats()))

    def analyze(self, request: Request) -> Response:
        query = self._read(request)
        text = params.text(query, "text", self.config.max_query_chars)
        return JSONResponse(analysis_dict(text))

    def health(self, request: Request) -> Response:
        """Open to all (for load balancers): 200 while the index can be searched."""
        index = self.holder.get()
        return JSONResponse({"status": "ok", "documents": len(index),
                             "generation": index.whoosh_index.latest_generation()})

    # -- writes ----------------------------------------------------------------------------

    async def add(self, request: Request) -> Response:
        """Upsert the body's articles; answers the ingest report (rejections by line)."""
        auth.require_write(request, self.config)
        self._check_url(request)
        body = await self._body(request)
        return JSONResponse(await run_in_threadpool(self._ingest, body))

    def delete(self, request: Request) -> Response:
        auth.require_write(request, self.config)
        self._check_url(request)
        article_id = normalise_id(self._article_id(request))
        index = self.holder.get()
        found = index.delete_found([article_id], lock_timeout=self.config.lock_timeout)
        if not found:
            raise ApiError(404, "not_found", f"no article with id {article_id!r}")
        index.refresh()  # the next request of this process sees the deletion
        return JSONResponse({"deleted": article_id})

    def _ingest(self, body: bytes) -> dict[str, Any]:
        stream = read_json_body(body, source="request")
        articles = list(stream)  # parsed and checked before the writer lock is taken
        report = stream.report
        if report.read == 0:
            raise ApiError(400, "bad_body", "the body holds no article: send a JSON object,"
                                            " an array of objects, or JSON lines")
        if articles:
            index = self.holder.get()
            index.add_many(articles, report=report, lock_timeout=self.config.lock_timeout)
            index.refresh()  # the next request of this process sees the articles
        return report.as_dict()

    async def _body(self, request: Request) -> bytes:
        """The request's body, refused (413) as soon as it passes ``max_body_bytes``."""
        limit = self.config.max_body_bytes
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            raise _too_large(limit)
        chunks, size = [], 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                raise _too_large(limit)
            chunks.append(chunk)
        return b"".join(chunks)

    # -- shared ----------------------------------------------------------------------------

    def _read(self, request: Request) -> Any:
        """A read's checks: its key, the length of its URL; its query parameters."""
        auth.require_read(request, self.config)
        self._check_url(request)
        return request.query_params

    def _check_url(self, request: Request) -> None:
        if len(request.url.query) > self.config.max_url_query:
            raise ApiError(414, "too_large",
                           f"the query string is longer than {self.config.max_url_query}"
                           " characters")

    def _filters(self, query: Any, check_order: bool = True) -> dict[str, Any]:
        since, until = params.dates(query, check_order)
        return {"rubric": params.rubrics(query, self.config.max_query_chars),
                "since": since, "until": until}

    def _article_id(self, request: Request) -> str:
        article_id = str(request.path_params["id"])
        if len(article_id) > self.config.max_query_chars:
            raise params.bad("id", f"at most {self.config.max_query_chars} characters")
        return article_id


def _too_large(limit: int) -> ApiError:
    return ApiError(413, "too_large", f"the body is larger than {limit} bytes; send the"
                                      " articles in several requests")


def _timed(answer: dict[str, Any], started: float) -> dict[str, Any]:
    """``answer`` with ``took_ms`` the time since ``started``: the search and the making of
    its hits' highlights (done as the answer is shaped), not the sending."""
    answer["took_ms"] = round((time.perf_counter() - started) * 1000, 1)
    return answer


def create_app(config: ServerConfig) -> Starlette:
    """The application serving ``config.index_path``; its :class:`Api` is ``app.state.api``.

    Starting it (its lifespan) starts the refresher thread; stopping it closes the index.
    The index need not exist yet: routes that need it answer 503 until it does.
    """
    api = Api(config)
    routes = [
        Route("/", api.home, methods=["GET"]),
        Route("/search", api.search, methods=["GET"]),
        Route("/complete", api.complete, methods=["GET"]),
        Route("/articles", api.add, methods=["POST"]),
        # ids may hold "/" (sent as %2F): the path converter takes them whole
        Route("/articles/{id:path}/similar", api.similar, methods=["GET"]),
        Route("/articles/{id:path}", api.article, methods=["GET"]),
        Route("/articles/{id:path}", api.delete, methods=["DELETE"]),
        Route("/stats", api.stats, methods=["GET"]),
        Route("/analyze", api.analyze, methods=["GET"]),
        Route("/health", api.health, methods=["GET"]),
    ]
    middleware = []
    if config.cors_origins:
        middleware.append(Middleware(
            CORSMiddleware, allow_origins=list(config.cors_origins),
            allow_methods=["GET", "POST", "DELETE"],
            allow_headers=["Authorization", "Content-Type"], max_age=600))

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await run_in_threadpool(api.holder.start)
        try:
            yield
        finally:
            await run_in_threadpool(api.holder.stop)

    app = Starlette(routes=routes, middleware=middleware,
                    exception_handlers=exception_handlers(), lifespan=lifespan)
    app.state.api = api
    return app


def app_from_environment() -> Starlette:
    """``create_app`` of the configuration in ``KZSEARCH_SERVE_CONFIG`` (JSON): the factory
    each uvicorn worker calls (``uvicorn kzsearch.server.app:app_from_environment
    --factory --workers N``)."""
    return create_app(ServerConfig.from_environment())
