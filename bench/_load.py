"""A closed-loop HTTP load generator for the benchmarks: N clients, each sending its next
request as soon as its last one is answered, all in one asyncio loop over raw sockets.

It costs about a tenth of a millisecond of CPU a request, so on a two-core machine the
server keeps the processors; a pool of urllib threads costs ten times that, and its
threads queue for the interpreter lock, which shows up as server latency that is not."""

import asyncio
import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit


@dataclass
class Figures:
    label: str
    requests: int
    seconds: float
    latencies: list[float]
    statuses: list[int]

    @property
    def rate(self) -> float:
        return self.requests / self.seconds

    def percentile(self, share: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[max(0, int(share * len(ordered)) - 1)] * 1000

    @property
    def p50(self) -> float:
        return statistics.median(self.latencies) * 1000

    @property
    def p95(self) -> float:
        return self.percentile(0.95)

    @property
    def errors(self) -> int:
        return sum(1 for status in self.statuses if status >= 400 or status == 0)

    def line(self) -> str:
        return (
            f"  {self.label:<28} {self.rate:7.1f} req/s   p50 {self.p50:6.1f} ms   "
            f"p95 {self.p95:6.1f} ms   errors {self.errors}"
        )


def machine_load() -> str:
    """The one-minute load average, to print beside the figures it may have disturbed."""
    with open("/proc/loadavg") as averages:
        return averages.read().split()[0]


def get(url: str, *, cookie: str = "") -> bytes:
    parts = urlsplit(url)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    headers = f"Cookie: {cookie}\r\n" if cookie else ""
    return (
        f"GET {target} HTTP/1.1\r\nHost: {parts.netloc}\r\n{headers}Connection: close\r\n\r\n"
    ).encode()


def post(url: str, form: dict[str, str], *, cookie: str = "") -> bytes:
    parts = urlsplit(url)
    body = urlencode(form).encode()
    headers = f"Cookie: {cookie}\r\n" if cookie else ""
    head = (
        f"POST {parts.path} HTTP/1.1\r\nHost: {parts.netloc}\r\n{headers}"
        "Content-Type: application/x-www-form-urlencoded\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    )
    return head.encode() + body


async def _send(host: str, port: int, request: bytes) -> tuple[int, float]:
    start = time.perf_counter()
    try:
        reader, writer = await asyncio.open_connection(host, port)
        writer.write(request)
        await writer.drain()
        status_line = await reader.readline()
        await reader.read()  # the server closes the connection after the response
        writer.close()
        status = int(status_line.split()[1])
    except (OSError, ValueError, IndexError):
        status = 0
    return status, time.perf_counter() - start


async def _run(base: str, requests: Sequence[bytes], clients: int) -> tuple[list, float]:
    parts = urlsplit(base)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    results: list[tuple[int, float]] = []
    pending = iter(requests)

    async def client() -> None:
        for request in pending:
            results.append(await _send(host, port, request))

    start = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(clients)))
    return results, time.perf_counter() - start


def run(label: str, base: str, requests: Sequence[bytes], *, clients: int) -> Figures:
    results, seconds = asyncio.run(_run(base, requests, clients))
    return Figures(
        label=label,
        requests=len(results),
        seconds=seconds,
        latencies=[latency for _status, latency in results],
        statuses=[status for status, _latency in results],
    )

