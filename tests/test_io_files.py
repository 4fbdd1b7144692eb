"""Checkpoints behave like files: modes as ``open(path, "wb")`` gives them, symbolic links
followed, read-only targets refused as open refuses them, stale temporaries of killed
saves cleaned (only ours), the reserved ``__metadata__`` name refused, and reading checks
every file before it allocates: bf16 upcast, pickles of every protocol named, one copy
in memory."""
import os
import shutil
import signal
import stat
import subprocess
import sys
import threading
import time
import tracemalloc

import numpy as np
import pytest

import portanet as pn
from portanet.io import CheckpointError, NonFiniteError
from portanet.io.files import clean_stale_temporaries

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _mode(p):
    return stat.S_IMODE(os.stat(p).st_mode)


def _state(seed=0):
    pn.manual_seed(seed)
    return pn.nn.Linear(3, 2).state_dict()


def _same(a, b):
    return sorted(a) == sorted(b) and all(np.array_equal(pn.to_numpy(a[k]), pn.to_numpy(b[k])) for k in a)


@pytest.mark.parametrize("umask", [0o022, 0o077, 0o002])
def test_new_files_get_the_mode_open_gives_them(backend, tmp_path, umask):
    old = os.umask(umask)
    try:
        with open(tmp_path / "by_open", "wb"):
            pass
        pn.save(_state(), tmp_path / "w.safetensors")
        pn.save_checkpoint(tmp_path / "c.safetensors", model=pn.nn.Linear(2, 2))
    finally:
        os.umask(old)
    expected = 0o666 & ~umask
    assert _mode(tmp_path / "by_open") == expected
    assert _mode(tmp_path / "w.safetensors") == expected == _mode(tmp_path / "c.safetensors")
    if umask == 0o022:
        assert expected == 0o644


def test_an_existing_file_keeps_its_mode(backend, tmp_path):
    path = tmp_path / "w.safetensors"
    pn.save(_state(0), path)
    for mode in (0o600, 0o640, 0o604, 0o444):
        os.chmod(path, mode)
        before = os.stat(path)
        if before.st_uid == 0 or mode & 0o200:          # writable for us, as open("wb") finds it
            pn.save(_state(mode), path)
            assert _mode(path) == mode, oct(mode)
            assert _same(pn.load(path), _state(mode))


def test_a_symlink_is_written_through_to_its_target(backend, tmp_path):
    real_dir = tmp_path / "runs"
    real_dir.mkdir()
    target = real_dir / "model.safetensors"
    pn.save(_state(0), target)
    os.chmod(target, 0o640)
    link = tmp_path / "latest.safetensors"
    link.symlink_to(os.path.relpath(target, tmp_path))
    pn.save(_state(1), link)
    assert link.is_symlink() and os.readlink(link) == os.path.relpath(target, tmp_path)
    assert _same(pn.load(target), _state(1)) and _mode(target) == 0o640
    assert sorted(os.listdir(tmp_path)) == ["latest.safetensors", "runs"]   # no temporary left
    assert os.listdir(real_dir) == ["model.safetensors"]
    dangling = tmp_path / "next.safetensors"                # open("wb") creates the target
    dangling.symlink_to(real_dir / "new.safetensors")
    pn.save_checkpoint(dangling, model=pn.nn.Linear(2, 2), epoch=4)
    assert dangling.is_symlink() and pn.load_checkpoint(real_dir / "new.safetensors")["epoch"] == 4


def test_targets_open_refuses_are_refused_with_opens_error(backend, tmp_path):
    with pytest.raises(IsADirectoryError) as e:
        pn.save(_state(), tmp_path)
    assert e.value.errno == 21 and e.value.filename == str(tmp_path)
    missing = tmp_path / "no" / "such" / "w.safetensors"
    with pytest.raises(FileNotFoundError) as e:
        pn.save_checkpoint(missing, model=pn.nn.Linear(2, 2))
    assert e.value.filename == str(missing) and "No such file or directory" in str(e.value)
    loop = tmp_path / "loop.safetensors"
    loop.symlink_to(loop)
    with pytest.raises(OSError) as e:
        open(loop, "wb")
    with pytest.raises(type(e.value)):
        pn.save(_state(), loop)


_READ_ONLY_CHILD = r"""
import os, sys
import portanet as pn
path = sys.argv[1]
before = open(path, "rb").read()
try:
    open(path, "wb")
    print("open: wrote")
except PermissionError as e:
    print("open:", type(e).__name__, e.errno)
try:
    pn.save({"w": pn.ones(2)}, path)
    print("save: wrote")
except PermissionError as e:
    print("save:", type(e).__name__, e.errno, e.filename == path)
print("unchanged" if open(path, "rb").read() == before else "changed")
print(sorted(os.listdir(os.path.dirname(path))))
"""


def test_a_read_only_file_is_refused_as_open_refuses_it(backend, tmp_path):
    """A real refusal: as root (who may write anything) the child runs without the
    capability that lets root ignore permissions, so the kernel says no as it would
    to any user; open("wb") and pn.save must then give the same PermissionError."""
    path = tmp_path / "frozen.safetensors"
    pn.save(_state(0), path)
    os.chmod(path, 0o444)
    os.chmod(tmp_path, 0o777)
    cmd = [sys.executable, "-c", _READ_ONLY_CHILD, str(path)]
    if os.geteuid() == 0:
        setpriv = shutil.which("setpriv")
        assert setpriv, "running as root: needs util-linux's setpriv to drop CAP_DAC_OVERRIDE"
        cmd = [setpriv, "--inh-caps=-all", "--bounding-set=-dac_override,-dac_read_search"] + cmd
    r = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, "PYTHONPATH": ROOT})
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[:4] == ["open: PermissionError 13", "save: PermissionError 13 True", "unchanged",
                         "['frozen.safetensors']"], r.stdout


