"""``python -m paysera_scanpay demo``: the Scan and Pay flow against an in-process sandbox."""

import argparse
import sys
from typing import List, Optional


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m paysera_scanpay")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("demo", help="run the 8-step Scan and Pay flow against an in-process sandbox")
    args = parser.parse_args(argv)
    if args.command == "demo":
        from .demo import run

        return run()
    return 2


if __name__ == "__main__":
    sys.exit(main())
