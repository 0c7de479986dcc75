"""Output files: written whole or not at all, where and as the user expects."""

import os
import stat
import subprocess
import sys
import textwrap

import pytest
from click.testing import CliRunner

from circuitsim.base.fileio import atomic_write
from circuitsim.cli import main
from circuitsim.errors import CircuitError

NEURON = "circuits/neuron.yaml"


def test_written_whole(tmp_path):
    out = tmp_path / "out.json"
    with atomic_write(out) as f:
        f.write("{}")
    assert out.read_text() == "{}"
    assert [p.name for p in tmp_path.iterdir()] == ["out.json"]


def test_failure_keeps_the_old_file(tmp_path):
    out = tmp_path / "out.json"
    out.write_text("old")
    with pytest.raises(RuntimeError):
        with atomic_write(out) as f:
            f.write("half")
            raise RuntimeError("boom")
    assert out.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.json"]


def test_an_existing_file_keeps_its_permissions_and_a_new_one_follows_the_umask(tmp_path):
    old = tmp_path / "old.csv"
    old.write_text("x")
    old.chmod(0o644)
    runner = CliRunner()
    assert runner.invoke(main, ["run", NEURON, "--format", "csv", "-o", str(old)]).exit_code == 0
    assert stat.S_IMODE(old.stat().st_mode) == 0o644 and old.read_text().startswith("w0,")
    old.chmod(0o640)
    assert runner.invoke(main, ["run", NEURON, "--format", "csv", "-o", str(old)]).exit_code == 0
    assert stat.S_IMODE(old.stat().st_mode) == 0o640
    mask = os.umask(0o022)
    try:
        new = tmp_path / "new.csv"
        assert runner.invoke(main, ["run", NEURON, "--format", "csv", "-o", str(new)]).exit_code == 0
    finally:
        os.umask(mask)
    assert stat.S_IMODE(new.stat().st_mode) == 0o644


def test_a_symlink_is_written_through_and_stays_a_link(tmp_path):
    target = tmp_path / "real.json"
    target.write_text("old")
    link = tmp_path / "link.json"
    link.symlink_to(target)
    result = CliRunner().invoke(main, ["run", NEURON, "--format", "json", "-o", str(link)])
    assert result.exit_code == 0, result.output
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert target.read_text().startswith('{\n  "circuit": "neuron"')
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.json", "real.json"]


def test_a_device_node_is_written_to_not_replaced():
    result = CliRunner().invoke(main, ["run", NEURON, "--format", "json", "-o", "/dev/null"])
    assert result.exit_code == 0, result.output
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


def test_a_full_device_is_a_clear_error():
    result = CliRunner().invoke(main, ["run", NEURON, "--format", "json", "-o", "/dev/full"])
    assert result.exit_code == 1
    assert result.stderr.startswith("/dev/full: error: cannot write output file: No space left on device")
    assert "Traceback" not in result.output


def test_a_directory_is_refused(tmp_path):
    result = CliRunner().invoke(main, ["run", NEURON, "-o", str(tmp_path)])
    assert result.exit_code in (1, 2) and "Traceback" not in result.output


def test_a_file_too_big_for_the_disk_leaves_the_old_file_intact(tmp_path):
    """A file size limit stands in for a full disk: the write fails part way."""
    out = tmp_path / "out.csv"
    out.write_text("old\n")
    script = textwrap.dedent(
        f"""
        import resource, signal, sys
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (1000, resource.RLIM_INFINITY))
        from circuitsim.cli import main
        sys.argv = ["circuitsim", "run", {NEURON!r}, "--set", "x0=" + ",".join(["1"] * 500),
                    "--format", "csv", "-o", {str(out)!r}]
        main()
        """
    )
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1, proc.stderr
    assert proc.stderr.startswith(f"{out}: error: cannot write output file: File too large; the old file")
    assert "Traceback" not in proc.stderr
    assert out.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["out.csv"]


def test_sigterm_while_writing_leaves_no_temporary_file(tmp_path):
    out = tmp_path / "out.txt"
    out.write_text("old")
    script = textwrap.dedent(
        f"""
        import sys, time
        from circuitsim.base.fileio import atomic_write
        with atomic_write({str(out)!r}) as f:
            f.write("half")
            print("writing", flush=True)
            time.sleep(60)
        """
    )
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline() == "writing\n"
    assert any(p.name.endswith(".tmp") for p in tmp_path.iterdir())
    proc.terminate()
    assert proc.wait(timeout=60) == 128 + 15
    assert out.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]


def test_atomic_write_restores_the_sigterm_default(tmp_path):
    import signal

    with atomic_write(tmp_path / "a.txt") as f:
        assert signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL
        f.write("x")
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL


def test_an_unwritable_folder_is_a_circuit_error(tmp_path):
    with pytest.raises(CircuitError, match="cannot write output file"):
        with atomic_write(tmp_path / "missing" / "a.txt") as f:
            f.write("x")

