"""A running ``bizauth serve``, driven as a user's project would: a process and HTTP."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request

__all__ = ["Served"]


class Served:
    """A running ``bizauth serve``: its process and the base URL of each fake."""

    def __init__(self, *args: str) -> None:
        command = [sys.executable, "-m", "pytest_bizauth", "serve", *args]
        self.process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        self.lines: list[str] = []
        self.control_token: str | None = None
        self.urls: dict[str, str] = {}
        assert self.process.stdout is not None
        while True:
            line = self.process.stdout.readline()
            if not line:
                raise AssertionError(f"bizauth serve stopped: {self.process.stderr.read()}")
            self.lines.append(line.rstrip("\n"))
            if line.startswith("accounts:"):
                break
            if line.startswith("control token: "):
                self.control_token = line.rstrip("\n").split(": ", 1)[1]
                continue
            name, url = line.split()
            self.urls[name] = url

    def call(self, vendor, method, path, body=None, *, form=None, headers=None):
        """``(status, JSON body or text)`` of one request."""
        headers = dict(headers or {})
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        elif form is not None:
            from urllib.parse import urlencode

            data = urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        request = urllib.request.Request(
            self.urls[vendor] + path, data=data, headers=headers, method=method
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as answer:
                status, content = answer.status, answer.read()
        except urllib.error.HTTPError as error:
            with error:
                status, content = error.code, error.read()
        try:
            return status, json.loads(content)
        except ValueError:
            return status, content.decode()

    def stop(self, sig: int = signal.SIGINT) -> tuple[int, float]:
        started = time.monotonic()
        self.process.send_signal(sig)
        try:
            code = self.process.wait(timeout=5)
        finally:
            self.process.kill()
            _, self.stderr = self.process.communicate()
        return code, time.monotonic() - started
