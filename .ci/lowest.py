"""Print the lowest version of every dependency pyproject.toml declares (the runtime
ones, the ``httpx`` and ``aiohttp`` extras, and respx), as pip requirements: ``name==version``."""

from __future__ import annotations

import re
import sys
from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.9 and 3.10
    import tomli as tomllib  # type: ignore[no-redef]

project = tomllib.loads(Path(sys.argv[1]).read_text())["project"]
extras = project["optional-dependencies"]
# respx is no dependency, but the httpx transport reads its routers when a test uses it.
beside = [r for r in extras["dev"] if r.startswith("respx")]
for requirement in [*project["dependencies"], *extras["httpx"], *extras["aiohttp"], *beside]:
    found = re.fullmatch(r"([A-Za-z0-9_.\-]+(?:\[[a-z,]+\])?)>=([0-9.]+)", requirement)
    if found is None:
        raise SystemExit(f"{requirement!r} declares no lower bound to test")
    print(f"{found.group(1)}=={found.group(2)}")
