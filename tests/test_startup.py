"""Start-up stays light: loading the app (what every `flask` command, web server and worker
does first) imports none of the heavy libraries; each is imported by the function that
uses it. bench/startup.py measures the time this saves."""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HEAVY = [
    "pandas",
    "numpy",
    "matplotlib",
    "weasyprint",
    "openpyxl",
    "sklearn",
    "scipy",
    "icalendar",
]
PROBE = f"""
import json, sys
import wsgi
print(json.dumps(sorted(name for name in {HEAVY!r} if name in sys.modules)))
"""


def test_loading_the_app_imports_no_heavy_library(tmp_path):
    env = {
        "PATH": "/usr/bin:/bin",
        "SECRET_KEY": "startup-test",
        "PUBLIC_URL": "https://gatherings.example.ca",
        "INSTANCE_PATH": str(tmp_path / "instance"),
    }
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert json.loads(result.stdout.strip().splitlines()[-1]) == []