def test_the_reserved_metadata_name_is_refused_at_save(backend, tmp_path):
    path = tmp_path / "w.safetensors"
    msg = "the name '__metadata__' is reserved by the safetensors format"
    with pytest.raises(ValueError, match=f"pn.save: {msg}.*rename it"):
        pn.save({"__metadata__": pn.ones(2), "w": pn.ones(1)}, path)
    with pytest.raises(ValueError, match=f"pn.save_checkpoint: {msg}"):
        pn.save_checkpoint(path, __metadata__=pn.ones(2))
    assert not path.exists() and os.listdir(tmp_path) == []


def _fake_temp(folder, pid, age_s):
    p = folder / f".~portanet-save.{pid}.{os.urandom(8).hex()}.tmp"
    p.write_bytes(b"partial")
    t = time.time() - age_s
    os.utime(p, (t, t))
    return p


def _dead_pid():
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_only_our_stale_temporaries_are_cleaned(backend, tmp_path):
    dead, alive = _dead_pid(), os.getppid()
    stale = _fake_temp(tmp_path, dead, 3600)
    ours_in_old_container = _fake_temp(tmp_path, os.getpid(), 3600)   # same pid, before we started
    live_writer = _fake_temp(tmp_path, alive, 3600)                    # its process still runs
    fresh = _fake_temp(tmp_path, dead, -5)                             # written after we started
    users = [tmp_path / n for n in (".tmp-abc123.safetensors", ".~portanet-save.notours.tmp",
                                    ".~portanet-save.12.0123456789abcdef.tmp.bak", "notes.tmp")]
    for u in users:
        u.write_bytes(b"user data")
        os.utime(u, (0, 0))
    link = tmp_path / f".~portanet-save.{dead}.{'ab' * 8}.tmp"
    link.symlink_to(users[0])
    os.utime(link, (0, 0), follow_symlinks=False)
    pn.save(_state(), tmp_path / "w.safetensors")
    left = set(os.listdir(tmp_path))
    assert stale.name not in left and ours_in_old_container.name not in left
    assert {live_writer.name, fresh.name, link.name, "w.safetensors"} | {u.name for u in users} == left
    assert clean_stale_temporaries(str(tmp_path / "missing")) == []


_KILLED_SAVE = r"""
import os, signal, sys
import portanet as pn
import portanet.io.checkpoint as ck
def die_midway(f, head, arrays):
    f.write(head)
    f.flush()
    os.kill(os.getpid(), signal.SIGKILL)
ck.write_tensors = die_midway
pn.save({"w": pn.zeros(1000)}, sys.argv[1])
"""


def test_a_save_killed_midway_leaves_the_old_file_and_the_next_process_cleans_up(backend, tmp_path):
    path = tmp_path / "ck.safetensors"
    pn.save(_state(0), path)
    env = {**os.environ, "PYTHONPATH": ROOT}
    r = subprocess.run([sys.executable, "-c", _KILLED_SAVE, str(path)], env=env, capture_output=True)
    assert r.returncode == -signal.SIGKILL, r.stderr
    left = sorted(os.listdir(tmp_path))
    assert len(left) == 2 and left[0].startswith(".~portanet-save.") and left[1] == "ck.safetensors"
    assert _same(pn.load(path), _state(0))                   # the old file, intact
    time.sleep(0.05)                                         # the next process starts later
    code = "import sys, portanet as pn; pn.save({'w': pn.ones(1)}, sys.argv[1])"
    r = subprocess.run([sys.executable, "-c", code, str(tmp_path / "other.safetensors")], env=env)
    assert r.returncode == 0
    assert sorted(os.listdir(tmp_path)) == ["ck.safetensors", "other.safetensors"]


def test_check_finite_refuses_nan_and_keeps_the_previous_file(backend, tmp_path):
    path = tmp_path / "w.safetensors"
    pn.save(_state(0), path, check_finite=True)
    before = path.read_bytes()
    bad = dict(_state(1))
    bad["weight"] = bad["weight"] * float("nan")
    with pytest.raises(NonFiniteError, match=r"pn.save: refusing to write .*1 tensor\(s\) hold NaN "
                                             r"or infinity \(weight\); any previous file"):
        pn.save(bad, path, check_finite=True)
    with pytest.raises(NonFiniteError, match=r"pn.save_checkpoint: .*\(extra.w\)"):
        pn.save_checkpoint(path, extra={"w": pn.tensor([1.0, float("inf")]), "n": pn.tensor([1, 2])},
                           check_finite=True)
    assert path.read_bytes() == before and os.listdir(tmp_path) == ["w.safetensors"]
    pn.save(bad, tmp_path / "data.safetensors")              # off by default: NaN is data too
    assert np.isnan(pn.to_numpy(pn.load(tmp_path / "data.safetensors")["weight"])).all()


def test_a_target_that_is_no_regular_file_is_written_directly(backend, tmp_path):
    """/dev/null or a FIFO: open("wb") writes into it; renaming over it would replace it."""
    pn.save(_state(), os.devnull)
    assert stat.S_ISCHR(os.stat(os.devnull).st_mode)
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got = []

    def drain():
        with open(fifo, "rb") as f:
            got.append(f.read())
    t = threading.Thread(target=drain)
    t.start()
    pn.save(_state(), fifo)
    t.join(10)
    assert stat.S_ISFIFO(os.stat(fifo).st_mode) and got and got[0][8:9] == b"{"
    (tmp_path / "copy.safetensors").write_bytes(got[0])
    assert _same(pn.load(tmp_path / "copy.safetensors"), _state())
