"""BizMail's contract for ``bizauth check``: what it may safely ask a real server (it
never sends mail), and the fidelity page's row each probe tests."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ...check.probes import Contract, Probe, jwt_facts
from .api import MAIL_PATH, REFRESH_PATH, TOKEN_PATH

if TYPE_CHECKING:
    from collections.abc import Mapping

    from ..._types import JSONObject
    from ...check.probes import Context, Observed

__all__ = ["CONTRACT"]


def _credentials(env: Mapping[str, str]) -> dict[str, str] | None:
    username, password = env.get("BIZAUTH_BIZMAIL_USERNAME"), env.get("BIZAUTH_BIZMAIL_PASSWORD")
    if not username or not password:
        return None
    return {"username": username, "password": password}


def _fake(credentials: dict[str, str], product: str | None) -> Any:
    from .fake import FakeBizMail

    fake = FakeBizMail()
    if credentials["username"] not in fake.users:
        fake.add_user(credentials["username"], credentials["password"])
    return fake


def _keep_tokens(context: Context, answer: Observed) -> None:
    body = answer.json if isinstance(answer.json, dict) else {}
    context["access"] = body.get("access_token")
    context["refresh"] = body.get("refresh_token")


def _token_facts(answer: Observed) -> JSONObject:
    body = answer.json if isinstance(answer.json, dict) else {}
    access = {f"access {k}": v for k, v in jwt_facts(body.get("access_token"), "iat").items()}
    refresh = {f"refresh {k}": v for k, v in jwt_facts(body.get("refresh_token"), "iat").items()}
    return {**access, **refresh, "expires_in": body.get("expires_in")}


def _probes(credentials: dict[str, str], product: str | None) -> list[Probe]:
    return _login_probes(credentials) + _refresh_probes()


def _login_probes(credentials: dict[str, str]) -> list[Probe]:
    login = {"username": credentials["username"], "password": credentials["password"]}
    return [
        Probe(
            "log in",
            "`POST /api/1.0/auth/token`, good credentials",
            "POST",
            TOKEN_PATH,
            login,
            capture=_keep_tokens,
            facts=_token_facts,
        ),
        Probe(
            "a wrong password",
            "wrong username or password",
            "POST",
            TOKEN_PATH,
            {**login, "password": credentials["password"] + "-not-it"},
        ),
        Probe(
            "log in without a password",
            "a field missing or empty",
            "POST",
            TOKEN_PATH,
            {"username": credentials["username"]},
        ),
    ]


def _refresh_probes() -> list[Probe]:
    return [
        Probe(
            "refresh",
            "`POST /api/1.0/auth/refresh`, good token",
            "POST",
            REFRESH_PATH,
            lambda context: {"refresh_token": context.get("refresh")},
            facts=_token_facts,
        ),
        Probe(
            "a bad refresh token",
            "bad signature, not a JWT, an access token",
            "POST",
            REFRESH_PATH,
            {"refresh_token": "not-a-refresh-token"},
        ),
        Probe(
            "refresh without its field",
            'no `refresh_token` (the page labels this 400 "Missing field")',
            "POST",
            REFRESH_PATH,
            {},
        ),
        Probe(
            "mail/store with a bad bearer",
            "no or a bad bearer",
            "POST",
            MAIL_PATH,
            headers={"Authorization": "Bearer not-a-token"},
        ),
    ]


CONTRACT = Contract(
    variables="BIZAUTH_BIZMAIL_USERNAME and BIZAUTH_BIZMAIL_PASSWORD",
    credentials=_credentials,
    fake=_fake,
    probes=_probes,
)
