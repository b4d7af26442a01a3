"""Report generation off the request thread, so a large gathering never holds a worker
for long: the request queues a run and returns; a thread generates it and commits its
progress; the page polls the run's status."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

from flask import Flask, current_app

from app.extensions import db
from app.reporting import services

_threads: dict[int, threading.Thread] = {}


def launch(run_id: int) -> None:
    app = current_app._get_current_object()
    if not app.config.get("REPORTS_IN_BACKGROUND", True):
        _work(app, run_id)
        return
    thread = threading.Thread(target=_work, args=(app, run_id), name=f"report-{run_id}")
    thread.daemon = True
    _threads[run_id] = thread
    thread.start()


def wait(run_id: int, timeout: float = 120) -> None:
    """For tests and the CLI: block until a background run has finished."""
    thread = _threads.pop(run_id, None)
    if thread is not None:
        thread.join(timeout)


def _work(app: Flask, run_id: int) -> None:
    with app.app_context():
        try:
            services.execute_run(run_id, now=datetime.now(UTC))
        except Exception:  # recorded on the run as FAILED; logged for the operator
            app.logger.exception("report run %s failed", run_id)
        finally:
            db.session.remove()
