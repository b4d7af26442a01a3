"""Command-line start-up: `flask --app wsgi --help` next to importing the framework alone
(`python -c "import flask, flask_sqlalchemy, flask_wtf, flask_login, flask_migrate"`),
measured side by side in one run, in turns, best of seven each, in CPU time (user and
system) rather than wall-clock time, which on a shared machine counts the other
processes' turns on the processor as ours. Both read compiled bytecode, as an
installed app does: pip compiles the framework's modules, and this script compiles ours
first (an editable install does not, and PYTHONDONTWRITEBYTECODE may forbid caching).

Target (issue 23): the CLI at most 1.3x the framework's own imports."""

import compileall
import os
import resource
import subprocess
import sys
from pathlib import Path

from bench._load import machine_load

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
RUNS = 7
FRAMEWORK = "import flask, flask_sqlalchemy, flask_wtf, flask_login, flask_migrate"
TARGET = 1.3


def seconds(command: list[str], env: dict[str, str]) -> float:
    """The CPU time of one run of `command`."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(command, cwd=ROOT, env=env, check=True, capture_output=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    env = {**os.environ, "SECRET_KEY": "bench", "INSTANCE_PATH": str(ROOT / "instance")}
    compileall.compile_dir(ROOT / "app", quiet=1)
    compileall.compile_file(ROOT / "wsgi.py", quiet=1)
    framework_command = [sys.executable, "-c", FRAMEWORK]
    cli_command = [str(BIN / "flask"), "--app", "wsgi", "--help"]
    framework, cli = [], []
    for _ in range(RUNS):  # taken in turns, so a change in the machine's load hits both
        framework.append(seconds(framework_command, env))
        cli.append(seconds(cli_command, env))
    ratio = min(cli) / min(framework)
    print(f"framework imports {min(framework) * 1000:7.0f} ms CPU (best of {RUNS})")
    print(f"flask --help      {min(cli) * 1000:7.0f} ms CPU (best of {RUNS})")
    verdict = "met" if ratio <= TARGET else "missed"
    print(f"  ratio {ratio:.2f}x (target <= {TARGET}x): {verdict}; load average {machine_load()}")


if __name__ == "__main__":
    main()
