"""SMS: the port's logging adapter (no gateway contract yet); a real gateway implements the same ``send``."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field

log = logging.getLogger(__name__)


@dataclass
class LoggingSms:
    """Notes each SMS in the log (``booking.notify.sms``: the number's last two digits and the length, never the
    text) instead of a gateway, and keeps the last ones sent in memory."""

    keep: int = 100
    sent: list[tuple[str, str]] = field(default_factory=list)  # (number, text), newest last
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def send(self, recipient: str, subject: str, body: str) -> None:
        """Log the SMS to ``recipient`` (subject and body as one text)."""
        text = f"{subject}\n{body}"
        # neither the number nor the text in the log: both are personal data (docs/privacy.md)
        log.info("SMS an …%s: %d Zeichen", recipient[-2:], len(text))
        with self._lock:
            self.sent.append((recipient, text))
            del self.sent[: -self.keep]
