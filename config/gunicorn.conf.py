"""gunicorn settings for the production web process (``docker/entrypoint.sh web``).

Every value comes from the ``SS_WEB_*`` settings in config/settings.py (defaults documented there and
in docs/configuration.md). gthread workers: LTI launches and the teacher's pages wait on the database,
Redis and the LMS, so threads overlap that waiting cheaply; the backlog holds a whole class launching
at once while the threads catch up.
"""

from __future__ import annotations

import gc
import multiprocessing
from typing import Any

from gunicorn.glogging import Logger  # type: ignore[import-untyped]

from config.settings import get_settings
from tool.logging_setup import gunicorn_logconfig

_settings = get_settings()

wsgi_app = "tool:create_app()"
bind = [_settings.web_bind]
worker_class = "gthread"
workers = _settings.web_workers or 2 * multiprocessing.cpu_count()
threads = _settings.web_threads
backlog = _settings.web_backlog
timeout = _settings.web_timeout
graceful_timeout = _settings.web_graceful_timeout
keepalive = _settings.web_keepalive
forwarded_allow_ips = _settings.forwarded_allow_ips
# Each worker builds its own app (database pool, Redis client) after the fork: nothing shared across forks.
preload_app = False
# Recycle workers now and then so a slow leak in a dependency never grows without bound.
max_requests = _settings.web_max_requests
max_requests_jitter = _settings.web_max_requests // 10
# The app logs each request itself with its ids (tool/logging_setup.py), so no separate access log;
# gunicorn's own lines (start, workers, signals) use the same format.
accesslog = None
errorlog = "-"
logconfig_dict = gunicorn_logconfig(_settings)


class NoAccessLogger(Logger):  # type: ignore[misc]
    """gunicorn's logger without the access log: with a logging configuration set, gunicorn would build every
    request's access-log fields (a few percent of a launch's CPU) only for the WARNING-level logger to drop them."""

    def access(self, resp: Any, req: Any, environ: Any, request_time: Any) -> None:
        return None


logger_class = NoAccessLogger
# No temporary files on the (read-only, non-root) image's disk for worker heartbeats.
worker_tmp_dir = "/dev/shm"  # noqa: S108  (shared memory, not a world-writable /tmp file)
proc_name = "stepping-stones-web"
# No runtime control socket: operators restart through Docker/systemd, and CI runs several servers side by side.
control_socket_disable = True


def post_worker_init(worker: object) -> None:
    """Once per worker, before its first request: warm what a teacher would otherwise wait for, then freeze.

    The person-name lexicon (tool/privacy/names.py) takes about a third of a second to build; a teacher's first
    submission to a fresh worker would wait for it. ``gc.freeze()`` then moves everything built at start-up
    (the app, its modules, the lexicon) out of the garbage collector's reach: collections during a burst of
    launches scan only what requests allocate (measured: about 0.1 ms less server CPU per launch).
    """
    from tool.privacy.names import lexicon

    lexicon()
    gc.collect()
    gc.freeze()
