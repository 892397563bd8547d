"""Teachers for tests that drive the real fleet: each a fresh account on the fleet's identity
service, logged in, so a test's batches belong to it and no other test's."""

from __future__ import annotations

import uuid

from scripts.fleet.client import FleetClient, FleetUrls


def teacher_client(urls: FleetUrls | None = None, label: str = "teacher") -> FleetClient:
    """A FleetClient logged in as a newly registered teacher."""
    client = FleetClient(urls or FleetUrls())
    email = f"{label}-{uuid.uuid4().hex[:12]}@example.org"
    password = uuid.uuid4().hex
    client.register_teacher(email, password, f"Test {label.title()}")
    client.login(email, password)
    return client
