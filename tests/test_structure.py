"""The shape of the package: shared code names no vendor, no import cycle, every module
imports alone, private names of dependencies only in ``_compat``, and a vendor defined
outside the package gets every shared feature."""

from __future__ import annotations

import ast
import importlib.util
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest_bizauth

PACKAGE = Path(pytest_bizauth.__file__).parent
SHARED = [
    "core",
    "transport",
    "client",
    "clock",
    "plugin",
    "extend.py",
    "cli.py",
    "_compat.py",
    "_lazy.py",
    "_loopback.py",
]
DEPENDENCIES = {
    "cryptography",
    "freezegun",
    "httpx",
    "httpx2",
    "jwt",
    "requests",
    "respx",
    "responses",
    "time_machine",
    "urllib3",
    "werkzeug",
}


def modules() -> dict[str, Path]:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


MODULES = modules()


def _is_type_checking(node: ast.If) -> bool:
    return isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING"


def import_time_imports(name: str, path: Path) -> set[str]:
    """The package's modules that ``name`` imports when it is imported (not those it
    imports inside functions or only for type checking)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    body = list(ast.parse(path.read_text()).body)
    while body:
        node = body.pop(0)
        if isinstance(node, ast.If) and not _is_type_checking(node):
            body.extend(node.body + node.orelse)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("pytest_bizauth"))
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            if not source.startswith("pytest_bizauth"):
                continue
            found.add(source)
            found.update(f"{source}.{a.name}" for a in node.names)
    return {m for m in found if m in MODULES and m != name}


def all_imports(name: str, path: Path) -> set[str]:
    """The package's modules that ``name`` imports anywhere: inside functions too, and
    those it imports only for type checking."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    pending = list(ast.parse(path.read_text()).body)
    while pending:
        node = pending.pop()
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("pytest_bizauth"))
        elif isinstance(node, ast.ImportFrom):
            base = package.split(".")[: len(package.split(".")) - node.level + 1]
            source = ".".join([*base, node.module] if node.module else base)
            source = source if node.level else (node.module or "")
            if source.startswith("pytest_bizauth"):
                found.add(source)
                found.update(f"{source}.{a.name}" for a in node.names)
        pending.extend(ast.iter_child_nodes(node))
    return {m for m in found if m in MODULES and m != name}


def _cycles(graph: dict[str, set[str]]) -> list[str]:
    state: dict[str, int] = {}
    cycles = []

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycles.append(" -> ".join([*trail[trail.index(nxt) :], nxt]))
            elif nxt not in state:
                visit(nxt, [*trail, nxt])
        state[node] = 2

    for name in graph:
        if name not in state:
            visit(name, [name])
    return cycles


def _parents(name: str) -> set[str]:
    """A module's packages: importing it imports them, which is no cycle of its own."""
    parts = name.split(".")
    return {".".join(parts[:i]) for i in range(1, len(parts))}


def test_no_import_cycle_even_inside_functions_or_for_type_checking():
    graph = {
        name: {m for m in all_imports(name, path) if m not in _parents(name)}
        for name, path in MODULES.items()
    }
    # The package's __init__ names everything lazily; the cycle test above covers it.
    graph["pytest_bizauth"] = set()
    assert _cycles(graph) == []


def test_no_client_imports_a_fake():
    clients = [name for name in MODULES if name.rpartition(".")[2].endswith("client")]
    clients += [name for name in MODULES if name.startswith("pytest_bizauth.client")]
    assert len(clients) > 5
    offenders = {
        name: sorted(m for m in all_imports(name, MODULES[name]) if m.endswith((".fake", "_fake")))
        for name in clients
    }
    assert {name: found for name, found in offenders.items() if found} == {}


def test_no_private_name_is_imported_across_modules():
    offenders = []
    for name, path in MODULES.items():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and (
                node.level or "pytest_bizauth" in (node.module or "")
            ):
                private = [a.name for a in node.names if a.name.startswith("_")]
                if private:
                    offenders.append(f"{name}: {private}")
    assert offenders == []


LIMITS = {"module": 400, "class": 250, "function": 50}


def test_modules_classes_and_functions_stay_small():
    too_big = []
    for name, path in MODULES.items():
        text = path.read_text()
        if len(text.splitlines()) > LIMITS["module"]:
            too_big.append(f"module {name}: {len(text.splitlines())} lines")
        for node in ast.walk(ast.parse(text)):
            kind = (
                "class"
                if isinstance(node, ast.ClassDef)
                else "function"
                if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
                else None
            )
            if kind is not None:
                size = node.end_lineno - node.lineno + 1
                if size > LIMITS[kind]:
                    too_big.append(f"{kind} {name}.{node.name}: {size} lines")
    assert too_big == []


def test_shared_code_names_no_vendor():
    named = []
    for entry in SHARED:
        for path in [PACKAGE / entry] if entry.endswith(".py") else (PACKAGE / entry).rglob("*.py"):
            text = path.read_text().lower()
            if "bizmail" in text or "bill24" in text:
                named.append(str(path.relative_to(PACKAGE)))
    assert named == []


def test_no_import_cycle():
    graph = {name: import_time_imports(name, path) for name, path in MODULES.items()}
    assert _cycles(graph) == []


def test_the_cycle_check_sees_relative_imports():
    assert "pytest_bizauth.clock" in import_time_imports(
        "pytest_bizauth.core.fake", MODULES["pytest_bizauth.core.fake"]
    )


