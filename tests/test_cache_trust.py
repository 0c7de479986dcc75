"""What the cache of loaded circuits trusts: its own folder, if no one else can write it, and
regular files of a bounded size in it. A FIFO, a link to a device or a crafted entry in a
folder others can write is never read; the load then reads the text."""

import hashlib
import json
import os
import resource
import struct
import subprocess
import sys

import pytest

import circuitsim

TEXT = (
    "circuit: cached\n"
    "inputs:\n  x: 0.5\n  w: -2.0\n"
    "gates:\n  m: {type: mul, inputs: [w, x]}\n  s: {type: add, inputs: [m, 1.0]}\n"
    "outputs: [s]\n"
)

LOAD = "import sys, circuitsim; print(circuitsim.load(sys.argv[1], cache=True).run().outputs['s'])"


@pytest.fixture
def cached(tmp_path, monkeypatch):
    """A circuit file loaded once (so its entry is written) and the entry's path."""
    folder = tmp_path / "cache"
    monkeypatch.setenv("CIRCUITSIM_CACHE_DIR", str(folder))
    path = tmp_path / "c.yaml"
    path.write_text(TEXT)
    circuitsim.load(path, cache=True)
    [entry] = folder.iterdir()
    return path, entry


def load_in_a_process(path, timeout=20):
    """``circuitsim.load(path, cache=True)`` in another process, so that a hang is a failure."""
    limit = lambda: resource.setrlimit(resource.RLIMIT_AS, (4 << 30, 4 << 30))  # reading /dev/zero ends soon
    done = subprocess.run([sys.executable, "-c", LOAD, str(path)], capture_output=True, text=True, timeout=timeout, env=os.environ, preexec_fn=limit)
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    return float(done.stdout)


def test_a_fifo_at_an_entry_is_not_read(cached):
    path, entry = cached
    entry.unlink()
    os.mkfifo(entry)
    assert load_in_a_process(path) == 0.0


def test_a_link_to_a_device_at_an_entry_is_not_read(cached):
    path, entry = cached
    entry.unlink()
    entry.symlink_to("/dev/zero")
    assert load_in_a_process(path) == 0.0


def crafted(entry):
    """The entry with another default for x, its checksum made again: a forgery, not damage."""
    blob = entry.read_bytes()
    payload = bytearray(blob[32:])
    size = int.from_bytes(payload[:8], "little")
    header = json.loads(payload[8 : 8 + size])
    body = 8 + size
    names = next(a for a in header["arrays"] if a[0] == "names")
    text = bytes(payload[body + names[3] : body + names[3] + names[2][0]]).decode()
    values = next(a for a in header["arrays"] if a[0] == "values")
    at = body + values[3] + 8 * text.split("\n").index("x")
    payload[at : at + 8] = struct.pack("<d", 100.0)
    entry.write_bytes(hashlib.sha256(payload).digest() + bytes(payload))


def test_a_folder_others_can_write_is_not_used(cached):
    path, entry = cached
    crafted(entry)
    assert circuitsim.load(path, cache=True).run().outputs["s"] == -199.0  # the user's own folder: trusted
    entry.parent.chmod(0o777)
    with pytest.warns(UserWarning, match=f"the cache folder {entry.parent} can be written by other users"):
        assert circuitsim.load(path, cache=True).run().outputs["s"] == 0.0


def test_the_cache_folder_is_made_private(tmp_path, monkeypatch):
    folder = tmp_path / "new" / "cache"
    monkeypatch.setenv("CIRCUITSIM_CACHE_DIR", str(folder))
    path = tmp_path / "c.yaml"
    path.write_text(TEXT)
    circuitsim.load(path, cache=True)
    assert folder.stat().st_mode & 0o777 == 0o700 and len(list(folder.iterdir())) == 1


def test_a_cache_folder_reached_through_a_link_is_used(tmp_path, monkeypatch):
    real = tmp_path / "disk" / "cache"
    real.mkdir(parents=True, mode=0o700)
    (tmp_path / "link").symlink_to(real)
    monkeypatch.setenv("CIRCUITSIM_CACHE_DIR", str(tmp_path / "link"))
    path = tmp_path / "c.yaml"
    path.write_text(TEXT)
    circuitsim.load(path, cache=True)
    assert len(list(real.iterdir())) == 1
