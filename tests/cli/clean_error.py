"""What every CLI test means by a clean error: the exit code asked for, each phrase in stderr, and no crash."""


def assert_clean_error(p, code, *phrases):
    assert p.returncode >= 0, f"killed by signal {-p.returncode}: {p.stderr}"
    assert p.returncode == code, f"exit {p.returncode}, expected {code}\nstdout: {p.stdout}\nstderr: {p.stderr}"
    for phrase in phrases:
        assert phrase in p.stderr, f"'{phrase}' not in stderr: {p.stderr}"
    assert "internal error" not in p.stderr
    assert "core dumped" not in p.stderr
