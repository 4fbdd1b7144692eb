"""Writing a file as ``open(path, "wb")`` would, but atomically.

A save writes a temporary file in the target's folder and renames it over the target
only when it is complete, so a crash, a full disk or a bad value leaves the previous
file intact.  Apart from that, the file behaves like one ``open(path, "wb")`` wrote:

* a new file gets the mode ``open`` gives it: 0o666 less the umask (0644 under the
  usual umask 022), because the kernel applies the umask to the temporary file;
* an existing file keeps its mode (and its group, where the writer may set it);
* a symbolic link is followed: the file it points to is replaced, the link stays;
* a target that may not be written raises ``PermissionError``, a folder
  ``IsADirectoryError``, a path in a missing folder ``FileNotFoundError``, each with
  ``open``'s errno and the path (the write permission is asked of the kernel by
  opening the existing file for writing, without truncating it);
* a target that is not a regular file (a FIFO, ``/dev/null``) is written directly.

What atomicity costs: an existing file becomes a new inode, so hard links to it keep
the old content and its owner becomes the writer; and the folder must be writable.

A save killed mid-write (SIGKILL, power loss) leaves its temporary file behind, named
``.~portanet-save.<pid>.<16 hex digits>.tmp``: a pattern no other program writes.  The
next save into that folder deletes such files when they were last written before the
current process started and the process that wrote them is gone (or is this one, in
a container that reused the pid).  Nothing else is ever deleted.

Example:
    >>> write_like_open("model.safetensors", lambda f: f.write(b"..."), "pn.save")
"""
from __future__ import annotations

import errno
import os
import re
import secrets
import stat
import time
from typing import BinaryIO, Callable

__all__ = ["write_like_open", "clean_stale_temporaries", "TEMP_PATTERN"]

TEMP_PATTERN = re.compile(r"\.~portanet-save\.(\d+)\.[0-9a-f]{16}\.tmp")
# a temporary file last written before this moment cannot belong to a save of this process
_STARTED = time.time()


def _pid_alive(pid: int) -> bool:
    if os.name != "posix":        # os.kill(pid, 0) terminates the process on Windows
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:               # EPERM: it exists, under another user
        return True
    return True


def clean_stale_temporaries(folder: str) -> list[str]:
    """Delete the temporary files that killed saves left in ``folder``; returns their paths.

    Only names matching :data:`TEMP_PATTERN`, only regular files, only those last
    written before this process started whose writing process is gone (or has this
    process's pid: a container restarted with the same pid).
    """
    removed = []
    try:
        entries = os.scandir(folder)
    except OSError:
        return removed
    with entries:
        for e in entries:
            m = TEMP_PATTERN.fullmatch(e.name)
            if m is None:
                continue
            try:
                st = e.stat(follow_symlinks=False)
            except OSError:
                continue
            pid = int(m.group(1))
            if not stat.S_ISREG(st.st_mode) or st.st_mtime >= _STARTED:
                continue
            if pid != os.getpid() and _pid_alive(pid):
                continue
            try:
                os.unlink(e.path)
                removed.append(e.path)
            except OSError:
                pass
    return removed


def _fsync_folder(folder: str) -> None:
    # make the rename itself durable; not every platform or filesystem allows it
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _check_writable(path: str, target: str) -> None:
    """Raise what ``open(path, "wb")`` would raise for an existing regular file."""
    try:
        fd = os.open(target, os.O_WRONLY | getattr(os, "O_CLOEXEC", 0))  # no O_TRUNC: changes nothing
    except OSError as e:
        raise type(e)(e.errno, e.strerror, path) from None
    os.close(fd)


def write_like_open(path: str | os.PathLike, write: Callable[[BinaryIO], None], who: str) -> None:
    """Create or replace ``path`` atomically with what ``write(file)`` writes (see module doc)."""
    path = os.fspath(path)
    try:
        st = os.stat(path)                    # follows symbolic links, as open does
    except FileNotFoundError:
        st = None
    if st is not None and stat.S_ISDIR(st.st_mode):
        raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), path)
    if st is not None and not stat.S_ISREG(st.st_mode):
        with open(path, "wb") as f:           # a FIFO or a device: nothing to rename over
            write(f)
        return
    target = os.path.realpath(path)
    folder = os.path.dirname(target)
    if st is None and not os.path.isdir(folder):
        raise FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT), path)
    if st is not None:
        _check_writable(path, target)
    clean_stale_temporaries(folder)
    tmp = os.path.join(folder, f".~portanet-save.{os.getpid()}.{secrets.token_hex(8)}.tmp")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(tmp, flags, 0o666)       # the kernel applies the umask, as for open()
    except PermissionError as e:
        if st is None:
            raise PermissionError(e.errno, e.strerror, path) from None
        raise PermissionError(e.errno, f"{who}: cannot replace the file: its folder {folder!r} is "
                              "not writable, and saves go through a temporary file there so that "
                              "an interrupted save leaves the old file intact", path) from None
    try:
        with os.fdopen(fd, "wb") as f:
            if st is not None:
                _keep_mode_and_group(f.fileno(), tmp, st)
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    _fsync_folder(folder)


def _keep_mode_and_group(fd: int, tmp: str, st: os.stat_result) -> None:
    # never carry set-user/group-id bits over to a file we wrote
    mode = stat.S_IMODE(st.st_mode) & ~(stat.S_ISUID | stat.S_ISGID)
    if hasattr(os, "fchmod"):
        os.fchmod(fd, mode)
    else:  # pragma: no cover - Windows
        os.chmod(tmp, mode)
    if hasattr(os, "fchown") and os.fstat(fd).st_gid != st.st_gid:
        try:
            os.fchown(fd, -1, st.st_gid)      # allowed when the writer is in that group
        except OSError:
            pass
