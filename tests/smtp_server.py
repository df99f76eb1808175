"""A real SMTP server on loopback (aiosmtpd) that the tests send to, and the settings that point Django at it.

A pytest plugin (tests/conftest.py lists it): the notifications, calls and hub tests send to it.
"""

from __future__ import annotations

import email
import email.policy
import socket
from dataclasses import dataclass, field

import pytest
from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Inbox:
    """What the server received: one parsed message per envelope, with the envelope's recipients."""

    messages: list[email.message.EmailMessage] = field(default_factory=list)
    recipients: list[list[str]] = field(default_factory=list)

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        self.messages.append(email.message_from_bytes(envelope.original_content, policy=email.policy.default))
        self.recipients.append(list(envelope.rcpt_tos))
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[email.message.EmailMessage]:
        return [m for m, rcpt in zip(self.messages, self.recipients, strict=True) if address in rcpt]

    def subjects(self) -> list[str]:
        return sorted(str(m["Subject"]) for m in self.messages)


def smtp_settings(settings, port: int) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 5
    settings.DEFAULT_FROM_EMAIL = "VCS Grants <grants@council.example>"
    settings.VCSGRANTS_BASE_URL = "https://grants.council.example"


@pytest.fixture
def smtp(settings):
    """Django sends through SMTP to a server on a free loopback port; the test reads what it received."""
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    smtp_settings(settings, port)
    try:
        yield inbox
    finally:
        controller.stop()


@pytest.fixture
def no_smtp(settings):
    """Django is pointed at a loopback port where nothing listens: every connection is refused."""
    smtp_settings(settings, free_port())
