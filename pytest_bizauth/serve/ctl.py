"""``bizauth ctl``: the control API of a running ``bizauth serve`` (or ``bizauth_server``)
from a shell, for CI scripts: ``bizauth ctl pay <ref>``, ``bizauth ctl clock shift 3600``.

Each command is one request to ``<url>/_bizauth/...``; the answer is printed (as JSON
with ``--json``). Exit status: 0 when the server did it, 1 when it refused (its reason
on stderr), 2 for a usage error or a server that cannot be reached. The control token
comes from the environment, never from the command line (where ``ps`` shows it).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import urllib.error
import urllib.request
from typing import Any, Callable
from urllib.parse import quote

__all__ = ["COMMANDS", "TOKEN_ENV", "URL_ENV", "add_parser", "ctl", "refused", "send"]

#: Where ``bizauth ctl`` reads the control token and the server's URL.
TOKEN_ENV, URL_ENV = "BIZAUTH_CONTROL_TOKEN", "BIZAUTH_URL"
#: The most of an answer read, and how long a request may take.
MAX_ANSWER, TIMEOUT = 8 * 1024 * 1024, 10.0

Request = tuple[str, str, "dict[str, Any] | None"]


def _fields(pairs: list[str]) -> dict[str, Any]:
    """``key=value`` words as a JSON object; a value that reads as JSON (a number,
    ``true``, ``null``, a list) is taken as that, anything else as a string."""
    fields: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise ValueError(f"{pair!r} is not key=value")
        try:
            fields[key] = json.loads(value)
        except ValueError:
            fields[key] = value
    return fields


def _ref(word: str) -> str:
    return quote(word, safe="")


def _clock(words: list[str]) -> Request:
    if not words:
        return "GET", "clock", None
    verb, rest = words[0], words[1:]
    if verb == "shift" and len(rest) == 1:
        return "POST", "clock", {"shift": float(rest[0])}
    if verb == "move" and len(rest) == 1:
        return "POST", "clock", {"move_to": rest[0]}
    if verb in ("freeze", "unfreeze") and not rest:
        return "POST", "clock", {"freeze": verb == "freeze"}
    raise ValueError("clock takes nothing, shift <seconds>, move <instant>, freeze or unfreeze")


def _one(name: str, words: list[str], count: int) -> list[str]:
    if len(words) < count:
        raise ValueError(f"{name} needs {count} argument(s)")
    return words


#: Each command: its usage line, and how its words become a request.
COMMANDS: dict[str, tuple[str, Callable[[list[str]], Request]]] = {
    "pay": ("pay <ref> [key=value ...]", lambda w: (
        "POST", f"transactions/{_ref(_one('pay', w, 1)[0])}/pay", _fields(w[1:]))),
    "status": ("status <ref> <status>", lambda w: (
        "POST", f"transactions/{_ref(_one('status', w, 2)[0])}/status", {"status": w[1]})),
    "webhook": ("webhook <ref>  (send or resend)", lambda w: (
        "POST", f"transactions/{_ref(_one('webhook', w, 1)[0])}/webhook", None)),
    "forge": ("forge [key=value ...]", lambda w: ("POST", "webhooks/forge", _fields(w))),
    "transactions": ("transactions", lambda w: ("GET", "transactions", None)),
    "deliver": ("deliver <message_id> <event> [key=value ...]", lambda w: (
        "POST", f"deliveries/{_ref(_one('deliver', w, 2)[0])}",
        {"event": w[1], **_fields(w[2:])})),
    "clock": ("clock [shift <seconds> | move <instant> | freeze | unfreeze]", _clock),
    "target": ("target <url> [events=a,b]", lambda w: (
        "POST", "webhooks/target", {"url": _one("target", w, 1)[0], **_events(w[1:])})),
    "untarget": ("untarget", lambda w: ("DELETE", "webhooks/target", None)),
    "webhooks": ("webhooks", lambda w: ("GET", "webhooks", None)),
    "calls": ("calls", lambda w: ("GET", "calls", None)),
    "events": ("events", lambda w: ("GET", "events", None)),
    "accounts": ("accounts", lambda w: ("GET", "accounts", None)),
    "reset": ("reset", lambda w: ("POST", "reset", None)),
    "tenant": ("tenant new | tenant delete <id> | tenant list", lambda w: _tenant(w)),
    "call": ("call <METHOD> <path> [key=value ...]  (any control endpoint)", lambda w: (
        _one("call", w, 2)[0].upper(), w[1].strip("/"), _fields(w[2:]) or None)),
}  # fmt: skip


def _tenant(words: list[str]) -> Request:
    if words == ["new"]:
        return "POST", "tenants", {}
    if words == ["list"]:
        return "GET", "tenants", None
    if len(words) == 2 and words[0] == "delete":
        return "DELETE", f"tenants/{_ref(words[1])}", None
    raise ValueError("tenant takes new, list or delete <id>")


def _events(words: list[str]) -> dict[str, Any]:
    fields = _fields(words)
    if isinstance(fields.get("events"), str):
        fields["events"] = [e for e in fields["events"].split(",") if e]
    return fields


def add_parser(commands: Any) -> None:
    usage = "\n".join(f"  bizauth ctl {line}" for line, _ in COMMANDS.values())
    parser = commands.add_parser(
        "ctl",
        help="drive a running bizauth serve's control API from a shell",
        description=f"One request to the control API of a running bizauth serve.\n\n{usage}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--url",
        default=os.environ.get(URL_ENV),
        help=f"a served fake's base URL, e.g. http://127.0.0.1:8001 (default: ${URL_ENV})",
    )
    parser.add_argument(
        "--tenant",
        metavar="ID",
        help="drive this tenant's fakes (its /t/<id> prefix; tenant new makes one)",
    )
    parser.add_argument("--json", action="store_true", help="print the answer as JSON")
    parser.add_argument("--timeout", type=float, default=TIMEOUT, help="seconds (default 10)")
    parser.add_argument("verb", choices=list(COMMANDS), metavar="command")
    parser.add_argument("words", nargs="*", help="the command's arguments")


def ctl(args: argparse.Namespace) -> int:
    """Run one ``bizauth ctl`` command; its exit status."""
    if not args.url:
        print(f"bizauth ctl: give --url or set {URL_ENV}", file=sys.stderr)
        return 2
    try:
        method, path, body = COMMANDS[args.verb][1](list(args.words))
    except ValueError as exc:
        print(f"bizauth ctl {args.verb}: {exc}; usage: {COMMANDS[args.verb][0]}",
              file=sys.stderr)  # fmt: skip
        return 2
    url = args.url.rstrip("/")
    if args.tenant:
        url = f"{url}/t/{_ref(args.tenant)}"
    try:
        status, answer = send(url, method, path, body, os.environ.get(TOKEN_ENV), args.timeout)
    except OSError as exc:
        print(f"bizauth ctl: cannot reach {args.url}: {exc}", file=sys.stderr)
        return 2
    refusal = refused(status, answer)
    if refusal is not None:
        print(f"bizauth ctl {args.verb}: {refusal}", file=sys.stderr)
        return 1
    if args.verb == "tenant" and isinstance(answer, dict) and not args.json:
        # "tenant <id>" then "<vendor> <base URL>", as bizauth serve prints its own
        print("\n".join(f"{key} {value}" for key, value in answer.items()))
        return 0
    print(json.dumps(answer) if args.json else _readable(answer))
    return 0


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any) -> None:
        return None  # a control request is answered where it was sent, or not at all


def send(
    url: str,
    method: str,
    path: str,
    body: dict[str, Any] | None,
    token: str | None,
    timeout: float,
) -> tuple[int, object]:
    """One control request: its status and its JSON answer (read up to
    :data:`MAX_ANSWER` bytes)."""
    if not url.startswith(("http://", "https://")):
        raise OSError(f"{url!r} is not an http:// or https:// URL")
    headers = {"Accept": "application/json"}
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(
        f"{url.rstrip('/')}/_bizauth/{path}".rstrip("/"), data, headers, method=method
    )
    opener = urllib.request.build_opener(_NoRedirects)
    try:
        with opener.open(request, timeout=timeout) as response:
            status, raw = response.status, response.read(MAX_ANSWER + 1)
    except urllib.error.HTTPError as error:
        status, raw = error.code, error.read(MAX_ANSWER + 1)
    if len(raw) > MAX_ANSWER:
        raise OSError(f"the answer is over {MAX_ANSWER} bytes")
    try:
        return status, json.loads(raw) if raw.strip() else None
    except ValueError:
        return status, raw[:200].decode("utf-8", "replace")


def refused(status: int, answer: object) -> str | None:
    """``HTTP <status>: <the server's error>`` for an answer that is not a 2xx."""
    if 200 <= status < 300:
        return None
    error = answer.get("error") if isinstance(answer, dict) else answer
    return f"HTTP {status}: {error}"


def _readable(answer: object) -> str:
    if isinstance(answer, dict):
        return "\n".join(f"{key}: {json.dumps(value)}" for key, value in answer.items())
    if isinstance(answer, list):
        return "\n".join(json.dumps(item) for item in answer)
    return json.dumps(answer)
