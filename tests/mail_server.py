"""A mail server for tests: speaks just enough SMTP for `smtplib`, keeps what it receives,
and can greet as slowly as a server at the other end of the internet.
"""

from __future__ import annotations

import email
import socket
import socketserver
import threading
import time
from email.message import Message


class _Conversation(socketserver.StreamRequestHandler):
    server: MailServer

    def handle(self) -> None:
        self.server.connected()
        time.sleep(self.server.delay)
        try:
            self._reply("220 mail.test ESMTP")
            while line := self.rfile.readline():
                verb = line.split(b" ", 1)[0].strip().upper()
                if verb == b"DATA":
                    self._reply("354 End data with <CR><LF>.<CR><LF>")
                    self.server.received.append(self._message())
                    self._reply("250 Queued")
                elif verb == b"QUIT":
                    self._reply("221 Bye")
                    return
                else:
                    self._reply("250 OK")
        except OSError:  # the client hung up
            return

    def _message(self) -> Message:
        lines = []
        while (line := self.rfile.readline()) not in (b".\r\n", b""):
            lines.append(line[1:] if line.startswith(b"..") else line)
        return email.message_from_bytes(b"".join(lines))

    def _reply(self, text: str) -> None:
        self.wfile.write(text.encode() + b"\r\n")


class MailServer(socketserver.ThreadingTCPServer):
    """An SMTP server on a free local port, in a thread, until `stop()`."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Conversation)
        self.port = self.server_address[1]
        self.delay = 0.0  # seconds before the greeting
        self.connections = 0
        self.received: list[Message] = []
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)

    def connected(self) -> None:
        with self._lock:
            self.connections += 1

    def start(self) -> MailServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.shutdown()
        self.server_close()
        self._thread.join()


def closed_port() -> int:
    """A local port nothing listens on: a mail server that is down."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
