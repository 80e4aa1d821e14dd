"""The embedded mode's e-mail: one line per message in the log, the message in var/log/."""

import logging

from django.core import mail

from common.mail import mail_log_path


def test_each_message_is_one_log_line_and_the_whole_message_goes_to_the_mail_log(
    settings, tmp_path, caplog
):
    settings.EMAIL_BACKEND = "common.mail.LogEmailBackend"
    settings.VAR_DIR = tmp_path
    caplog.set_level(logging.INFO, logger="common.mail")

    sent = mail.send_mass_mail(
        [
            ("[mdprod] Submitted", "The proposal was submitted.", None, ["cm@example.com"]),
            ("[mdprod] 已通过", "项目已立项。", None, ["a@example.com", "b@example.com"]),
        ]
    )

    assert sent == 2
    lines = [r.getMessage() for r in caplog.records if r.name == "common.mail"]
    assert lines == [
        f"E-mail to cm@example.com: [mdprod] Submitted (whole message in {mail_log_path()})",
        f"E-mail to a@example.com, b@example.com: [mdprod] 已通过 (whole message in {mail_log_path()})",
    ]
    logged = mail_log_path().read_text()
    assert mail_log_path() == tmp_path / "log" / "mail.log"
    assert "To: cm@example.com" in logged
    assert "The proposal was submitted." in logged
    assert logged.count("Subject:") == 2
