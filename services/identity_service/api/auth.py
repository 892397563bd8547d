"""REST entrypoints under /v1/auth: parse, call the handler, map domain errors to statuses."""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

from dishka import FromDishka
from quart import Blueprint, Response, request
from quart_dishka import inject
from quart_schema import security_scheme, validate_request, validate_response

from common_core.auth.errors import AuthError
from common_core.auth.quart import current_teacher_id, teacher_required
from common_core.metadata import utc_now
from common_core.openapi import document_errors
from common_core.web import error_response, require_json_body
from services.identity_service.config import IdentitySettings
from services.identity_service.domain import (
    EmailAlreadyRegisteredError,
    InvalidCredentialsError,
    LoginThrottledError,
    RegistrationClosedError,
    Teacher,
    TeacherNotFoundError,
)
from services.identity_service.handlers import (
    LoginAttempt,
    NoSigningKeyError,
    Registration,
    log_in,
    public_keys,
    register_teacher,
    teacher_profile,
)
from services.identity_service.models.api import (
    JwksResponse,
    LoginRequest,
    RegisterRequest,
    TeacherResponse,
    TokenResponse,
)
from services.identity_service.protocols import LoginThrottle, PasswordHasher, UnitOfWorkFactory
from services.identity_service.signing import TokenSigner

auth = Blueprint("auth", __name__, url_prefix="/v1/auth")
auth.before_request(require_json_body)

BEARER_SCHEME = "bearerAuth"
# Verifiers cache keys anyway; a short max-age lets a rotated-in key reach proxies quickly.
JWKS_CACHE_CONTROL = "public, max-age=60"


@auth.errorhandler(RegistrationClosedError)
async def _registration_closed(exc: RegistrationClosedError) -> Response:
    return error_response(403, "registration_closed", str(exc))


@auth.errorhandler(EmailAlreadyRegisteredError)
async def _email_taken(exc: EmailAlreadyRegisteredError) -> Response:
    return error_response(409, "email_already_registered", str(exc))


@auth.errorhandler(InvalidCredentialsError)
async def _invalid_credentials(exc: InvalidCredentialsError) -> Response:
    response = error_response(401, "invalid_credentials", str(exc))
    response.headers["WWW-Authenticate"] = 'Bearer realm="huleedu"'
    return response


@auth.errorhandler(LoginThrottledError)
async def _throttled(exc: LoginThrottledError) -> Response:
    response = error_response(
        429, "too_many_requests", str(exc), {"retry_after_seconds": exc.retry_after_seconds}
    )
    response.headers["Retry-After"] = str(exc.retry_after_seconds)
    return response


@auth.errorhandler(NoSigningKeyError)
async def _no_key(exc: NoSigningKeyError) -> Response:
    return error_response(503, "service_unavailable", "the service is starting; try again")


def client_address(peer: str | None, forwarded_for: str | None, trusted: Sequence[str]) -> str:
    """The address a login is limited by: the peer, unless the peer is a trusted proxy; then
    the right-most X-Forwarded-For entry that is not itself a trusted proxy."""
    networks = [ipaddress.ip_network(entry, strict=False) for entry in trusted]

    def is_trusted(address: str) -> bool:
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in network for network in networks)

    address = peer or "unknown"
    if not is_trusted(address) or not forwarded_for:
        return address
    for hop in reversed([hop.strip() for hop in forwarded_for.split(",") if hop.strip()]):
        if not is_trusted(hop):
            return hop
    return address


def _teacher_body(teacher: Teacher) -> TeacherResponse:
    return TeacherResponse(teacher_id=teacher.teacher_id, email=teacher.email, name=teacher.name)


@auth.post("/register")
@document_errors(400, 403, 409, 413, 415, 422)
@validate_request(RegisterRequest)
@validate_response(TeacherResponse, 201)
@inject
async def register(
    data: RegisterRequest,
    settings: FromDishka[IdentitySettings],
    passwords: FromDishka[PasswordHasher],
    units_of_work: FromDishka[UnitOfWorkFactory],
) -> tuple[TeacherResponse, int]:
    """Create a teacher account (403 when registration is closed, 409 for a taken address)."""
    teacher = await register_teacher(
        Registration(email=data.email, password=data.password, name=data.name),
        open_registration=settings.open_registration,
        passwords=passwords,
        uow=units_of_work(),
        now=utc_now(),
    )
    return _teacher_body(teacher), 201


@auth.post("/login")
@document_errors(400, 401, 413, 415, 422, 429, 503)
@validate_request(LoginRequest)
@validate_response(TokenResponse, 200)
@inject
async def login(
    data: LoginRequest,
    settings: FromDishka[IdentitySettings],
    passwords: FromDishka[PasswordHasher],
    throttle: FromDishka[LoginThrottle],
    signer: FromDishka[TokenSigner],
    units_of_work: FromDishka[UnitOfWorkFactory],
) -> TokenResponse:
    """An access token; 401 alike for an unknown address and a wrong password; 429 when
    rate-limited (Retry-After says when to try again)."""
    address = client_address(
        request.remote_addr, request.headers.get("X-Forwarded-For"), settings.trusted_proxies
    )
    issued = await log_in(
        LoginAttempt(email=data.email, password=data.password, client_address=address),
        passwords=passwords,
        throttle=throttle,
        signer=signer,
        uow=units_of_work(),
        now=utc_now(),
    )
    return TokenResponse(access_token=issued.access_token, expires_in=issued.expires_in)


@auth.get("/me")
@document_errors(401, 503)
@security_scheme([{BEARER_SCHEME: []}])
@validate_response(TeacherResponse, 200)
@teacher_required
@inject
async def me(units_of_work: FromDishka[UnitOfWorkFactory]) -> TeacherResponse:
    """The teacher the bearer token speaks for."""
    try:
        teacher = await teacher_profile(current_teacher_id(), units_of_work())
    except TeacherNotFoundError:
        raise AuthError("invalid_token", "the token's teacher no longer exists") from None
    return _teacher_body(teacher)


@auth.get("/jwks.json")
@document_errors(503)
@validate_response(JwksResponse, 200)
@inject
async def jwks(
    signer: FromDishka[TokenSigner], units_of_work: FromDishka[UnitOfWorkFactory]
) -> tuple[JwksResponse, int, dict[str, str]]:
    """The public keys every service verifies tokens with (offline, cached)."""
    document = await public_keys(units_of_work(), utc_now(), signer.ttl)
    return JwksResponse.model_validate(document), 200, {"Cache-Control": JWKS_CACHE_CONTROL}
