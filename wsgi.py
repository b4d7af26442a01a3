"""Entry point for flask and gunicorn: `gunicorn wsgi:app`."""

import gc

# Start-up (the framework's imports, ours, create_app) makes a great many objects that
# live as long as the process: the collector would scan them again and again as they are
# made, a sixth of the start-up's CPU. Paused until it is done (one thread so far: each
# gunicorn worker and each `flask` command imports this first).
gc.disable()
try:
    from app import create_app

    app = create_app()
finally:
    gc.enable()
# What start-up made lives as long as the process: keep it out of every later collection,
# which would otherwise rescan it all (and, in a forked worker, touch every page).
gc.freeze()
