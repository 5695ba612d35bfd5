"""Every code example in README.md and docs/ runs here, so the docs cannot rot.

A Python block that defines tests runs as a test module of its own, in a project with no
conftest; an ``ini`` block just before it becomes that project's ini file. Any other
Python block is executed as a script.
"""

from __future__ import annotations

import doctest
import importlib
import re
from pathlib import Path

import pytest

from .conftest import QUIET_PLUGINS

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
FENCE = re.compile(r"^```(\w*)\s*$")


def blocks(page: Path):
    """(line, language, code, ini) for every fenced block of a page."""
    found, language, start, lines, last_ini = [], None, 0, [], None
    for number, line in enumerate(page.read_text().splitlines(), 1):
        fence = FENCE.match(line)
        if fence and language is None:
            language, start, lines = fence.group(1) or "text", number, []
        elif line.strip() == "```" and language is not None:
            code = "\n".join(lines) + "\n"
            found.append((start, language, code, last_ini))
            last_ini = code if language == "ini" else None
            language = None
        elif language is not None:
            lines.append(line)
    assert language is None, f"{page.name}: a code block opened at line {start} never closes"
    return found


EXAMPLES = [
    pytest.param(code, ini, id=f"{page.relative_to(ROOT)}:{line}")
    for page in PAGES
    for line, language, code, ini in blocks(page)
    # a bizauth_tenant example needs a running server: test_any_language runs it
    if language == "python" and "bizauth_tenant" not in code
]


def test_every_page_has_an_example_or_a_reason():
    without = [p.name for p in PAGES if not any(lang == "python" for _, lang, _, _ in blocks(p))]
    # any-language.md's examples (node, curl, bash, a test against a running server):
    # test_any_language runs them
    # check.md's command runs in test_check against bizauth serve
    assert without == [
        "architecture.md",
        "changelog.md",
        "check.md",
        "fidelity.md",
        "install.md",
        "reference.md",
    ]


SITE = "https://pytest-bizauth.readthedocs.io/en/latest/"


def test_every_page_is_linked_from_the_readme_and_in_the_sites_nav():
    readme = (ROOT / "README.md").read_text()
    pages = [p for p in PAGES[1:] if p.name != "index.md"]
    assert [p.name for p in pages if f"({SITE}{p.stem}/)" not in readme] == []
    nav = (ROOT / "mkdocs.yml").read_text()
    assert [p.name for p in PAGES[1:] if f" {p.name}\n" not in nav] == []


# Extras a page may use (the modules each needs); without them installed, its examples
# are skipped.
OPTIONAL = {
    "httpx": "httpx",
    "httpx2": "httpx2",
    "authlib": "authlib",
    "httpx_auth": "httpx_auth respx",
    "requests_oauthlib": "requests_oauthlib",
    "respx": "respx",
    "aiohttp": "aiohttp h11",
    "httpx_mock": "pytest_httpx",
    r"\w*async_client": "httpx",
    "asyncio_default_fixture_loop_scope": "pytest_asyncio",
    "flask": "flask",
    "trio": "trio",
}


@pytest.mark.parametrize(("code", "ini"), EXAMPLES)
def test_example(pytester, code, ini):
    for word, modules in OPTIONAL.items():
        if re.search(rf"\b{word}\b", code + (ini or "")):
            for module in modules.split():
                pytest.importorskip(module)
    if "def test_" not in code:
        exec(compile(code, "<docs example>", "exec"), {"__name__": "docs_example"})
        return
    if ini:
        pytester.makeini(ini)
    pytester.makepyfile(code)
    plugins = list(QUIET_PLUGINS)
    run = pytester.runpytest
    warnings = ["-W", "error"]
    if "pytest.mark.asyncio" in code:
        at = plugins.index("no:asyncio")
        del plugins[at - 1 : at + 1]
        # pytest-asyncio leaves an event loop unclosed on Python 3.9: in a process of its
        # own, with that one warning let through, the leak cannot fail another test.
        run = pytester.runpytest_subprocess
        warnings += ["-W", "ignore::ResourceWarning"]
    result = run(*warnings, "--strict-markers", *plugins)
    outcomes = result.parseoutcomes()
    assert result.ret == 0, result.stdout.str()
    assert outcomes.get("passed", 0) >= 1


@pytest.mark.parametrize(
    "module", ["pytest_bizauth.clock", "pytest_bizauth.vendors.bizmail.client"]
)
def test_docstring_examples(module):
    failures, tried = doctest.testmod(importlib.import_module(module))
    assert (failures, tried > 0) == (0, True)


def _fidelity_rows():
    page = (ROOT / "docs" / "fidelity.md").read_text()
    pages_table, vendors = page.split("## BizMail Delivery", 1)
    names = [
        line.split("|")[1].strip()
        for line in pages_table.splitlines()
        if line.startswith("| ") and not line.startswith("| short name")
    ]
    vendors = vendors.split("## Endpoints neither fake models", 1)[0]
    rows = [
        [cell.strip() for cell in line.strip().strip("|").split("|")]
        for line in vendors.splitlines()
        if line.startswith("| ") and not line.startswith("| behaviour")
    ]
    return names, rows


def test_every_fidelity_row_names_a_page_and_what_it_is():
    names, rows = _fidelity_rows()
    assert len(rows) > 80
    for row in rows:
        assert len(row) == 4, row
        _, _, status, source = row
        assert re.match(r"(documented|inferred|invented)\b", status), row
        assert any(name in source for name in names), row


def test_the_configuration_page_lists_every_option():
    from pytest_bizauth.extend import registered
    from pytest_bizauth.plugin.options import options
    from pytest_bizauth.vendors import bill24, bizmail

    # Other tests register vendors of their own in this process: the page documents the
    # shared options and the built-in vendors' own.
    vendors = {option.name for spec in registered() for option in spec.options}
    shared = set(options()) - vendors
    ours = {option.name for spec in (bill24.SPEC, bizmail.SPEC) for option in spec.options}
    page = (ROOT / "docs" / "configuration.md").read_text()
    assert [name for name in sorted(shared | ours) if f"| `{name}` |" not in page] == []
