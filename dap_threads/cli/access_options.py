"""The command line's say on who may connect to ``--listen``: --allow-user, --token-file, --launch-as-root."""

from __future__ import annotations

import argparse
import os
import sys

from ..access import token as tokens
from ..access.policy import AccessPolicy, resolve_user


def add_access_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group(
        "who may connect (with --listen)",
        "Only the adapter's own user may act on processes through it, unless these let others in.",
    )
    group.add_argument(
        "--allow-user",
        action="append",
        default=[],
        metavar="USER",
        help="also serve this user's connections (a name or a uid); repeatable",
    )
    group.add_argument(
        "--token-file",
        metavar="PATH",
        help='a secret that lets any client in that passes it as "token" in attach/launch: read from PATH, '
        "or created there with mode 0600 (default: a new one each run, printed on stderr)",
    )
    group.add_argument(
        "--launch-as-root",
        action="store_true",
        help="a root adapter runs launched programs as root for every client "
        "(default: as the user of the connection that launches them)",
    )


def listen_policy(args: argparse.Namespace, listen: str) -> tuple[AccessPolicy, str]:
    """The policy for ``--listen``, and what to say of its token once listening; ValueError names what is wrong."""
    if (
        not listen.startswith("unix:")
        and not _is_loopback(_host_of(listen))
        and not (args.token_file or args.allow_user)
    ):
        raise ValueError(
            f"--listen {listen} is not a loopback address: anyone who can reach it could trace what this user can. "
            f"Give --token-file PATH (clients then pass its token) or --allow-user USER, or listen on 127.0.0.1"
        )
    allowed = frozenset(resolve_user(user) for user in args.allow_user)
    if args.token_file:
        token, created = tokens.load_or_create(args.token_file)
        how = "created" if created else "read"
        said = f'token {how} in {args.token_file}: clients of other users pass its contents as "token"'
    else:
        token = tokens.generate()
        said = f'token: {token} (clients of other users pass it as "token" in attach/launch)'
    policy = AccessPolicy(own_uid=os.geteuid(), allowed_uids=allowed, token=token, launch_as_root=args.launch_as_root)
    return policy, said


def say(text: str) -> None:
    # stderr, once: never the log file, which others may be able to read.
    print(f"dap-threads: {text}", file=sys.stderr, flush=True)


def _host_of(listen: str) -> str:
    # Here, not at the top: the server pulls in pygls, which `ps` and `watch` need not load.
    from ..dap.server import parse_host_port

    return parse_host_port(listen)[0]


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    import ipaddress  # here: only --listen needs it

    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:  # a host name: it may be anything
        return False
