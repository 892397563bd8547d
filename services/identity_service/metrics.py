"""identity_service's Prometheus metrics (labels never carry an e-mail address or a name)."""

from __future__ import annotations

from prometheus_client import Counter

REGISTRATIONS = Counter("huleedu_identity_registrations_total", "Teacher accounts created.")
LOGINS = Counter(
    "huleedu_identity_logins_total",
    "Login attempts by outcome: success, invalid_credentials, throttled.",
    ["outcome"],
)
PASSWORD_REHASHES = Counter(
    "huleedu_identity_password_rehashes_total",
    "Stored hashes upgraded to the current Argon2 parameters at login.",
)
