"""The `runway-nb` command. For now one subcommand: `runway-nb sandbox` serves the local sandbox."""

from __future__ import annotations

import argparse
import sys


def _sandbox_parser(sub) -> None:
    from .sandbox.faults import PROFILES

    p = sub.add_parser("sandbox", help="serve the local Runway API sandbox on 127.0.0.1 (foreground)",
                       description="Serve a local stand-in for Runway's API that returns real, synthetic media. "
                                   "Point the runwayml SDK or runway_nb at the URL it prints.")
    p.add_argument("--port", type=int, default=8787, help="port on 127.0.0.1 (0: any free port; default 8787)")
    p.add_argument("--api-key", default=None,
                   help="require this Bearer key (default: any key is accepted, but one must be sent)")
    p.add_argument("--time-scale", type=float, default=None,
                   help="multiply the real service's typical running times (default: a 10 s gen4.5 video takes ~10 s)")
    p.add_argument("--url-ttl", type=float, default=None, help="seconds output URLs stay valid (default 86400)")
    p.add_argument("--faults", choices=sorted(PROFILES), default="none", help="inject faults from a named profile")
    p.add_argument("--fault-seed", type=int, default=0, help="seed for the fault decisions")
    p.add_argument("--credits", type=int, default=None, help="starting credit balance (default 10000)")
    p.add_argument("--tier", type=int, default=1, choices=range(1, 6), help="usage tier: concurrency and quotas")
    p.add_argument("--rate-limit", type=float, default=None, help="requests per second before answering 429")


def run_sandbox(args: argparse.Namespace) -> int:
    from . import sandbox

    kw = {k: v for k, v in {"time_scale": args.time_scale, "url_ttl": args.url_ttl, "credits": args.credits,
                             "rate_limit": args.rate_limit}.items() if v is not None}

    def announce(base_url: str) -> None:
        key = args.api_key or "<any key>"
        print(f"Runway sandbox serving at {base_url}", flush=True)
        print(f"  export RUNWAYML_BASE_URL={base_url}\n  export RUNWAYML_API_SECRET={key}", flush=True)
        print("  (Ctrl-C to stop)", flush=True)

    try:
        sandbox.run(args.port, api_key=args.api_key, faults=args.faults, fault_seed=args.fault_seed,
                    tier=args.tier, announce=announce, **kw)
    except OSError as e:
        print(f"runway-nb sandbox: cannot listen on 127.0.0.1:{args.port}: {e.strerror or e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        pass
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="runway-nb", description="runway_nb command line tools")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    _sandbox_parser(sub)
    args = parser.parse_args(argv)
    if args.command == "sandbox":
        return run_sandbox(args)
    parser.print_help()
    return 2


if __name__ == "__main__":
    sys.exit(main())
