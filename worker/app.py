"""Worker entry point: ``celery -A worker.app worker``."""

from tool import create_app
from worker.warmup import warm_up

flask_app = create_app()
celery_app = flask_app.extensions["celery"]
warm_up()
