"""Bad configuration stops a test at setup with a message naming the option, the value
and what it accepts; clocks never silently disagree."""

from __future__ import annotations

import pytest

from .conftest import QUIET_PLUGINS


def run(pytester, *args):
    return pytester.runpytest("-W", "error", "--strict-markers", *QUIET_PLUGINS, *args)


@pytest.mark.parametrize(
    ("marker", "message"),
    [
        ("leeway=float('nan')", "leeway=...) must be a finite number of seconds*"),
        ("leeway=float('inf')", "leeway=...) must be a finite number of seconds*"),
        ("access_ttl=float('inf')", "access_ttl=...) must be a whole number of seconds*"),
        ("access_ttl=float('nan')", "access_ttl=...) must be a whole number of seconds*"),
        ("bill24_access_ttl=10**12", "bill24_access_ttl=...) must be * at most *"),
        ("start='0001-01-01T00:00:00Z'", "*start=...) '0001-01-01T00:00:00+00:00' is out of*"),
        ("start='9999-12-31T23:00:00Z'", "*start=...) * is out of range*"),
        ("bizmail_base_url='https://'", "*bizmail_base_url=...) must be an http(s) URL with a*"),
    ],
)
def test_bad_values_name_the_option_and_the_range(pytester, marker, message):
    pytester.makepyfile(f"""
        import pytest

        @pytest.mark.bizauth({marker})
        def test_x(bizmail_mock, bill24_mock, bizauth_clock):
            pass
    """)
    result = run(pytester)
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines([f"*pytest-bizauth: *{message}"])


def test_an_ec_signing_key_names_the_option(pytester):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    key = ec.generate_private_key(ec.SECP256R1())
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    (pytester.path / "ec.pem").write_bytes(pem)
    pytester.makeini(f"[pytest]\nbizauth_bill24_signing_key = {pytester.path / 'ec.pem'}\n")
    pytester.makepyfile("def test_x(bill24_mock): pass")
    result = run(pytester)
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*ini option bizauth_bill24_signing_key*RSA*"])


def test_a_misspelled_ini_option_is_an_error(pytester):
    pytester.makeini("[pytest]\nbizauth_leewy = 30\n")
    pytester.makepyfile("def test_x(): pass")
    result = run(pytester)
    assert result.ret != 0
    result.stderr.fnmatch_lines(["*bizauth_leewy*did you mean bizauth_leeway*"])


def test_ini_options_are_declared_with_their_types(pytester):
    result = run(pytester, "--help")
    result.stdout.fnmatch_lines(["*bizauth_leeway (string):*", "*bizauth_check_faults (bool):*"])


def test_a_freeze_outside_the_clock_fails_at_once(pytester):
    pytester.makepyfile("""
        import pytest
        from freezegun import freeze_time

        @pytest.fixture
        def outer():
            with freeze_time("2030-01-01"):
                yield

        def test_outer_first(outer, bizauth_clock):
            pass

        def test_inner_governs_but_the_clock_cannot_move(bizauth_clock, bizmail_tokens):
            from pytest_bizauth.clock import ClockConflictError
            token = bizmail_tokens.access()
            with freeze_time("2040-01-01"):
                with pytest.raises(ClockConflictError, match="Use one clock"):
                    bizauth_clock.travel_past(token)
            bizauth_clock.travel_past(token)
    """)
    result = run(pytester, "-p", "no:randomly")
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*another freeze_time*beside bizauth_clock*"])


def test_expiry_of_asks_only_this_tests_fakes(pytester):
    pytester.makepyfile("""
        import pytest

        LEFT = []

        def test_a(bill24_mock, bizauth_clock):
            LEFT.append(bill24_mock)  # kept alive past its test
            LEFT.append(bill24_mock.issue_refresh_token())

        def test_b(bizauth_clock):
            with pytest.raises(ValueError, match="no fake in this test issued it"):
                bizauth_clock.expiry_of(LEFT[1])
    """)
    run(pytester, "-p", "no:randomly").assert_outcomes(passed=2)


@pytest.mark.parametrize(
    ("vendor", "field", "bad", "says"),
    [
        ("bill24", "refresh_ttl", -5, "must be more than 0 seconds"),
        ("bill24", "error_status", 500, "must be a 4xx HTTP status"),
        ("bill24", "bearer_clock_skew", -1, "must be a whole number, 0 or more"),
        ("bill24", "static_token", "", "must be a non-empty string"),
        ("bizmail", "bounce_event", "bouncy", "must be 'bounced' or 'bounce'"),
        ("bizmail", "accept_json_mail", "perhaps", "must be true or false"),
    ],
)
def test_each_option_is_one_settings_field_checked_by_one_parser(vendor, field, bad, says):
    import dataclasses

    from pytest_bizauth.extend import registered

    (spec,) = [spec for spec in registered() if spec.name == vendor]
    option = {option.name: option for option in spec.options}[f"{vendor}_{field}"]
    default = {f.name: f.default for f in dataclasses.fields(spec.settings)}[field]
    assert option.default == default
    with pytest.raises(ValueError, match=says) as from_ini:
        option.parse(bad, f"ini option {option.ini}")
    with pytest.raises(ValueError, match=says) as from_python:
        spec.fake_class()(**{field: bad})
    assert str(from_python.value) == str(from_ini.value).replace(f"ini option {option.ini}", field)
    fake = spec.fake_class()()
    if hasattr(type(fake), field):  # a setting the fake lets a test switch mid-test
        with pytest.raises(ValueError, match=says):
            setattr(fake, field, bad)
