"""Command-line tasks: `flask --app wsgi <command>`, one table of every command.

Each command is imported only when it is run or listed, from the feature that owns it.
On the command line the app starts without its pages (wsgi.py); a command marked
`database_only` runs on that app as it is, and every other command makes the app whole
(`app.make_whole`) just before it runs, so listing the commands (`flask --help`)
builds no pages either."""

import gc
import importlib
from collections.abc import Callable
from dataclasses import dataclass

import click
from flask import Flask
from flask.cli import AppGroup


@dataclass(frozen=True)
class Command:
    name: str
    where: str  # "module:attribute"
    # Reads and writes the database through one feature's services: no pages, templates,
    # links or emails, so the app need not be made whole first.
    database_only: bool = False

    def load(self) -> click.Command:
        module, _, attribute = self.where.partition(":")
        return getattr(importlib.import_module(module), attribute)


COMMANDS = (
    Command("assign-breakouts", "app.breakouts.cli:assign_breakouts_command"),
    Command("create-user", "app.auth.cli:create_user_command", database_only=True),
    # Flask-Migrate's, which making the app whole (migrate.init_app) also registers.
    Command("db", "flask_migrate.cli:db"),
    Command("first-run", "app.demo.cli:first_run_command"),
    Command(
        "import-attendance", "app.attendance.cli:import_attendance_command", database_only=True
    ),
    Command("report", "app.report_runs.cli:report_command"),
    Command("retention", "app.privacy.cli:retention_command"),
    Command("seed-demo", "app.demo.cli:seed_demo_command"),
    Command("send-mail", "app.outbox.cli:send_mail_command"),
    Command("worker", "app.jobs:worker_command"),
)


class WholeAppFirst(click.Command):
    """`command`, once the app is whole: made so when the command is about to run (its
    arguments parsed), not when it is only looked up for a list of commands."""

    def __init__(self, command: click.Command, make_whole: Callable[[], bool]) -> None:
        super().__init__(
            command.name, help=command.help, short_help=command.short_help, hidden=command.hidden
        )
        self.command = command
        self.make_whole = make_whole

    def get_short_help_str(self, limit: int = 45) -> str:
        return self.command.get_short_help_str(limit)

    def make_context(self, info_name, args, parent=None, **extra) -> click.Context:
        if self.make_whole():
            # As wsgi.py does after start-up: what was just built lives as long as the
            # process (a worker forks from it), kept out of every later collection.
            gc.freeze()
        return self.command.make_context(info_name, args, parent=parent, **extra)


class CommandTable(AppGroup):
    """The app's commands from COMMANDS, each imported when first looked up; commands
    added directly (`add_command`) come first."""

    def __init__(self, name: str, make_whole: Callable[[], bool]) -> None:
        super().__init__(name)
        self.make_whole = make_whole
        self.table = {command.name: command for command in COMMANDS}

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*self.commands, *self.table})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.commands:
            return self.commands[cmd_name]
        entry = self.table.get(cmd_name)
        if entry is None:
            return None
        command = entry.load()
        if entry.database_only:
            return command
        return WholeAppFirst(command, self.make_whole)


def init_app(app: Flask, *, make_whole: Callable[[], bool]) -> None:
    """`make_whole()` makes this app whole and says whether anything was added."""
    app.cli = CommandTable(app.name, make_whole)
