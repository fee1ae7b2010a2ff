"""The webhook API's schemas: create, change, the public view (never the secret), the one
answer that holds a secret, the call log and the mapping preview."""

from __future__ import annotations

import ipaddress
from datetime import datetime
from typing import Annotated, Any

import jmespath
from jmespath.exceptions import JMESPathError
from pydantic import AfterValidator, ConfigDict, StrictBool
from pydantic import Field as PydanticField
from sqlmodel import Field, SQLModel

from app.models.version import TAG_PATTERN
from app.models.webhook import (
    BODY_LIMIT_DEFAULT_BYTES,
    HEADER_NAME_MAX,
    MAPPING_MAX,
    NAME_MAX,
    RATE_LIMIT_DEFAULT_PER_HOUR,
    RESPOND_TIMEOUT_DEFAULT_SECONDS,
    RespondMode,
    SignatureMode,
)

RATE_LIMIT_MAX_PER_HOUR = 100_000
BODY_LIMIT_MAX_BYTES = 10 * 1024 * 1024
RESPOND_TIMEOUT_MIN_SECONDS = 1.0
RESPOND_TIMEOUT_MAX_SECONDS = 120.0
IP_ALLOWLIST_MAX = 100
CIDR_MAX = 64
GRACE_MAX_SECONDS = 7 * 24 * 3600
HEADERS_MAX = 100
HOOKS_PATH = "/api/hooks/"
# An HTTP header name (RFC 9110 token).
HEADER_NAME_PATTERN = rf"^[A-Za-z0-9!#$%&'*+.^_`|~-]{{1,{HEADER_NAME_MAX}}}$"
NO_NUL_PATTERN = "^[^\\x00]*$"


def clean_webhook_name(value: str) -> str:
    """Trim a webhook name (it may be empty); raises ValueError on NUL characters."""
    if "\x00" in value:
        raise ValueError("name must not contain NUL characters")
    return value.strip()


def clean_cidrs(values: list[str]) -> list[str]:
    """Each CIDR block in its normal form (`10.0.0.1/8` → `10.0.0.0/8`, an address → /32).

    Raises:
        ValueError: one of them is not an IPv4 or IPv6 network, naming it.
    """
    cleaned: list[str] = []
    for value in values:
        try:
            network = ipaddress.ip_network(value.strip(), strict=False)
        except ValueError as exc:
            raise ValueError(f"{value[:CIDR_MAX]!r} is not an IP address or CIDR block") from exc
        if str(network) not in cleaned:
            cleaned.append(str(network))
    return cleaned


def clean_mapping(value: str | None) -> str | None:
    """A JMESPath expression that compiles, trimmed; None or blank: no mapping.

    Raises:
        ValueError: it does not compile, with JMESPath's reason.
    """
    if value is None or not value.strip():
        return None
    if "\x00" in value:
        raise ValueError("the mapping must not contain NUL characters")
    try:
        jmespath.compile(value.strip())
    except JMESPathError as exc:
        # The parser's message ends with the whole expression; the column says where.
        reason = str(exc).splitlines()[0].removesuffix(", for expression:").rstrip(": ")
        raise ValueError(f"the mapping is not a valid JMESPath expression: {reason}") from exc
    return value.strip()


WebhookName = Annotated[
    str,
    PydanticField(max_length=NAME_MAX, json_schema_extra={"pattern": NO_NUL_PATTERN}),
    AfterValidator(clean_webhook_name),
]
TokenHeader = Annotated[str, PydanticField(pattern=HEADER_NAME_PATTERN)]
RateLimit = Annotated[int, PydanticField(ge=1, le=RATE_LIMIT_MAX_PER_HOUR)]
IpAllowlist = Annotated[
    list[Annotated[str, PydanticField(min_length=1, max_length=CIDR_MAX)]],
    PydanticField(
        max_length=IP_ALLOWLIST_MAX,
        description="CIDR blocks (or single addresses) allowed to call; empty: everyone.",
    ),
    AfterValidator(clean_cidrs),
]
BodyLimit = Annotated[int, PydanticField(ge=1, le=BODY_LIMIT_MAX_BYTES)]
Mapping = Annotated[
    str | None,
    PydanticField(
        max_length=MAPPING_MAX,
        description=(
            "A JMESPath expression over {body, headers, query} giving the workflow input;"
            " null: the body as it came."
        ),
    ),
    AfterValidator(clean_mapping),
]
RespondTimeout = Annotated[
    float, PydanticField(ge=RESPOND_TIMEOUT_MIN_SECONDS, le=RESPOND_TIMEOUT_MAX_SECONDS)
]
VersionTagName = Annotated[
    str | None,
    PydanticField(
        pattern=TAG_PATTERN, description="Run the version this tag names; null: the newest."
    ),
]


