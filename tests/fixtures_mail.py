"""A real SMTP server (aiosmtpd) on 127.0.0.1 for mail tests, and an app that uses it.

Register with `pytest_plugins = ["tests.fixtures_mail"]`.
"""

import socket
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller

from app.extensions import db
from tests.conftest import make_test_app


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Inbox:
    """aiosmtpd handler that keeps what it receives; `refuse` makes it answer 550."""

    def __init__(self) -> None:
        self.envelopes: list = []
        self.refuse: str | None = None

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.refuse and address == self.refuse:
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"

    @property
    def messages(self) -> list[EmailMessage]:
        return [
            message_from_bytes(envelope.content, policy=policy.default)
            for envelope in self.envelopes
        ]


class SMTPServer:
    """Start and stop a loopback SMTP server on a fixed port, as an outage would."""

    def __init__(self) -> None:
        self.port = free_port()
        self.inbox = Inbox()
        self.controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp_server():
    server = SMTPServer()
    server.start()
    yield server
    server.stop()


def mail_config(server: SMTPServer) -> dict:
    return {
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": server.port,
        "MAIL_TIMEOUT": 5,
        "MAIL_DEFAULT_SENDER": "Perinatal CoP <cop@gathering.test>",
    }


def mail_app(tmp_path, server: SMTPServer, **overrides):
    """Body for a test module's own `app` fixture (module fixtures override conftest's,
    so the factory fixtures then work against this app)."""
    app = make_test_app(tmp_path, **mail_config(server), **overrides)
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def mail_app_for():
    """`mail_app` as a fixture, so test modules need not import this plugin directly."""
    return mail_app
