"""semphys.cli.main: usage errors and user errors are one `error:` line with exit 2; help exits 0."""

import pytest


@pytest.mark.parametrize(
    "args, message",
    [
        (("phase", "run", "--bogus", "1"), "error: No such option: --bogus"),
        (("phase", "run", "--out", "x", "--bootstrap", "many"), "error: Invalid value for '--bootstrap'"),
        (("phase", "run"), "error: Missing option '--out'"),
        (("nosuch",), "error: No such command 'nosuch'"),
    ],
)
def test_usage_errors_are_one_line_with_exit_2(cli, args, message) -> None:
    code, out, err = cli(*args)
    assert code == 2 and out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(message) and "--help" in lines[0]
    assert "Traceback" not in err and "╭" not in err


def test_help_and_bare_groups_exit_0(cli) -> None:
    code, out, _ = cli("phase", "--help")
    assert code == 0 and "run" in out
    code, _, _ = cli("phase")
    assert code == 0


def test_sigterm_is_an_interrupt_that_says_what_was_kept_and_exits_143(cli, monkeypatch) -> None:
    import os
    import signal

    previous = signal.getsignal(signal.SIGTERM)

    def terminated(*args, **kwargs):
        os.kill(os.getpid(), signal.SIGTERM)

    monkeypatch.setattr("semphys.lm.check_device", terminated)
    code, out, err = cli("lm", "info", "--model", "minilm")
    assert code == 143 and out == ""
    assert err.strip().splitlines() == [err.strip()] and err.startswith("error: terminated; what finished is kept")
    assert signal.getsignal(signal.SIGTERM) == previous  # the handler is the command's, not the process's
