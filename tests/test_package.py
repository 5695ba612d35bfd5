from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import pytest_bizauth

HEAVY = ("responses", "freezegun", "jwt", "requests", "cryptography")


def test_loading_the_plugin_imports_nothing_heavy():
    code = (
        "import sys, pytest_bizauth.plugin\n"
        f"print(','.join(m for m in {HEAVY!r} if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_every_public_name_resolves_and_is_documented():
    reference = (Path(__file__).parent.parent / "docs" / "reference.md").read_text()
    for name in pytest_bizauth.__all__:
        assert getattr(pytest_bizauth, name) is not None
        assert f"`{name}" in reference or name in reference, name
    assert sorted(dir(pytest_bizauth)) == sorted(set(dir(pytest_bizauth)))


def test_unknown_names_raise_attribute_error():
    with pytest.raises(AttributeError, match="NoSuchThing"):
        pytest_bizauth.NoSuchThing  # noqa: B018


def test_the_package_is_typed():
    assert (Path(pytest_bizauth.__file__).parent / "py.typed").exists()
