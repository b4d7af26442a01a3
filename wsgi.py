"""Entry point for flask and gunicorn: `gunicorn wsgi:app`."""

import gc

from app import create_app

app = create_app()
# What start-up made lives as long as the process: keep it out of every later collection,
# which would otherwise rescan it all (and, in a forked worker, touch every page).
gc.freeze()
