"""Command line: ``python -m portanet doctor`` (also installed as ``portanet doctor``).

Example:
    $ python -m portanet doctor --backends numpy,torch
"""
from __future__ import annotations

import sys

USAGE = """usage: python -m portanet COMMAND [options]

commands:
  doctor   list the installed backends, their versions and devices, and check that a
           short seeded training gives the same losses on each (exit 1 on mismatch)
"""


def main(argv=None) -> int:
    """Entry point of ``python -m portanet`` and the ``portanet`` script."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help", "help"):
        print(USAGE, end="")
        return 0 if argv else 2
    command, rest = argv[0], argv[1:]
    if command == "doctor":
        from .doctor import main as doctor_main
        return doctor_main(rest)
    print(f"python -m portanet: unknown command {command!r}\n\n{USAGE}", end="", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
