"""Bearer keys: ``Authorization: Bearer KEY``, compared in constant time.

* Writes (``POST /articles``, ``DELETE /articles/{id}``) need the API key; without one
  configured they are refused (403 ``writes_disabled``), whatever is sent.
* Reads are open unless a read key is configured; then they need it or the API key.
* No (or a malformed) ``Authorization`` header: 401 with ``WWW-Authenticate: Bearer``;
  a key that is not the right one: 403.

Keys are compared with :func:`hmac.compare_digest` on their UTF-8 bytes, so how long
a comparison takes says nothing about how much of a guess was right.
"""

from __future__ import annotations

import hmac

from starlette.requests import Request

from kzsearch.server.config import ServerConfig
from kzsearch.server.errors import ApiError

CHALLENGE = {"WWW-Authenticate": 'Bearer realm="kzsearch"'}


def bearer_token(request: Request) -> str | None:
    """The token of an ``Authorization: Bearer TOKEN`` header, or ``None``."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def matches(token: str, key: str | None) -> bool:
    return key is not None and hmac.compare_digest(token.encode("utf-8"), key.encode("utf-8"))


def require_write(request: Request, config: ServerConfig) -> None:
    """Let a write through only with the API key."""
    if config.api_key is None:
        raise ApiError(403, "writes_disabled",
                       "writes are disabled: start the server with --api-key (or"
                       " KZSEARCH_API_KEY) to enable POST and DELETE /articles")
    _check(request, (config.api_key,), "the API key")


def require_read(request: Request, config: ServerConfig) -> None:
    """Let a read through: always without a read key, else with it or the API key."""
    if config.read_key is None:
        return
    _check(request, (config.read_key, config.api_key), "the read key")


def _check(request: Request, keys: tuple[str | None, ...], what: str) -> None:
    token = bearer_token(request)
    if token is None:
        raise ApiError(401, "unauthorized", f"this needs {what}: Authorization: Bearer KEY",
                       CHALLENGE)
    # every key is compared, so the time taken does not say which one was close
    if not any([matches(token, key) for key in keys]):
        raise ApiError(403, "forbidden", f"the key given is not {what}")
