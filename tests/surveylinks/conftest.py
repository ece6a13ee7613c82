"""Fixtures of the survey-link tests: the callback world (every department, named agents, a task
maker) and a local fake SMS provider (http.server in a thread) that records every request."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from tests.callbacks.conftest import accounts, make_task, other_store, store  # noqa: F401


class FakeProvider:
    """Answers each POST with the next scripted (status, body); records method, path, headers, body."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.responses: list[tuple[int, dict[str, Any]]] = []
        self.default: tuple[int, dict[str, Any]] = (200, {})
        self.delay = 0.0  # seconds before answering: longer than the client's timeout is a timeout
        self.raw: bytes | None = None  # a body that is not JSON (a proxy's error page), sent as is
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                fake.requests.append({"path": self.path, "headers": dict(self.headers), "body": body})
                status, payload = fake.responses.pop(0) if fake.responses else fake.default
                time.sleep(fake.delay)
                data = fake.raw if fake.raw is not None else json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> FakeProvider:
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def fake_provider() -> Iterator[FakeProvider]:
    with FakeProvider() as fake:
        yield fake
