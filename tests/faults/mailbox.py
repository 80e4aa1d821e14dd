"""An e-mail backend for the fault tests' subprocesses: every message sent is appended as one
JSON line to the file named by ``MDPROD_FAULT_MAILBOX`` (locked, flushed and synced), so the test
can count what really went out, across processes and across a killed one."""

import fcntl
import json
import os
from pathlib import Path

from django.core.mail.backends.base import BaseEmailBackend

MAILBOX_ENV = "MDPROD_FAULT_MAILBOX"


class RecordingBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        path = Path(os.environ[MAILBOX_ENV])
        sent = 0
        for message in email_messages:
            line = json.dumps(
                {"to": list(message.to), "subject": message.subject, "pid": os.getpid()}
            )
            with path.open("a", encoding="utf-8") as mailbox:
                fcntl.flock(mailbox, fcntl.LOCK_EX)
                mailbox.write(line + "\n")
                mailbox.flush()
                os.fsync(mailbox.fileno())
            sent += 1
        return sent


def read(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
