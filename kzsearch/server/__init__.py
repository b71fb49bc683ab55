"""Stage 8 of kzsearch: ``kzsearch serve``, an HTTP search API over one index.

A web layer on top of the library, never below it: nothing in kzsearch's core imports
this package, and it needs the ``serve`` extra (``pip install 'kzsearch[serve]'``:
Starlette, the ASGI toolkit, and uvicorn, the server).

Roles, one module each:

* :mod:`.config` -- :class:`ServerConfig`, what ``kzsearch serve`` was told (index, keys,
  CORS origins, limits), and its JSON form for several uvicorn workers;
* :mod:`.errors` -- :class:`ApiError` and the library's exceptions as JSON errors with
  their status (400, 401, 403, 404, 413, 503; a 500 never shows a traceback);
* :mod:`.auth` -- Bearer keys, compared in constant time: writes need the API key,
  reads the read key when one is set;
* :mod:`.params` -- query parameters read and bounded (lengths, numbers, choices);
* :mod:`.holder` -- the one :class:`~kzsearch.Index` of a worker, opened when it exists,
  refreshed by a background thread so that no request waits for a new commit to load;
* :mod:`.app` -- the Starlette application: routes, CORS, :func:`create_app`,
  :func:`~kzsearch.server.app.app_from_environment`;
* ``page.html`` -- the search page served at ``/``.

JSON shapes are the library's (:mod:`kzsearch.search.answers`, shared with
``kzsearch search --json``); the routes and their shapes are listed in README.md.
"""

from kzsearch.server.app import app_from_environment, create_app
from kzsearch.server.config import ServerConfig

__all__ = ["ServerConfig", "app_from_environment", "create_app"]
