"""Failing loudly instead of hanging: bounded waits, ``MPI_Abort`` on uncaught errors.

MPI has no failure detection of its own: a rank that raises and exits leaves the others
blocked in their next collective for ever (with MPICH, ``mpiexec`` then waits too).
Two defences, both installed by :func:`portanet.distributed.init`:

* an exception hook: an uncaught exception on any rank prints its traceback, then one
  line naming the rank, then calls ``MPI_Abort``, which makes ``mpiexec`` kill every
  rank at once (they exit non-zero);
* bounded waits: every collective of this package is started non-blocking and polled
  with a deadline (``init(timeout=...)``, default 300 s or ``$PORTANET_DIST_TIMEOUT``).
  A collective that does not complete in time (a peer exited through ``sys.exit(3)``,
  which no hook sees, or is stuck) aborts the job with a message saying which.

``mpiexec -n 2 python -m mpi4py train.py`` adds mpi4py's own handler, which also turns
``sys.exit(non-zero)`` into an abort.

Example:
    >>> pn.distributed.init(timeout=60)     # a hung collective aborts the job after 60 s
"""
from __future__ import annotations

import os
import sys
import time
from typing import Any

__all__ = ["wait", "abort", "install_excepthook", "DEFAULT_TIMEOUT"]

DEFAULT_TIMEOUT = 300.0


class _Settings:
    timeout = float(os.environ.get("PORTANET_DIST_TIMEOUT", DEFAULT_TIMEOUT))
    previous_hook: Any = None


SETTINGS = _Settings()


def _where() -> str:
    from . import comm
    return f"rank {comm.rank()} of {comm.size()}" if comm.is_initialized() else "rank ?"


def abort(message: str, code: int = 1) -> None:
    """Print ``message`` with this rank's number to stderr, then abort every rank."""
    from mpi4py import MPI
    sys.stderr.write(f"portanet.distributed: {_where()}: {message}; aborting every rank "
                     "(MPI_Abort)\n")
    sys.stderr.flush()
    MPI.COMM_WORLD.Abort(code)


def wait(requests: list, what: str) -> None:
    """Wait for MPI ``requests``, polling, and abort the job after the timeout.

    For the first 2 ms the poll spins: MPICH moves a large message along only while
    both sides are inside MPI calls, so a sleeping rank would slow its peer down.
    After that it sleeps between polls, doubling from 20 us up to 0.5 ms, so a rank
    that waits for a slower peer leaves the CPU to it (on a machine with as many
    cores as ranks, it matters), at the price of up to 0.5 ms of extra latency.
    """
    from mpi4py import MPI
    if MPI.Request.Testall(requests):
        return
    clock = time.perf_counter
    start = clock()
    spin_until, deadline = start + 2e-3, start + SETTINGS.timeout
    pause = 0.0
    while not MPI.Request.Testall(requests):
        now = clock()
        if now < spin_until:
            continue
        if now > deadline:
            abort(f"{what} did not complete within {SETTINGS.timeout:g} s (another rank has "
                  f"failed, exited or is stuck; see its output)")
        time.sleep(pause)
        pause = min(2 * pause or 2e-5, 5e-4)


def _hook(etype, value, tb) -> None:
    prev = SETTINGS.previous_hook or sys.__excepthook__
    prev(etype, value, tb)
    from . import comm
    if comm.is_initialized() and comm.size() > 1:
        code = 130 if issubclass(etype, KeyboardInterrupt) else 1
        abort(f"uncaught {etype.__name__}: {value}", code)


def install_excepthook() -> None:
    """Make an uncaught exception abort every rank (after printing its traceback)."""
    if sys.excepthook is not _hook:
        SETTINGS.previous_hook = sys.excepthook
        sys.excepthook = _hook