def _import_alone(name: str) -> tuple[str, int, str]:
    done = subprocess.run(
        [sys.executable, "-c", f"import {name}"], capture_output=True, text=True, check=False
    )
    return name, done.returncode, done.stderr[-500:]


def test_every_module_imports_alone_in_a_fresh_interpreter():
    optional = set()
    if importlib.util.find_spec("httpx") is None:  # the httpx extra is not installed
        optional = {
            name for name in MODULES if name.endswith(("httpx", "httpx_api", "async_client"))
        }
        optional.add("pytest_bizauth.client.asynchronous")
    if importlib.util.find_spec("httpx2") is None:  # installed by the user, when used
        optional.add("pytest_bizauth.transport.httpx2")
    if not all(importlib.util.find_spec(m) for m in ("aiohttp", "h11")):  # the aiohttp extra
        optional.add("pytest_bizauth.transport.aiohttp")
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(_import_alone, sorted(set(MODULES) - optional)))
    assert [(name, err) for name, code, err in results if code != 0] == []


def test_private_names_of_dependencies_only_in_compat():
    offenders = []
    for name, path in MODULES.items():
        if name == "pytest_bizauth._compat":
            continue
        tree = ast.parse(path.read_text())
        aliases: set[str] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name.split(".")[0] in DEPENDENCIES:
                        aliases.add(alias.asname or alias.name.split(".")[0])
            elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
                root = node.module.split(".")[0]
                private = [a.name for a in node.names if a.name.startswith("_")]
                if root in DEPENDENCIES and (private or "._" in f".{node.module}"):
                    offenders.append(f"{name}: from {node.module} import {private}")
                if root in DEPENDENCIES:
                    aliases.update(a.asname or a.name for a in node.names)
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Attribute)
                and node.attr.startswith("_")
                and not node.attr.startswith("__")
                and isinstance(node.value, ast.Name)
                and node.value.id in aliases
            ):
                offenders.append(f"{name}: {node.value.id}.{node.attr}")
    assert offenders == []


def test_a_vendor_defined_outside_the_package_gets_every_shared_feature(pytester):
    shutil.copytree(Path(__file__).parent / "third_vendor", pytester.path / "third_vendor")
    pytester.makeconftest("""
        from pytest_bizauth.plugin import install_vendor
        from third_vendor import SPEC

        install_vendor(SPEC, globals())
    """)
    pytester.makeini("[pytest]\nbizauth_acme_refresh_ttl = 1200\n")
    pytester.makepyfile("""
        import pytest
        import requests

        @pytest.mark.bizauth(acme_access_ttl=60, single_use_refresh=True)
        def test_options_fixtures_faults_and_assertions(acme_mock, acme_tokens, acme_client,
                                                        bizauth_clock):
            assert acme_tokens.access_ttl == 60 and acme_tokens.refresh_ttl == 1200
            assert acme_mock.single_use_refresh is True
            acme_mock.fail_next("login", 503)
            with pytest.raises(KeyError):
                acme_client.things()
            assert acme_client.things() == {"things": [1, 2, 3]}
            acme_mock.assert_logged_in(times=1)
            (refresh,) = acme_mock.store.refresh_records
            assert bizauth_clock.expiry_of(refresh).timestamp() == bizauth_clock.timestamp() + 1200
            bizauth_clock.shift(61)
            assert requests.get(acme_mock.base_url + "/things", timeout=5).status_code == 401
            assert acme_client.things() == {"things": [1, 2, 3]}  # refreshes first
            acme_mock.assert_refreshed(times=1)
            assert acme_mock.auth_events == [
                "login 503", "login", "resource", "resource 401", "refresh", "resource"
            ]

        def test_the_teardown_check(acme_mock):
            acme_mock.fail_next("refresh", error="timeout")
    """)
    result = pytester.runpytest_subprocess("-p", "no:randomly", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=2, errors=1)
    result.stdout.fnmatch_lines(["*fault(s) injected into the Acme fake never fired*"])


def test_the_vendor_defined_outside_uses_only_the_extension_module():
    imported = set()
    for path in (Path(__file__).parent / "third_vendor").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("pytest_"):
                imported.add(node.module)
            elif isinstance(node, ast.Import):
                imported.update(a.name for a in node.names if a.name.startswith("pytest_"))
    assert imported == {"pytest_bizauth.extend"}


def _empty_container(node: ast.expr) -> bool:
    """A value that starts empty, to be filled while the process runs."""
    if isinstance(node, (ast.Dict, ast.List, ast.Set)):
        return not getattr(node, "keys", None) and not getattr(node, "elts", None)
    if isinstance(node, ast.Tuple):
        return any(_empty_container(element) for element in node.elts)
    return isinstance(node, ast.Call) and ast.unparse(node.func).endswith(("Lock", "ContextVar"))


def test_every_object_that_lives_for_the_process_is_on_the_architecture_page():
    page = (PACKAGE.parent / "docs" / "architecture.md").read_text()
    found = set()
    for path in MODULES.values():
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None:
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                if _empty_container(node.value):
                    found.update(t.id for t in targets if isinstance(t, ast.Name))
            elif isinstance(node, ast.FunctionDef) and any(
                "cache" in ast.unparse(d) for d in node.decorator_list
            ):
                found.add(node.name)
    assert len(found) > 15
    assert sorted(name for name in found if f"{name}" not in page) == []
