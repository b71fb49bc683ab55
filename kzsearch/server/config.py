"""What a server was told: :class:`ServerConfig`, and its JSON form for uvicorn workers.

``uvicorn --workers N`` starts each worker in a process of its own, which imports the
application by name; the configuration reaches them as JSON in the environment
variable :data:`CONFIG_ENV` (set by ``kzsearch serve`` for its own process tree).
"""

from __future__ import annotations

import dataclasses
import json
import os
from dataclasses import dataclass
from pathlib import Path

CONFIG_ENV = "KZSEARCH_SERVE_CONFIG"
MiB = 1024 * 1024


@dataclass(frozen=True)
class ServerConfig:
    """One server's settings; the defaults are the safe ones.

    * ``index_path`` -- the index served (it may not exist yet: the server answers 503
      until it does);
    * ``api_key`` -- enables ``POST /articles`` and ``DELETE /articles/{id}``, which then
      need ``Authorization: Bearer <api_key>``; ``None``: no writes at all;
    * ``read_key`` -- when set, every read route but ``/`` and ``/health`` needs the read
      key or the API key;
    * ``cors_origins`` -- the origins browsers may call the API from (none: no CORS);
    * ``max_body_bytes`` -- the largest request body (413 above it);
    * ``max_query_chars`` -- the longest ``q`` or ``text`` (400 above it); a URL whose
      query string is longer than :attr:`max_url_query` is refused with 414;
    * ``max_per_page`` -- the largest ``per_page`` and ``limit``;
    * ``refresh_interval`` -- seconds between the background looks at the index on disk;
    * ``lock_timeout`` -- seconds a write waits for another writer of the index before
      503 ``locked``.
    """

    index_path: Path
    api_key: str | None = None
    read_key: str | None = None
    cors_origins: tuple[str, ...] = ()
    max_body_bytes: int = 10 * MiB
    max_query_chars: int = 1000
    max_per_page: int = 100
    refresh_interval: float = 0.5
    lock_timeout: float = 5.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "index_path", Path(self.index_path))
        object.__setattr__(self, "cors_origins", tuple(self.cors_origins))
        for name in ("api_key", "read_key"):
            value = getattr(self, name)
            if value is not None and not value.strip():
                raise ValueError(f"{name} must not be empty")
        if self.max_body_bytes < 1 or self.max_query_chars < 1 or self.max_per_page < 1:
            raise ValueError("limits must be positive")
        if self.refresh_interval <= 0 or self.lock_timeout < 0:
            raise ValueError("refresh_interval must be positive, lock_timeout not negative")

    @property
    def max_url_query(self) -> int:
        """The longest raw query string accepted: room for ``q`` percent-encoded (a
        Cyrillic letter is six characters) and the other parameters."""
        return 8 * self.max_query_chars + 2048

    def to_json(self) -> str:
        data = dataclasses.asdict(self)
        data["index_path"] = str(self.index_path)
        data["cors_origins"] = list(self.cors_origins)
        return json.dumps(data)

    @classmethod
    def from_json(cls, text: str) -> ServerConfig:
        data = json.loads(text)
        if not isinstance(data, dict) or "index_path" not in data:
            raise ValueError("a server configuration is a JSON object with an index_path")
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"unknown server settings: {', '.join(unknown)}")
        return cls(**data)

    @classmethod
    def from_environment(cls) -> ServerConfig:
        """The configuration in :data:`CONFIG_ENV` (``kzsearch serve`` sets it)."""
        text = os.environ.get(CONFIG_ENV)
        if not text:
            raise RuntimeError(f"{CONFIG_ENV} is not set; start the server with kzsearch serve")
        return cls.from_json(text)
