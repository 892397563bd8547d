"""Settings of api_gateway_service (env prefix `GATEWAY_`), e.g. `GATEWAY_BOS_URL`.

The gateway owns no state: its settings say where the backends are, how long to wait for
them, how large a body may be, and how the WebSocket treats slow or silent clients.
docs/gateway.md explains each policy; change the numbers there too.
"""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from common_core.auth.settings import TokenVerificationSettings
from common_core.config import ServiceSettings

SERVICE_NAME = "api_gateway_service"
MIB = 1024 * 1024


class GatewaySettings(ServiceSettings, TokenVerificationSettings):
    """Everything the gateway reads from the environment."""

    model_config = SettingsConfigDict(env_prefix="GATEWAY_", extra="ignore")

    port: int = 4001
    identity_url: str = "http://127.0.0.1:3001"
    bos_url: str = "http://127.0.0.1:5001"
    file_service_url: str = "http://127.0.0.1:7001"
    els_api_url: str = "http://127.0.0.1:6001"

    # Peers whose X-Forwarded-For is kept (a load balancer in front); from anyone else the
    # header is replaced by the peer's address, so a browser cannot choose what identity sees.
    trusted_proxies: list[str] = Field(default_factory=list)

    connect_timeout_seconds: float = Field(
        default=3.0, gt=0, description="Opening a connection to a backend."
    )
    request_timeout_seconds: float = Field(
        default=30.0, gt=0, description="A whole forwarded call, body and answer (not uploads)."
    )
    upload_timeout_seconds: float = Field(
        default=300.0,
        gt=0,
        description="An upload's wait for File Service's answer once the body is sent (it "
        "answers after every text is stored and every event acknowledged).",
    )
    max_body_bytes: int = Field(
        default=1 * MIB, ge=1, description="Largest body of a JSON call (a registration ~100 KB)."
    )
    # File Service takes 50 MiB of files; the multipart framing around them needs a little more.
    max_upload_bytes: int = Field(
        default=52 * MIB, ge=1, description="Largest upload body streamed to File Service."
    )
    max_response_bytes: int = Field(
        default=16 * MIB, ge=1, description="Largest backend answer relayed (an essay's text)."
    )

    ws_queue_size: int = Field(
        default=256,
        ge=1,
        description="Messages held for one WebSocket client; past it the queue is replaced by "
        "one `resync` message (the client re-reads over REST).",
    )
    ws_heartbeat_interval_seconds: float = Field(
        default=20.0, gt=0, description="How often the gateway sends a `ping` message."
    )
    ws_heartbeat_timeout_seconds: float = Field(
        default=45.0,
        gt=0,
        description="A client that sends nothing (not even a `pong`) this long is closed.",
    )
    ws_close_timeout_seconds: float = Field(
        default=5.0, gt=0, description="Wait for a close frame to go out before giving up."
    )
    ws_max_message_bytes: int = Field(
        default=4096, ge=128, description="Largest message a client may send (pongs are tiny)."
    )
    # Several gateways read every event: no consumer group, each reads every partition from
    # the end (docs/gateway.md says why). A partition added later is read after the next
    # metadata refresh, at this interval.
    partition_refresh_seconds: float = Field(default=60.0, gt=0)
    kafka_connect_timeout_seconds: float = Field(
        default=30.0, ge=0, description="Keep trying to reach Kafka at start this long."
    )
