"""Errors as JSON: ``{"message": ..., "code": ...}`` with the status that fits.

=============================  ======  ==============================================
raised                         status  code
=============================  ======  ==============================================
a bad parameter                400     ``bad_parameter`` (``bad_date``, ``bad_query``)
``QueryError``                 400     ``bad_query``
``JsonBodyError``, no records  400     ``bad_body``
no key / wrong key             401/403 ``unauthorized`` / ``forbidden``
writes without ``--api-key``   403     ``writes_disabled``
``ArticleNotFoundError``       404     ``not_found`` (an unknown route too)
a method a route lacks         405     ``method_not_allowed``
a body too large               413     ``too_large`` (a URL too long: 414)
``IndexNotFoundError``         503     ``index_missing`` (also a closed index)
``IndexLockedError``           503     ``locked``: another writer held the index
damaged, untrusted, version    503     ``index_unusable``
``WordFilesMissingError``      503     ``words_missing``: ``/complete`` only; the fix named
anything else                  500     ``internal`` (logged; no traceback is sent)
=============================  ======  ==============================================
"""

from __future__ import annotations

import logging
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from kzsearch.articles import JsonBodyError
from kzsearch.index import (
    IndexClosedError,
    IndexDamagedError,
    IndexLockedError,
    IndexNotFoundError,
    IndexVersionError,
    UntrustedIndexError,
)
from kzsearch.search import ArticleNotFoundError, QueryError, WordFilesMissingError

LOG = logging.getLogger("kzsearch.server")


class ApiError(Exception):
    """An answer that is an error: its status, code and message (and extra headers)."""

    def __init__(self, status: int, code: str, message: str,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}

    def response(self) -> JSONResponse:
        return error_response(self.status, self.code, self.message, self.headers)


def error_response(status: int, code: str, message: str,
                   headers: dict[str, str] | None = None, **extra: Any) -> JSONResponse:
    return JSONResponse({"message": message, "code": code, **extra}, status_code=status,
                        headers=headers)


# the library's exceptions, most specific first: (class, status, code, message); a
# message of None is the exception's own (it says nothing of the server's files)
LIBRARY_ERRORS: tuple[tuple[type[Exception], int, str, str | None], ...] = (
    (ArticleNotFoundError, 404, "not_found", None),
    (QueryError, 400, "bad_query", None),
    (JsonBodyError, 400, "bad_body", None),
    (IndexNotFoundError, 503, "index_missing",
     "there is no index to search yet (build one with `kzsearch index build`)"),
    (IndexClosedError, 503, "index_missing", "the index is closed: the server is stopping"),
    (IndexLockedError, 503, "locked",
     "another writer (an add, delete, optimize or build) held the index longer than this"
     " server waits; try again when it is done"),
    (IndexVersionError, 503, "index_unusable",
     "the index was built by another version of kzsearch; rebuild it"),
    (UntrustedIndexError, 503, "index_unusable",
     "the index is refused as untrusted (see the server's log)"),
    (IndexDamagedError, 503, "index_unusable",
     "the index is damaged (see the server's log); rebuild it"),
    (WordFilesMissingError, 503, "words_missing",
     "completion needs the index's word files, which it lacks (an index written by an"
     " older kzsearch, or files lost); write them once with `kzsearch index words`:"
     " the server uses them from its next /complete, without a restart"),
)


def as_api_error(error: Exception) -> ApiError | None:
    """The :class:`ApiError` a library exception stands for, or ``None``. Messages never
    name the server's paths: those of the index's state are fixed sentences."""
    if isinstance(error, ApiError):
        return error
    for kind, status, code, message in LIBRARY_ERRORS:
        if isinstance(error, kind):
            if isinstance(error, ArticleNotFoundError):
                message = f"no article with id {error.id!r}"
            return ApiError(status, code, message or str(error))
    return None


async def on_library_error(request: Request, error: Exception) -> Response:
    found = as_api_error(error)
    if found is None:  # not one of ours: the 500 handler
        return await on_internal_error(request, error)
    if found.status == 503 and found.code != "index_missing":
        LOG.warning("%s %s: %s", request.method, request.url.path, error)
    return found.response()


async def on_http_error(request: Request, error: Exception) -> Response:
    """Starlette's own errors (unknown route, wrong method) in the same JSON shape."""
    assert isinstance(error, HTTPException)
    code = {404: "not_found", 405: "method_not_allowed"}.get(error.status_code, "bad_request")
    message = {404: f"no route {request.url.path}",
               405: f"{request.method} is not allowed on {request.url.path}"}.get(
        error.status_code, str(error.detail))
    return error_response(error.status_code, code, message, dict(error.headers or {}))


async def on_internal_error(request: Request, error: Exception) -> Response:
    """A bug: logged with its traceback, answered without one."""
    LOG.error("%s %s failed", request.method, request.url.path, exc_info=error)
    return error_response(500, "internal", "internal error")


def exception_handlers() -> dict[Any, Any]:
    """For ``Starlette(exception_handlers=...)``."""
    handlers: dict[Any, Any] = {kind: on_library_error for kind, *_ in LIBRARY_ERRORS}
    handlers[ApiError] = on_library_error
    handlers[HTTPException] = on_http_error
    handlers[Exception] = on_internal_error
    return handlers
