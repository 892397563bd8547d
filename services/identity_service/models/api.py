"""Request and response bodies of identity's REST API (validated by quart-schema)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from services.identity_service.domain import (
    MAX_EMAIL_CHARS,
    MAX_PASSWORD_CHARS,
    MIN_PASSWORD_CHARS,
    normalise_email,
)

MAX_NAME_CHARS = 200


class RegisterRequest(BaseModel):
    """Body of POST /v1/auth/register."""

    model_config = ConfigDict(extra="forbid")

    email: str = Field(
        max_length=MAX_EMAIL_CHARS + 64,
        description="The teacher's e-mail address; stored trimmed and in lower case.",
    )
    password: str = Field(
        min_length=MIN_PASSWORD_CHARS,
        max_length=MAX_PASSWORD_CHARS,
        description=f"At least {MIN_PASSWORD_CHARS} characters.",
    )
    name: str = Field(
        min_length=1, max_length=MAX_NAME_CHARS, description="The name shown to the teacher."
    )

    @field_validator("email")
    @classmethod
    def _valid_email(cls, value: str) -> str:
        return normalise_email(value)  # InvalidEmailError is a ValueError: 422 on `email`

    @field_validator("name")
    @classmethod
    def _trimmed_name(cls, value: str) -> str:
        name = value.strip()
        if not name:
            raise ValueError("name must not be blank")
        return name


class LoginRequest(BaseModel):
    """Body of POST /v1/auth/login. The address is not validated: a malformed one is simply
    unknown, answered 401 like any other."""

    model_config = ConfigDict(extra="forbid")

    email: str = Field(max_length=MAX_EMAIL_CHARS + 64, description="The account's address.")
    password: str = Field(max_length=MAX_PASSWORD_CHARS, description="The account's password.")


class TeacherResponse(BaseModel):
    """A teacher's account, as registration and GET /v1/auth/me answer it."""

    teacher_id: str = Field(description="The id tokens carry as `sub` and services store.")
    email: str = Field(description="The normalised e-mail address.")
    name: str = Field(description="The teacher's name.")


class TokenResponse(BaseModel):
    """A successful login."""

    access_token: str = Field(description="An RS256 JWT; send it as `Authorization: Bearer`.")
    token_type: Literal["bearer"] = Field(default="bearer", description='Always "bearer".')
    expires_in: int = Field(description="Seconds until the token expires.")


class PublicKey(BaseModel):
    """One RSA public key in JWK form (RFC 7517)."""

    kty: Literal["RSA"] = Field(description='Key type, "RSA".')
    kid: str = Field(description="Key id; a token's header names the key that signed it.")
    alg: Literal["RS256"] = Field(description='Signing algorithm, "RS256".')
    use: Literal["sig"] = Field(description='Use, "sig".')
    n: str = Field(description="RSA modulus, base64url.")
    e: str = Field(description="RSA public exponent, base64url.")


class JwksResponse(BaseModel):
    """The public keys that verify access tokens: the active one first."""

    keys: list[PublicKey] = Field(description="Every key one of whose tokens may be unexpired.")
