"""What can go wrong when a request proves who it is; only the HTTP edge maps these to statuses."""

from __future__ import annotations


class AuthError(Exception):
    """The request is not authenticated: answered 401 with `WWW-Authenticate: Bearer`.

    `code` is the JSON error code (`missing_token`, `invalid_token`, `token_expired`);
    `message` says why in words a client developer can act on, without echoing the token.
    """

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class KeysUnavailableError(Exception):
    """No signing keys could be loaded (identity unreachable and nothing cached): answered 503.

    Kept apart from AuthError on purpose: the caller's token may be perfectly good, so telling
    it "401, log in again" would be wrong.
    """
