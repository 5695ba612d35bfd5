"""Run a vendor's contract against a server and against the fake, side by side."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .._loopback import is_loopback_url
from .compare import Difference, differences
from .probes import Observed

if TYPE_CHECKING:
    from .._types import JSONObject
    from ..core.fake import FakeProvider
    from .probes import Context, Contract, Probe

__all__ = ["Report", "Result", "run"]


@dataclass
class Result:
    """One probe's outcome: its differences, or why it was skipped."""

    probe: str
    row: str
    differences: list[Difference] = field(default_factory=list)
    skipped: str | None = None

    def as_json(self) -> JSONObject:
        return {
            "probe": self.probe,
            "fidelity_row": self.row,
            "skipped": self.skipped,
            "differences": [
                {"where": d.where, "server": d.server, "fake": d.fake} for d in self.differences
            ],
        }


@dataclass
class Report:
    vendor: str
    base_url: str
    results: list[Result] = field(default_factory=list)

    @property
    def conformant(self) -> bool:
        return not any(r.differences for r in self.results)

    def as_json(self) -> JSONObject:
        return {
            "vendor": self.vendor,
            "base_url": self.base_url,
            "conformant": self.conformant,
            "results": [r.as_json() for r in self.results],
        }

    def text(self) -> str:
        lines = [f"{self.vendor} at {self.base_url}:"]
        for result in self.results:
            if result.skipped:
                lines.append(f"  {result.probe}: skipped ({result.skipped})")
            elif not result.differences:
                lines.append(f"  {result.probe}: as the fake")
            else:
                count = len(result.differences)
                lines.append(
                    f"  {result.probe}: {count} difference(s), against the fidelity page's "
                    f'row "{result.row}"'
                )
                lines += [f"    - {d.describe()}" for d in result.differences]
        verdict = "no difference" if self.conformant else "DIFFERENT"
        lines.append(f"{self.vendor}: {verdict}")
        return "\n".join(lines)


def _observed(status: int, headers: Any, content: bytes) -> Observed:
    lowered = {str(k).lower(): str(v) for k, v in dict(headers).items()}
    try:
        return Observed(status, lowered, json.loads(content.decode("utf-8")), True)
    except (UnicodeDecodeError, ValueError):
        return Observed(status, lowered)


class _Server:
    """The server checked: real HTTP, no redirects followed, at most one call each
    ``min_interval`` seconds (real time)."""

    def __init__(self, base_url: str, min_interval: float, proxy: str | None = None) -> None:
        import requests

        self._session = requests.Session()
        self._session.trust_env = False  # no proxy, netrc or CA bundle from the environment
        if proxy is not None:
            self._session.proxies = {"http": proxy, "https": proxy}
        self._base_url = base_url
        self._min_interval = min_interval
        self._last = float("-inf")

    def send(self, method: str, path: str, body: object, headers: dict[str, str]) -> Observed:
        wait = self._last + self._min_interval - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        self._last = time.monotonic()
        response = self._session.request(
            method,
            self._base_url + path,
            json=body,
            headers=headers,
            timeout=30,
            allow_redirects=False,
        )
        return _observed(response.status_code, response.headers, response.content)


class _Fake:
    """The fake, asked in-process."""

    def __init__(self, fake: FakeProvider) -> None:
        self._fake = fake

    def send(self, method: str, path: str, body: Any, headers: dict[str, str]) -> Observed:
        from ..core.wire import FakeRequest

        content = b"" if body is None else json.dumps(body).encode()
        sent = {**headers, "Content-Type": "application/json"} if body is not None else headers
        reply = self._fake.handle(FakeRequest.build(method, path, sent, content))
        if reply is None:
            return Observed(404, {})
        return _observed(reply.status, reply.all_headers(), reply.content())


def _step(side: Any, probe: Probe, context: Context) -> Observed:
    body, headers = probe.build(context)
    observed: Observed = side.send(probe.method, probe.path, body, headers)
    if probe.capture is not None and 200 <= observed.status < 300:
        probe.capture(context, observed)
    return observed


def run(
    contract: Contract,
    vendor: str,
    base_url: str,
    credentials: dict[str, str],
    *,
    product: str | None = None,
    allow_writes: bool = False,
    min_interval: float = 1.0,
    proxy: str | None = None,
) -> Report:
    """Send every probe to the server and to a fake holding the same accounts, each
    side with its own context, and compare the answers."""
    server = _Server(base_url, 0.0 if is_loopback_url(base_url) else min_interval, proxy)
    fake = _Fake(contract.fake(credentials, product))
    contexts: tuple[Context, Context] = ({}, {})
    report = Report(vendor, base_url)
    for probe in contract.probes(credentials, product):
        if probe.writes and not allow_writes:
            report.results.append(Result(probe.name, probe.row, skipped="needs --allow-writes"))
            continue
        theirs = _step(server, probe, contexts[0])
        ours = _step(fake, probe, contexts[1])
        if probe.optional and theirs.status == 404:
            report.results.append(Result(probe.name, probe.row, skipped="not served"))
            continue
        report.results.append(Result(probe.name, probe.row, differences(probe, theirs, ours)))
    return report
