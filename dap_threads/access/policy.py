"""Who may act on processes through this adapter, and the check each connection passes.

By default only the adapter's own user (and root, who may trace anything
anyway): a root adapter must not become a way into root for every local user.
Others get in when ``--allow-user`` names them, or with the adapter's token.
"""

from __future__ import annotations

import logging
import os
import pwd

import attrs

from . import token as tokens
from .peer import Peer

log = logging.getLogger(__name__)


class AccessDenied(Exception):
    """This connection may not act on processes; the message says how to let it in."""


@attrs.frozen
class AccessPolicy:
    own_uid: int
    allowed_uids: frozenset[int] = frozenset()
    token: str | None = None
    #: run launched programs as the adapter's user (root) even for another user
    launch_as_root: bool = False

    @classmethod
    def own_user_only(cls) -> AccessPolicy:
        return cls(own_uid=os.geteuid())

    def allows_uid(self, uid: int | None) -> bool:
        return uid is not None and (uid in (self.own_uid, 0) or uid in self.allowed_uids)


class Gate:
    """One connection's standing: unchecked, admitted, or refused (for good)."""

    def __init__(self, policy: AccessPolicy, peer: Peer) -> None:
        self.policy = policy
        self.peer = peer
        self.admitted = False
        self.refused = False

    def admit(self, token: str | None) -> None:
        """Raise AccessDenied unless this peer may act on processes; ``token`` is the request's ``"token"``."""
        if self.admitted:
            return
        # Refused once, refused for the connection: no second guess at the token.
        reason = "it was refused earlier" if self.refused else self._refusal(token)
        if reason is None:
            self.admitted = True
            return
        if not self.refused:
            self.refused = True
            log.warning("refused the connection of %s: %s", self.peer.describe(), reason)
        raise AccessDenied(f"dap-threads refused this connection: {reason}")

    def launch_uid(self) -> int | None:
        """The uid a launched program must drop to, or None to run it as the adapter's user."""
        uid = self.peer.uid
        if self.policy.own_uid != 0 or self.policy.launch_as_root or uid is None or uid == 0:
            return None
        return uid

    def _refusal(self, token: str | None) -> str | None:
        policy, uid = self.policy, self.peer.uid
        if policy.allows_uid(uid):
            return None
        if token is not None and policy.token is not None and tokens.matches(policy.token, token):
            return None
        if uid is None:
            who = f"it comes from {self.peer.via}, whose user cannot be known (another machine or network namespace)"
            allow = ""
        else:
            who = (
                f"it comes from {user_label(uid)}, and this adapter serves only its own user "
                f"({user_label(policy.own_uid)})"
            )
            allow = f"restart the adapter with --allow-user {user_name(uid) or uid}, or "
        if token is not None:
            return (
                f'{who}, and the "token" given is not the adapter\'s (it printed its token on stderr when it '
                f"started, or keeps it in its --token-file)"
            )
        return (
            f'{who}. To let it in, {allow}pass the adapter\'s token as "token" in the attach or launch '
            f"arguments (VS Code: the dapThreads.serverToken setting)"
        )


def user_name(uid: int) -> str | None:
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return None


def user_label(uid: int) -> str:
    name = user_name(uid)
    return f"uid {uid} ({name})" if name else f"uid {uid}"


def resolve_user(text: str) -> int:
    """A user name or a numeric uid, as given to --allow-user."""
    if text.isdigit():
        return int(text)
    try:
        return pwd.getpwnam(text).pw_uid
    except KeyError:
        raise ValueError(f"--allow-user {text}: no such user (give a user name or a numeric uid)") from None
