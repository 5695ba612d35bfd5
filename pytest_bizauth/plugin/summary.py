"""The run summary, ``--bizauth-report`` and scenario coverage.

Each test's fakes are looked at once, at the fake's teardown: counts (logins, refreshes,
renewals after a 401, refusals, webhooks) and the scenarios of the vendor's catalogue
the test exercised. Under xdist each worker sends its tally to the controller, which
merges them. At the end of the session: one line per vendor in the terminal, the JSON
report, and the check of ``bizauth_require_scenarios``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from ..core.scenarios import Seen, exercised, tally
from ..extend import MARKER, registered

if TYPE_CHECKING:
    from ..core.fake import FakeProvider
    from ..extend import VendorSpec

__all__ = [
    "SESSION_INI",
    "Run",
    "add_options",
    "catalogue_names",
    "check_required",
    "configure",
    "merge_worker",
    "record",
    "summary",
    "worker_output",
]

#: The session's ini options (beside the per-test ones).
SESSION_INI = (f"{MARKER}_summary", f"{MARKER}_require_scenarios")
_OUTPUT = "bizauth_run"
_RUN = pytest.StashKey["Run"]()
_COUNTS = ("logins", "refreshes", "renewals_after_401", "refusals",
           "webhooks_delivered", "webhooks_refused")  # fmt: skip


def add_options(parser: pytest.Parser) -> None:
    parser.addoption(
        "--bizauth-report",
        metavar="PATH",
        default=None,
        help="pytest-bizauth: write the run summary and scenario coverage, per vendor and "
        "per test, as JSON to PATH",
    )
    parser.addini(
        SESSION_INI[0],
        "pytest-bizauth: print one summary line per vendor at the end of the session",
        type="bool",
        default=True,
    )
    parser.addini(
        SESSION_INI[1],
        "pytest-bizauth: fail the session when a scenario was never exercised: 'all', or "
        "names as <vendor>.<scenario> (bizauth scenarios lists them)",
        type="linelist",
        default=[],
    )


class Run:
    """What the session's tests did with each vendor's fake."""

    def __init__(self, required: list[str], *, per_test: bool = True) -> None:
        self.required = required
        self.vendors: dict[str, dict[str, Any]] = {}
        self.tests: dict[str, dict[str, Any]] = {}
        # Whether each test's own counts and scenarios are kept (for the report and an
        # xdist worker's output); otherwise a long session keeps nothing per test.
        self._per_test = per_test

    def add(self, nodeid: str, vendor: str, counts: dict[str, int], names: list[str]) -> None:
        totals = self.vendors.setdefault(vendor, {"tests": 0, **dict.fromkeys(_COUNTS, 0),
                                                  "scenarios": {}})  # fmt: skip
        totals["tests"] += 1
        for key in _COUNTS:
            totals[key] += counts[key]
        for name in names:
            tests = totals["scenarios"].setdefault(name, [])
            if self._per_test or not tests:
                tests.append(nodeid)
        if self._per_test:
            self.tests.setdefault(nodeid, {})[vendor] = {"counts": counts, "scenarios": names}

    def sorted_tests(self) -> dict[str, Any]:
        return {nodeid: self.tests[nodeid] for nodeid in sorted(self.tests)}

    def merge(self, data: dict[str, Any]) -> None:
        for nodeid, vendors in data.get("tests", {}).items():
            for vendor, seen in vendors.items():
                self.add(nodeid, vendor, seen["counts"], seen["scenarios"])

    def to_json(self) -> dict[str, Any]:
        return {"tests": self.tests}

    def report(self) -> dict[str, Any]:
        """The JSON report: per vendor, the totals, each scenario with the tests that
        exercised it, and the scenarios never exercised; then per test."""
        vendors = {}
        for spec in registered():
            totals = self.vendors.get(spec.name)
            if totals is None:
                continue
            catalogue = [s.name for s in spec.scenario_catalogue()]
            vendors[spec.name] = {
                **{k: v for k, v in totals.items() if k != "scenarios"},
                "scenarios": {
                    name: sorted(set(totals["scenarios"].get(name, []))) for name in catalogue
                },
                "never_exercised": [n for n in catalogue if n not in totals["scenarios"]],
            }
        return {"vendors": vendors, "tests": self.sorted_tests()}

    def missing(self) -> list[str]:
        """The required scenarios (``<vendor>.<name>``) no test exercised."""
        if not self.required:
            return []
        report = self.report()["vendors"]
        wanted = _everything(report) if self.required == ["all"] else self.required
        found = {
            f"{v}.{n}" for v, data in report.items() for n, t in data["scenarios"].items() if t
        }
        return [name for name in wanted if name not in found]

    def lines(self) -> list[str]:
        out = []
        for vendor, data in self.report()["vendors"].items():
            never = data["never_exercised"]
            done = len(data["scenarios"]) - len(never)
            out.append(
                f"{vendor}: {data['tests']} test(s) | logins {data['logins']} | refreshes "
                f"{data['refreshes']} | renewed after a 401: {data['renewals_after_401']} | "
                f"refused calls {data['refusals']} | webhooks {data['webhooks_delivered']} "
                f"delivered, {data['webhooks_refused']} refused | scenarios {done} of "
                f"{len(data['scenarios'])}"
            )
            if never:
                out.append(f"  never exercised: {', '.join(never)}")
        return out


def _everything(report: dict[str, Any]) -> list[str]:
    """Every scenario of every vendor whose fake the session used."""
    return [f"{v}.{n}" for v, data in report.items() for n in data["scenarios"]]


def catalogue_names() -> list[str]:
    return [f"{spec.name}.{s.name}" for spec in registered() for s in spec.scenario_catalogue()]


def configure(config: pytest.Config) -> None:
    """Start the session's tally, checking the required scenarios' names."""
    required = [str(name).strip() for name in config.getini(SESSION_INI[1]) or []]
    required = [name for name in required if name]
    if required != ["all"]:
        known = catalogue_names()
        unknown = [name for name in required if name not in known]
        if unknown:
            raise pytest.UsageError(
                f"pytest-bizauth: {SESSION_INI[1]} names no scenario {', '.join(unknown)}; "
                f"write 'all' or names from the catalogue (bizauth scenarios): {', '.join(known)}"
            )
    wanted = config.getini(SESSION_INI[0]) or config.getoption("--bizauth-report") or required
    if wanted:  # with no summary, report or requirement, nothing is counted
        per_test = bool(config.getoption("--bizauth-report")) or _xdist_worker(config)
        config.stash[_RUN] = Run(required, per_test=per_test)


def _xdist_worker(config: pytest.Config) -> bool:
    """Whether this is an xdist worker (it hands each test's tally to the controller)."""
    return hasattr(config, "workeroutput")


def record(node: pytest.Item, spec: VendorSpec, fake: FakeProvider) -> None:
    """Count what ``fake`` saw during the test ``node``."""
    run = node.config.stash.get(_RUN, None)
    if run is None:
        return
    seen = Seen(fake)
    run.add(node.nodeid, spec.name, tally(seen), exercised(spec.scenario_catalogue(), seen))


def worker_output(config: pytest.Config) -> None:
    """Under xdist, a worker hands its tally to the controller."""
    output = getattr(config, "workeroutput", None)
    run = config.stash.get(_RUN, None)
    if output is not None and run is not None:
        output[_OUTPUT] = json.dumps(run.to_json())


def merge_worker(config: pytest.Config, node: Any) -> None:
    run = config.stash.get(_RUN, None)
    data = getattr(node, "workeroutput", {}).get(_OUTPUT)
    if run is not None and data:
        run.merge(json.loads(data))


def check_required(session: pytest.Session) -> None:
    """Write the report; fail the session when a required scenario was never exercised."""
    config = session.config
    run = config.stash.get(_RUN, None)
    if run is None or _xdist_worker(config):
        return
    path = config.getoption("--bizauth-report")
    if path:
        Path(path).write_text(json.dumps(run.report(), indent=2, sort_keys=True) + "\n")
    if run.missing() and session.exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def summary(reporter: Any, config: pytest.Config) -> None:
    run = config.stash.get(_RUN, None)
    if run is None or _xdist_worker(config):
        return
    lines = run.lines() if config.getini(SESSION_INI[0]) else []
    missing = run.missing()
    if not lines and not missing:
        return
    reporter.write_sep("-", "pytest-bizauth")
    for line in lines:
        reporter.write_line(line)
    if missing:
        reporter.write_line(
            f"{SESSION_INI[1]}: never exercised: {', '.join(missing)}", red=True, bold=True
        )
