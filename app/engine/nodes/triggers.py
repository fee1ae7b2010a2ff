"""Trigger nodes: they start a run and output its trigger payload."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from croniter import croniter
from pydantic import BaseModel, ConfigDict, Field, field_validator

from app.engine.context import NodeContext
from app.engine.registry import NodeCategory, NodeType


class ManualTriggerConfig(BaseModel):
    """The manual trigger has no settings: the payload comes from whoever starts the run."""

    model_config = ConfigDict(extra="forbid")


class WebhookTriggerConfig(BaseModel):
    """The webhook trigger's settings (signing and mapping live with the webhook itself)."""

    model_config = ConfigDict(extra="forbid")


class ScheduleTriggerConfig(BaseModel):
    """When a schedule trigger fires."""

    model_config = ConfigDict(extra="forbid")

    cron: str = Field(
        default="0 * * * *",
        min_length=1,
        max_length=120,
        title="Cron expression",
        description="Five-field cron (minute hour day month weekday), e.g. '*/15 * * * *'.",
    )
    timezone: str = Field(
        default="UTC",
        min_length=1,
        max_length=64,
        title="Timezone",
        description="IANA timezone the cron expression is read in, e.g. 'Europe/Paris'.",
    )

    @field_validator("cron")
    @classmethod
    def _valid_cron(cls, value: str) -> str:
        value = value.strip()
        if not croniter.is_valid(value):
            raise ValueError(f"{value!r} is not a valid cron expression")
        return value

    @field_validator("timezone")
    @classmethod
    def _valid_timezone(cls, value: str) -> str:
        value = value.strip()
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"{value!r} is not an IANA timezone") from exc
        return value


async def run_trigger(ctx: NodeContext, inputs: dict[str, Any], config: BaseModel) -> Any:
    """Output the run's trigger payload."""
    return ctx.trigger


MANUAL_TRIGGER = NodeType(
    type="manual_trigger",
    label="Manual trigger",
    category=NodeCategory.TRIGGER,
    description="Start the workflow by hand (the run's input is the payload).",
    config_model=ManualTriggerConfig,
    run=run_trigger,
    inputs=(),
    icon="play",
)

WEBHOOK_TRIGGER = NodeType(
    type="webhook_trigger",
    label="Webhook trigger",
    category=NodeCategory.TRIGGER,
    description="Start the workflow from a signed webhook call (the request body is the payload).",
    config_model=WebhookTriggerConfig,
    run=run_trigger,
    inputs=(),
    icon="webhook",
)

SCHEDULE_TRIGGER = NodeType(
    type="schedule_trigger",
    label="Schedule trigger",
    category=NodeCategory.TRIGGER,
    description="Start the workflow on a cron schedule in a timezone.",
    config_model=ScheduleTriggerConfig,
    run=run_trigger,
    inputs=(),
    icon="clock",
    not_yet_available="schedules do not fire yet",
)
