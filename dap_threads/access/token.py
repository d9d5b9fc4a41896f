"""The adapter's token: a secret that lets a connection of another user in.

It is generated fresh for each run, or kept in a file that only the adapter's
user may read (created 0600). A file someone else could have written, or read,
is refused: whoever planted or read it would know the token.
"""

from __future__ import annotations

import os
import stat

# hmac (with hashlib and OpenSSL) and secrets are imported where used: only a
# --listen adapter needs them, and they cost ~4 ms of every start-up.

#: Shorter tokens from a file are refused: they could be guessed.
MIN_LENGTH = 16


class TokenFileError(ValueError):
    """The --token-file cannot be used; the message says why and what to do."""


def generate() -> str:
    import secrets

    return secrets.token_urlsafe(32)


def matches(expected: str, given: str) -> bool:
    """Constant-time comparison (as bytes: compare_digest refuses non-ASCII str)."""
    import hmac

    return hmac.compare_digest(expected.encode(), given.encode())


def load_or_create(path: str) -> tuple[str, bool]:
    """(the token in ``path``, whether it was created now); a new file is written with mode 0600."""
    try:
        # O_EXCL also refuses a symbolic link planted at the path.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
    except FileExistsError:
        return _read(path), False
    except OSError as exc:
        raise TokenFileError(f"cannot create the token file {path!r}: {exc.strerror}") from None
    token = generate()
    with os.fdopen(fd, "w") as file:
        file.write(token + "\n")
    return token, True


def _read(path: str) -> str:
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError as exc:
        raise TokenFileError(
            f"cannot read the token file {path!r}: {exc.strerror} (a symbolic link is not accepted)"
        ) from None
    with os.fdopen(fd) as file:
        info = os.fstat(file.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise TokenFileError(f"the token file {path!r} is not a regular file")
        if info.st_uid != os.geteuid():
            raise TokenFileError(
                f"the token file {path!r} belongs to uid {info.st_uid}, not to the adapter's user "
                f"(uid {os.geteuid()}): whoever owns it knows the token. Remove it, or choose another path"
            )
        if info.st_mode & 0o077:
            raise TokenFileError(
                f"the token file {path!r} has mode {stat.S_IMODE(info.st_mode):04o}: other users may read it. "
                f"Run `chmod 600 {path}`, or remove it to have a new one created"
            )
        token = file.read().strip()
    if len(token) < MIN_LENGTH or any(c.isspace() for c in token):
        raise TokenFileError(
            f"the token in {path!r} must be one word of at least {MIN_LENGTH} characters; "
            f"remove the file to have one generated"
        )
    return token
