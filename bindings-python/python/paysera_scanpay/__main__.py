"""``python -m paysera_scanpay``: ``demo`` runs the Scan and Pay flow against an in-process
sandbox; ``sandbox`` runs the sandbox as a server until Ctrl-C or SIGTERM."""

import argparse
import signal
import sys
import time
from types import FrameType
from typing import List, Optional, Sequence, Tuple

from ._native import SANDBOX_DEFAULT_PORT as DEFAULT_PORT  # the Rust sandbox's, as its CLIs use


def _sandbox_parser(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    p = commands.add_parser(
        "sandbox",
        help="run the Paysera sandbox (a stateful Wallet API simulator) until Ctrl-C",
        description="Run the Paysera sandbox until Ctrl-C or SIGTERM. It prints its base URL, "
        "its credentials, the dashboard URL and, bound beyond loopback, the token its control "
        "plane requires.",
    )
    p.add_argument(
        "--port",
        type=int,
        default=DEFAULT_PORT,
        help=f"port to listen on; 0 picks a free one (default {DEFAULT_PORT})",
    )
    p.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default 127.0.0.1); beyond loopback the control plane requires a token",
    )
    p.add_argument(
        "--client-id",
        dest="client_ids",
        action="append",
        default=[],
        metavar="ID",
        help="register a client id (repeatable; pair each with --mac-key, in order)",
    )
    p.add_argument(
        "--mac-key",
        dest="mac_keys",
        action="append",
        default=[],
        metavar="KEY",
        help="MAC key of the client id at the same position",
    )
    p.add_argument(
        "--token", help="control-plane token to require (default: generated when --host is not loopback)"
    )


def _stop_on_signals() -> None:
    """Ctrl-C, and SIGTERM (``kill``, ``docker stop``), stop the server. SIGINT is set
    explicitly: a process started in the background by a shell inherits it ignored."""

    def interrupt(signum: int, frame: Optional[FrameType]) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGINT, interrupt)
    if hasattr(signal, "SIGTERM"):
        signal.signal(signal.SIGTERM, interrupt)


def _run_sandbox(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    from .errors import PayseraError
    from .testing import Sandbox

    if len(args.client_ids) != len(args.mac_keys):
        parser.error(
            f"{len(args.client_ids)} --client-id but {len(args.mac_keys)} --mac-key: give them in pairs"
        )
    if not 0 <= args.port <= 65535:
        parser.error(f"--port {args.port} must be between 0 and 65535")
    clients: Optional[Sequence[Tuple[str, str]]] = list(zip(args.client_ids, args.mac_keys)) or None
    _stop_on_signals()
    try:
        sandbox = Sandbox(port=args.port, host=args.host, clients=clients, token=args.token)
    except (PayseraError, ValueError, OSError) as e:
        parser.error(str(e))
    with sandbox:
        # Sandbox credentials are throwaway test values: printing them is the point.
        print("\n".join(sandbox.banner), flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
    return 0


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m paysera_scanpay")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("demo", help="run the 8-step Scan and Pay flow against an in-process sandbox")
    _sandbox_parser(commands)
    args = parser.parse_args(argv)
    if args.command == "demo":
        from .demo import run

        return run()
    if args.command == "sandbox":
        return _run_sandbox(commands.choices["sandbox"], args)
    return 2


if __name__ == "__main__":
    sys.exit(main())
