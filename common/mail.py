"""The embedded mode's e-mail: one readable line per message in the process's log, the whole
message appended to ``var/log/mail.log``.

Django's console backend prints every MIME part of every message; a demo's workers printed
thousands of lines of it, burying everything else.
"""

import logging
import threading
from pathlib import Path

from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend

logger = logging.getLogger(__name__)
_lock = threading.Lock()


def mail_log_path() -> Path:
    return Path(settings.VAR_DIR) / "log" / "mail.log"


class LogEmailBackend(BaseEmailBackend):
    def send_messages(self, email_messages) -> int:
        if not email_messages:
            return 0
        path = mail_log_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        with _lock, path.open("ab") as log:
            for message in email_messages:
                log.write(message.message().as_bytes(linesep="\n"))
                log.write(b"\n" + b"-" * 79 + b"\n")
        for message in email_messages:
            logger.info(
                "E-mail to %s: %s (whole message in %s)",
                ", ".join(message.recipients()),
                message.subject,
                path,
            )
        return len(email_messages)
