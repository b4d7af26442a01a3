"""Chromium through Playwright, against a live gunicorn server (tests/fixtures_server.py).

Test modules here add `pytest_plugins = ["tests.fixtures_server"]` for the server
fixtures. Without Chromium the tests skip with the reason, except in CI (CI=true), where
a missing browser fails the run. A failing test leaves a screenshot and the page's HTML
in tests/browser/artifacts/.
"""

import json
import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 740}


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


def _unavailable(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"browser tests must run in CI: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def playwright_instance() -> Iterator[object]:
    """Per module, so Playwright's event loop is gone before the rest of the suite runs."""
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        _unavailable(f"Chromium not found at {CHROMIUM}")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("Playwright for Python is not installed")
    from playwright.sync_api import expect

    expect.set_options(timeout=15_000)  # a shared 2-core machine can be slow
    manager = sync_playwright()
    playwright = manager.start()
    yield playwright
    playwright.stop()


@pytest.fixture(scope="module")
def chromium(playwright_instance) -> Iterator[object]:
    browser = playwright_instance.chromium.launch(
        executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
    )
    yield browser
    browser.close()


class PageProblems:
    """Console errors and CSP refusals seen while a page was open."""

    def __init__(self) -> None:
        self.messages: list[str] = []

    def watch(self, page) -> None:
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.messages.append(f"script error: {error}"))

    def _console(self, message) -> None:
        text = message.text
        if message.type == "error" and "favicon" not in (message.location or {}).get("url", ""):
            if "status of 404" in text and "favicon" in text:
                return
            self.messages.append(text)
        elif "Content Security Policy" in text:
            self.messages.append(text)

    def csp_violations(self) -> list[str]:
        return [m for m in self.messages if "Content Security Policy" in m]


def _new_page(request, chromium, viewport: dict, **options):
    context = chromium.new_context(
        viewport=viewport, accept_downloads=True, locale="en-CA", **options
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    problems = PageProblems()
    problems.watch(page)
    page.problems = problems
    return context, page


def _keep_evidence(request, page) -> None:
    failed = any(
        getattr(getattr(request.node, f"report_{when}", None), "failed", False)
        for when in ("setup", "call")
    )
    if not failed:
        return
    ARTIFACTS.mkdir(exist_ok=True)
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.nodeid)[-150:]
    try:
        page.screenshot(path=str(ARTIFACTS / f"{stem}.png"), full_page=True)
        (ARTIFACTS / f"{stem}.html").write_text(page.content())
    except Exception as error:  # noqa: BLE001 - evidence is best effort
        (ARTIFACTS / f"{stem}.txt").write_text(f"no screenshot: {error}")


@pytest.fixture
def page(request, chromium):
    context, page = _new_page(request, chromium, DESKTOP)
    yield page
    _keep_evidence(request, page)
    context.close()


@pytest.fixture
def phone_page(request, chromium):
    context, page = _new_page(
        request, chromium, PHONE, is_mobile=True, has_touch=True, device_scale_factor=2
    )
    yield page
    _keep_evidence(request, page)
    context.close()


@pytest.fixture(scope="module")
def smtp():
    """A real SMTP server on loopback for the module's live server to send to."""
    from tests.fixtures_mail import SMTPServer

    server = SMTPServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def mailing_server(request, tmp_path_factory, smtp):
    """A live gunicorn server that delivers its email to `smtp`."""
    from tests.fixtures_server import live_server_factory

    env = {
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": str(smtp.port),
        "MAIL_DEFAULT_SENDER": "Perinatal CoP <cop@gathering.test>",
    }
    folder = tmp_path_factory.mktemp(request.module.__name__.rsplit(".", 1)[-1])
    with live_server_factory(folder, extra_env=env) as live:
        live.start()
        yield live


@pytest.fixture(scope="session")
def axe_source() -> str:
    if not AXE.exists():
        _unavailable(f"axe-core is missing ({AXE}); `make browser-deps` installs it")
    return AXE.read_text()


AXE_RUN = """async (tags) => {
  const result = await axe.run(document, {runOnly: {type: 'tag', values: tags}});
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 5).map(n => n.target.join(' ') + ' :: ' + n.failureSummary)
  }));
}"""

AXE_RESULTS: dict[str, list] = {}


@pytest.fixture
def axe(axe_source):
    """`axe(page, name)`: WCAG 2.1 A/AA violations on the page as it is now (a list)."""

    def run(page, name: str) -> list[dict]:
        page.evaluate(axe_source)  # evaluated, not a <script>: the page's CSP stays on
        violations = page.evaluate(AXE_RUN, WCAG_TAGS)
        AXE_RESULTS[name] = violations
        return violations

    return run


def pytest_sessionfinish(session, exitstatus) -> None:
    if AXE_RESULTS:
        ARTIFACTS.mkdir(exist_ok=True)
        (ARTIFACTS / "axe-results.json").write_text(json.dumps(AXE_RESULTS, indent=2))


def describe(violations: list[dict]) -> str:
    return "\n".join(
        f"- {v['id']} ({v['impact']}): {v['help']}\n    " + "\n    ".join(v["nodes"])
        for v in violations
    )


WIDTHS = {"1366": {"width": 1366, "height": 900}, "390": {"width": 390, "height": 844}}


@pytest.fixture(scope="module")
def signed_in(chromium, live_server):
    """`signed_in(role)`: the browser storage of a session signed in as that role's seeded
    account (signed in once per module), for `chromium.new_context(storage_state=...)`."""
    states: dict[str, dict] = {}

    def for_role(role: str) -> dict:
        if role not in states:
            from tests.conftest import PASSWORD

            context = chromium.new_context()
            page = context.new_page()
            page.goto(live_server.url + "/sign-in")
            page.get_by_label("Email address").fill(f"{role}@example.org")
            page.get_by_label("Password").fill(PASSWORD)
            page.get_by_role("button", name="Sign in").click()
            page.wait_for_load_state()
            assert "/sign-in" not in page.url
            states[role] = context.storage_state()
            context.close()
        return states[role]

    return for_role


def open_page(chromium, signed_in, role: str | None, width: str):
    """A new context at one of WIDTHS, signed in as `role` (or not), watching for problems."""
    options = {"storage_state": signed_in(role)} if role else {}
    context = chromium.new_context(viewport=WIDTHS[width], **options)
    page = context.new_page()
    page.problems = PageProblems()
    page.problems.watch(page)
    return context, page


def check_page(page, axe, name: str, width: str) -> None:
    """What every page owes a user: no WCAG 2.1 A/AA violation, one h1, no CSP refusal,
    no sideways scrolling at this width; its screenshot is kept as `name`.png."""
    violations = axe(page, name)
    assert violations == [], f"{name}:\n{describe(violations)}"
    assert page.locator("h1").count() == 1
    assert page.problems.csp_violations() == []
    overflow = page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
    assert not overflow, f"{name} scrolls sideways at {width} px"
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
