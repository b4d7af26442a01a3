"""Registrations per second against gunicorn (2 workers, SQLite), next to a trivial endpoint
on the same server in the same run, with 20 concurrent clients.

Targets (issue 2): registration at least 25% of the trivial endpoint's rate; p95 under 100 ms.
BENCH_INSTANCE_CONFIG may hold lines for the server's instance/config.py, e.g.
"MAIL_DELIVER_AFTER_REQUEST = False" to measure without the email written after each request.
"""

import http.cookiejar
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
CLIENTS = 20
REQUESTS = 1000


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(workdir: Path) -> tuple[subprocess.Popen, str]:
    database = workdir / "bench.sqlite3"
    env = {
        **os.environ,
        "INSTANCE_PATH": str(workdir / "instance"),
        "DATABASE_URL": f"sqlite:///{database}",
        "SECRET_KEY": "bench",
        "MAIL_SERVER": "",
    }
    (workdir / "instance").mkdir()
    (workdir / "instance" / "config.py").write_text(os.environ.get("BENCH_INSTANCE_CONFIG", ""))
    subprocess.run(
        [BIN / "flask", "--app", "wsgi", "db", "upgrade"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )
    now = datetime.now(UTC).replace(tzinfo=None)
    with create_engine(f"sqlite:///{database}").begin() as conn:
        conn.execute(
            text(
                "INSERT INTO gatherings (slug, title, description, timezone, starts_at, ends_at, "
                "meeting_url, waitlist_enabled, land_acknowledgement, contact_name, contact_title, "
                "contact_email, contact_phone, contact_address, attendance_threshold_minutes, "
                "calendar_sequence, created_at, updated_at) VALUES ('bench', 'Bench', '', "
                "'America/Vancouver', :start, :end, 'https://zoom.example/j/1', 1, '', '', '', '', "
                "'', '', 10, 0, :now, :now)"
            ),
            {
                "start": now + timedelta(days=20),
                "end": now + timedelta(days=20, hours=3),
                "now": now,
            },
        )
    port = free_port()
    process = subprocess.Popen(
        [BIN / "gunicorn", "-w", "2", "-b", f"127.0.0.1:{port}", "wsgi:app"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(150):
        try:
            urllib.request.urlopen(base + "/healthz", timeout=5)
            return process, base
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit("gunicorn did not start")


def session(base: str):
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect)
    page = opener.open(f"{base}/g/bench/register", timeout=30).read().decode()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    return opener, token


def timed(call) -> tuple[float, int]:
    start = time.perf_counter()
    try:
        status = call()
    except urllib.error.HTTPError as exc:
        status = exc.code
    return time.perf_counter() - start, status


def run(label: str, make_call) -> dict:
    with ThreadPoolExecutor(CLIENTS) as pool:
        calls = [make_call(i) for i in range(REQUESTS)]
        start = time.perf_counter()
        results = list(pool.map(timed, calls))
        elapsed = time.perf_counter() - start
    latencies = sorted(r[0] for r in results)
    errors = sum(1 for r in results if r[1] >= 400)
    return {
        "label": label,
        "rate": REQUESTS / elapsed,
        "p50": statistics.median(latencies) * 1000,
        "p95": latencies[int(0.95 * len(latencies)) - 1] * 1000,
        "errors": errors,
    }


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        process, base = start_server(Path(tmp))
        try:
            sessions = [session(base) for _ in range(CLIENTS)]

            def trivial(i):
                return lambda: urllib.request.urlopen(base + "/healthz", timeout=30).status

            def registration(i):
                opener, token = sessions[i % CLIENTS]
                form = urllib.parse.urlencode(
                    {
                        "csrf_token": token,
                        "name": f"Bench Person {i}",
                        "email": f"bench{i}@example.org",
                        "role": "nurse",
                        "organisation_name": "Northern Health",
                        "organisation_type": "health_authority",
                        "health_region": "northern",
                        "consent_collection": "y",
                    }
                ).encode()
                return lambda: opener.open(f"{base}/g/bench/register", data=form, timeout=30).status

            run("warm-up", trivial)
            results = [run("trivial /healthz", trivial), run("registration POST", registration)]
        finally:
            process.terminate()
            process.wait(timeout=20)
    print(f"gunicorn 2 workers, SQLite, {CLIENTS} concurrent clients, {REQUESTS} requests each")
    for r in results:
        print(
            f"  {r['label']:<20} {r['rate']:7.1f} req/s   p50 {r['p50']:6.1f} ms   "
            f"p95 {r['p95']:6.1f} ms   errors {r['errors']}"
        )
    ratio = results[1]["rate"] / results[0]["rate"]
    print(
        f"  registration / trivial rate: {ratio:.0%} (target >= 25%); "
        f"registration p95 {results[1]['p95']:.1f} ms (target < 100 ms)"
    )


if __name__ == "__main__":
    main()
