"""E-mail over SMTP (standard library): one plain-text UTF-8 message per notice."""

from __future__ import annotations

import smtplib
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid


@dataclass(frozen=True, slots=True)
class SmtpMailer:
    """Sends through the SMTP server at ``host:port`` (STARTTLS and login when configured).

    Any refusal or connection error propagates: the notice stays in the outbox and is tried again later.
    """

    host: str
    port: int = 25
    sender: str = "Rufbus Salzlandkreis <rufbus@localhost>"
    starttls: bool = False
    username: str | None = None
    password: str | None = None
    timeout_s: float = 10.0

    def send(self, recipient: str, subject: str, body: str) -> None:
        """Deliver one message to ``recipient``."""
        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = recipient
        message["Subject"] = subject
        message["Date"] = formatdate(localtime=False)
        message["Message-ID"] = make_msgid(domain=self.sender.rsplit("@", 1)[-1].strip(" >") or None)
        message.set_content(body, charset="utf-8")
        with smtplib.SMTP(self.host, self.port, timeout=self.timeout_s) as smtp:
            if self.starttls:
                smtp.starttls()
            if self.username:
                smtp.login(self.username, self.password or "")
            smtp.send_message(message)
