"""Every example of "Use the fakes from any language" runs against ``bizauth serve``:
node where node is installed, curl where curl is, and the CI job's script in bash."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .serving import Served

PAGE = Path(__file__).resolve().parent.parent / "docs" / "any-language.md"
BLOCKS = re.findall(r"```(bash|javascript)\n(.*?)```", PAGE.read_text(), re.S)
NODE = [code for lang, code in BLOCKS if lang == "javascript"]
SHELL = [code for lang, code in BLOCKS if lang == "bash"]
# The page's first shell block starts the server the other examples talk to.
STARTS, CURL, CI_JOB, TENANTS, CTL = SHELL
# Its Python example needs a running server: it runs here, not with the other pages'.
(TENANT_TEST,) = re.findall(r"```python\n(.*?)```", PAGE.read_text(), re.S)


@pytest.fixture(scope="module")
def served():
    args = shlex.split(STARTS)
    assert args[:2] == ["bizauth", "serve"]
    server = Served(*args[2:], "--port", "0")
    yield server
    server.stop()


@pytest.fixture
def urls(served):
    yield {"BIZMAIL_URL": served.urls["bizmail"], "BILL24_URL": served.urls["bill24"]}
    served.call("bizmail", "POST", "/_bizauth/reset")


def _run(command, urls, cwd, **kwargs):
    env = {
        **os.environ,
        **urls,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    return subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, timeout=60, **kwargs
    )


@pytest.mark.parametrize(
    "code", NODE, ids=["vendor-sample", "clock-and-refresh", "merchant-webhook"]
)
def test_node_examples(code, urls, tmp_path):
    if shutil.which("node") is None:
        pytest.skip("node is not installed")
    script = tmp_path / "example.mjs"
    script.write_text(code)
    out = _run(["node", str(script)], urls, tmp_path)
    assert out.returncode == 0, out.stderr
    assert out.stderr == ""
    if "console.log" in code:
        assert "success: true" in out.stdout


def test_the_curl_example(urls, tmp_path):
    if shutil.which("curl") is None:
        pytest.skip("curl is not installed")
    out = _run(["bash", "-c", f"set -euo pipefail\n{CURL}"], urls, tmp_path)
    assert out.returncode == 0, out.stderr
    assert '"token_type":"Bearer"' in out.stdout


def test_the_ci_job_script(tmp_path):
    assert CI_JOB.rstrip().endswith("npm test")
    # the suite it hands the URLs to: here, a look at each fake's clock
    check = (
        f'"{sys.executable}" -c "import os, urllib.request; '
        "[urllib.request.urlopen(os.environ[name] + '/_bizauth/clock', timeout=10).close() "
        "for name in ('BIZMAIL_URL', 'BILL24_URL')]; print('suite passed')\""
    )
    script = CI_JOB.rstrip()[: -len("npm test")] + check
    out = _run(["bash", "-c", f"set -euo pipefail\n{script}"], {}, tmp_path)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "suite passed"
    assert (tmp_path / "bizauth.out").read_text().startswith("bizmail http://127.0.0.1:")


def test_the_ctl_example(urls, tmp_path):
    out = _run(["bash", "-c", f"set -euo pipefail\n{CTL}"], urls, tmp_path)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0].startswith('now: "')
    assert lines[1] == "frozen: true"
    assert lines[2] == "[]"  # no transaction yet
    assert '"POST /transaction/v2/init"' in lines


def test_two_jobs_with_a_tenant_each(urls, tmp_path):
    import datetime as dt
    import json

    out = _run(["bash", "-c", f"set -euo pipefail\n{TENANTS}"], urls, tmp_path)
    assert out.returncode == 0, out.stderr
    clocks = {n: json.loads((tmp_path / f"job-{n}.json").read_text()) for n in (3600, 7200)}
    server = json.loads((tmp_path / "server.json").read_text())
    assert clocks[3600]["frozen"]
    assert clocks[7200]["frozen"]
    assert server["frozen"] is False  # neither job moved the server's own clock
    at = {n: dt.datetime.fromisoformat(c["now"].replace("Z", "+00:00")) for n, c in clocks.items()}
    assert 3590 < (at[7200] - at[3600]).total_seconds() < 3610


def test_the_bizauth_tenant_example(served, pytester):
    from .conftest import QUIET_PLUGINS

    pytester.makeini(f"[pytest]\nbizauth_serve_url = {served.urls['bizmail']}\n")
    pytester.makepyfile(TENANT_TEST)
    result = pytester.runpytest("-W", "error", *QUIET_PLUGINS)
    result.assert_outcomes(passed=1)
