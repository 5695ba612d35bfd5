"""A mapping of the latest entries: at least ``keep``, under two generations more, the
oldest dropped a generation at a time; a key set again moves to the newest."""

from __future__ import annotations

from hypothesis import given, strategies as st

from pytest_bizauth.core import latest
from pytest_bizauth.core.latest import Latest


@given(keep=st.integers(1, 40), keys=st.lists(st.integers(0, 60), max_size=200))
def test_it_keeps_the_latest_keep_and_under_two_generations_beyond(keep, keys):
    generation = latest.GENERATION
    latest.GENERATION = 4
    try:
        kept: Latest[int] = Latest(keep)
        for n, key in enumerate(keys):
            kept[str(key)] = n
        order = list(dict.fromkeys(str(k) for k in reversed(keys)))  # newest first
        assert all(kept.get(key) is not None for key in order[:keep])
        assert len(kept) < keep + 2 * 4
        assert len(set(kept)) == len(kept)  # a key set again is in one generation only
        for key in order[:keep]:
            assert kept.get(key) == max(n for n, k in enumerate(keys) if str(k) == key)
    finally:
        latest.GENERATION = generation


def test_pop_clear_and_views():
    kept: Latest[int] = Latest(10)
    kept["a"], kept["b"] = 1, 2
    kept.pop("a")
    assert "a" not in kept
    assert kept.get("a") is None
    assert (list(kept), kept.values(), kept.items()) == (["b"], [2], [("b", 2)])
    kept.clear()
    assert len(kept) == 0