class WebhookCreate(SQLModel):
    """What it takes to create a webhook (every field has a default)."""

    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]  # SQLModel's ConfigDict

    name: WebhookName = ""
    signature_mode: SignatureMode = SignatureMode.STANDARD
    token_header: TokenHeader = "X-Webhook-Token"
    rate_limit_per_hour: RateLimit = RATE_LIMIT_DEFAULT_PER_HOUR
    ip_allowlist: IpAllowlist = Field(default_factory=list)
    body_limit_bytes: BodyLimit = BODY_LIMIT_DEFAULT_BYTES
    mapping: Mapping = None
    respond_mode: RespondMode = RespondMode.ACCEPTED
    respond_timeout_seconds: RespondTimeout = RESPOND_TIMEOUT_DEFAULT_SECONDS
    version_tag: VersionTagName = None
    enabled: StrictBool = True


class WebhookUpdate(SQLModel):
    """A change to a webhook: only the fields sent change.

    `mapping` and `version_tag` sent as null are cleared. A new `signature_mode` comes with
    a new secret (answered once, like at creation); the old one stops working at once.
    """

    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]  # SQLModel's ConfigDict

    name: WebhookName | None = None
    signature_mode: SignatureMode | None = None
    token_header: TokenHeader | None = None
    rate_limit_per_hour: RateLimit | None = None
    ip_allowlist: IpAllowlist | None = None
    body_limit_bytes: BodyLimit | None = None
    mapping: Mapping = None
    respond_mode: RespondMode | None = None
    respond_timeout_seconds: RespondTimeout | None = None
    version_tag: VersionTagName = None
    enabled: StrictBool | None = None


class SecretRegenerate(SQLModel):
    """A new secret; the old one optionally stays valid for `grace_seconds`."""

    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]  # SQLModel's ConfigDict

    grace_seconds: int = Field(
        default=0,
        ge=0,
        le=GRACE_MAX_SECONDS,
        description="How long the old secret keeps working (0: it stops at once).",
    )


class WebhookPublic(SQLModel):
    """A webhook as callers see it: every setting, never its secret."""

    id: int
    public_id: str
    path: str = Field(description="Where requests go: `/api/hooks/{public_id}`.")
    workflow_id: int
    workflow_name: str
    owner_id: int | None = Field(default=None, description="The workflow's owner.")
    name: str
    enabled: bool
    signature_mode: SignatureMode
    unsigned: bool = Field(description="Mode `none`: anyone who knows the URL can call it.")
    token_header: str
    rate_limit_per_hour: int
    ip_allowlist: list[str]
    body_limit_bytes: int
    mapping: str | None = None
    respond_mode: RespondMode
    respond_timeout_seconds: float
    version_tag: str | None = None
    has_previous_secret_until: datetime | None = Field(
        default=None, description="Until when the secret before the last regenerate works."
    )
    last_called_at: datetime | None = None
    created_at: datetime
    updated_at: datetime
    # What the caller may do with the webhook's workflow: "read", "change", "run", ...
    access: list[str] = Field(default_factory=list)


class WebhookCreated(WebhookPublic):
    """A webhook with its secret, answered once: at creation, regenerate or a mode change."""

    secret: str | None = Field(
        default=None, description="The signing secret or token (null for mode `none`)."
    )


class WebhooksPage(SQLModel):
    """One page of webhooks and the total that match."""

    items: list[WebhookPublic]
    total: int


class WebhookCallPublic(SQLModel):
    """One call in a webhook's log."""

    id: int
    received_at: datetime
    ip: str
    status_code: int
    reason: str | None = None
    delivery_id: str | None = None
    execution_id: int | None = None
    execution_status: str | None = None
    mapped_input: Any = None
    test: bool = False


class MappingPreviewRequest(SQLModel):
    """A sample request to run a mapping on."""

    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]  # SQLModel's ConfigDict

    mapping: Mapping = None
    body: Any = None
    headers: dict[str, str] = Field(default_factory=dict, max_length=HEADERS_MAX)
    query: dict[str, str] = Field(default_factory=dict, max_length=HEADERS_MAX)


class MappingPreview(SQLModel):
    """The workflow input a mapping gives, or why it gave none."""

    input: Any = None
    error: str | None = None
    call_id: int | None = Field(default=None, description="The call it was read from.")
    received_at: datetime | None = None
