from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import pytest_bizauth

HEAVY = ("responses", "freezegun", "jwt", "requests", "cryptography", "werkzeug")


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
        if name.startswith("Async"):
            pytest.importorskip("httpx")
        assert getattr(pytest_bizauth, name) is not None
        assert f"`{name}" in reference or name in reference, name
    assert sorted(dir(pytest_bizauth)) == sorted(set(dir(pytest_bizauth)))


def test_unknown_names_raise_attribute_error():
    with pytest.raises(AttributeError, match="NoSuchThing"):
        pytest_bizauth.NoSuchThing  # noqa: B018


def test_the_package_is_typed():
    assert (Path(pytest_bizauth.__file__).parent / "py.typed").exists()


def test_no_repr_shows_a_whole_token_or_secret(
    bizmail_client, bizmail_mock, bill24_client, bill24_mock, bizauth_clock
):
    from pytest_bizauth import FakeRequest

    bizmail_client.access_token()
    bill24_client.access_token()
    secrets_ = [
        bizmail_mock.user.password,
        bill24_mock.user.password,
        bill24_mock.user.secret,
        bill24_mock.merchant.token,
        bill24_mock.merchant.secret,
    ]
    for client in (bizmail_client, bill24_client):
        secrets_ += [client.cached_tokens.access, client.cached_tokens.refresh]
    token = bizmail_client.cached_tokens.access
    request = FakeRequest.build("POST", "/x", {"Authorization": f"Bearer {token}"}, b"{}")
    reply = bizmail_mock.calls[0]
    texts = [
        repr(x)
        for x in (
            bizmail_client,
            bill24_client,
            bizmail_client.cached_tokens,
            bill24_client.cached_tokens,
            request,
            bizmail_mock,
            bill24_mock,
            bizmail_mock.user,
            bill24_mock.user,
            bill24_mock.merchant,
            bizmail_mock.calls,
            bill24_mock.calls,
            bizmail_mock.tokens,
            bill24_mock.tokens,
            bill24_mock.refresh_tokens,
            reply,
        )
    ]
    texts.append(bizmail_mock.format_calls() + bill24_mock.format_calls())
    from pytest_bizauth.core.wire import Reply

    texts.append(repr(Reply(200, {"access_token": token, "secret": "hush-hush"})))
    for text in texts:
        for secret in [*secrets_, "hush-hush"]:
            assert secret not in text


def test_each_public_name_is_written_once_and_resolves_to_its_module():
    import pytest_bizauth.extend as extend
    from pytest_bizauth._lazy import reexports

    for module in (pytest_bizauth, extend):
        table = reexports(
            Path(module.__file__).read_text(),
            module.__name__.rpartition(".")[0] if module is extend else module.__name__,
        )
        assert set(table) <= set(module.__all__)
        for name, defined_in in table.items():
            if "async" in defined_in:
                pytest.importorskip("httpx")
            assert getattr(module, name) is getattr(__import__(defined_in, fromlist=[name]), name)
    assert "__all__" in dir(pytest_bizauth)
