"""Entry point for flask and gunicorn: `gunicorn wsgi:app`, `flask --app wsgi <command>`."""

import gc

import click


def _loaded_to_find_a_command() -> bool:
    """Whether Flask's command line is loading the app to find one of the app's own
    commands, or to list them: it does that in its own, outermost context. Its run, shell
    and routes commands load the app from inside theirs, and gunicorn outside any."""
    context = click.get_current_context(silent=True)
    return context is not None and context.parent is None


# Start-up (the framework's imports, ours, create_app) makes a great many objects that
# live as long as the process: the collector would scan them again and again as they are
# made, a sixth of the start-up's CPU. Paused until it is done (one thread so far: each
# gunicorn worker and each `flask` command imports this first).
gc.disable()
try:
    from app import create_app

    # A command gets the app without its pages; each command that needs more than the
    # database makes it whole before it runs (app/cli.py).
    app = create_app(whole=not _loaded_to_find_a_command())
finally:
    gc.enable()
# What start-up made lives as long as the process: keep it out of every later collection,
# which would otherwise rescan it all (and, in a forked worker, touch every page).
gc.freeze()
