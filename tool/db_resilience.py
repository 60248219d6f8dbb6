"""A database that restarts or drops a connection mid-request costs a retry, not an HTTP 500.

The engine pings pooled connections before use (``tool.db.make_engine``), so requests that
start after a restart are fine; this covers the request that was mid-query when the
connection died. Idempotent requests (GET, HEAD) are run once more on a fresh connection;
any other request gets a clear "try again" page (503): re-running a form post could apply
it twice.
"""

from __future__ import annotations

import logging

from flask import Flask, current_app, g, request
from flask.typing import ResponseReturnValue
from sqlalchemy.exc import DBAPIError, OperationalError

from tool.db import session
from tool.pages import UserFacingError

log = logging.getLogger(__name__)
IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS"})


def _lost_connection(error: DBAPIError) -> bool:
    return isinstance(error, OperationalError) or bool(error.connection_invalidated)


def init_app(app: Flask) -> None:
    @app.errorhandler(DBAPIError)
    def _database_error(error: DBAPIError) -> ResponseReturnValue:
        if not _lost_connection(error):
            raise error
        session().rollback()  # returns the dead connection; the pool replaces it
        if request.method in IDEMPOTENT and not g.get("db_retried"):
            g.db_retried = True
            log.warning("database connection lost during %s %s; running it again", request.method, request.path)
            try:
                return current_app.preprocess_request() or current_app.dispatch_request()
            except DBAPIError as again:
                session().rollback()
                log.error("database still unreachable: %s", again.__class__.__name__)
            except Exception as other:
                return current_app.handle_user_exception(other)
        return current_app.handle_user_exception(
            UserFacingError(
                "Please try again in a moment",
                "The database was briefly unreachable, so this was not saved or shown.",
                "Wait a few seconds and try again; what you typed is still in your browser.",
                status=503,
            )
        )
