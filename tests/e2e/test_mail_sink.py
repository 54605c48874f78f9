"""The embedded run's mail catcher: a real SMTP conversation, the message kept as a file."""

import smtplib
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import default

from housing.mail_sink import MailSink


class TestMailSink:
    def test_a_message_sent_over_smtp_is_saved_as_it_was_received(self, tmp_path):
        sink = MailSink(tmp_path / "mail").start()
        try:
            message = EmailMessage()
            message["From"] = "styringsdialog@housing.example"
            message["To"] = "kommune@kk.example"
            message["Subject"] = "Dokumentationspakke 2026 er fremsendt"
            message["Message-ID"] = "<evt-1.kommune@housing.example>"
            message.set_content("Boligorganisationen har fremsendt sin pakke.")
            with smtplib.SMTP(sink.host, sink.port, timeout=10) as client:
                client.send_message(message)
        finally:
            sink.stop()
        [saved] = list((tmp_path / "mail").iterdir())
        assert saved.name.endswith("-evt-1.kommune@housing.example.eml")
        received = BytesParser(policy=default).parsebytes(saved.read_bytes())
        assert received["Subject"] == "Dokumentationspakke 2026 er fremsendt"
        assert received["To"] == "kommune@kk.example"
        assert received.get_content().strip() == "Boligorganisationen har fremsendt sin pakke."

    def test_two_sinks_pick_different_free_ports(self, tmp_path):
        first = MailSink(tmp_path / "a").start()
        second = MailSink(tmp_path / "b").start()
        try:
            assert first.port != second.port
        finally:
            first.stop()
            second.stop()
