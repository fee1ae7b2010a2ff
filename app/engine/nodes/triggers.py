"""Trigger nodes: they start a run and output its trigger payload."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

from app.engine.context import NodeContext
from app.engine.registry import NodeCategory, NodeType


class ManualTriggerConfig(BaseModel):
    """The manual trigger has no settings: the payload comes from whoever starts the run."""

    model_config = ConfigDict(extra="forbid")


class WebhookTriggerConfig(BaseModel):
    """The webhook trigger's settings (signing and mapping live with the webhook itself)."""

    model_config = ConfigDict(extra="forbid")


class ScheduleTriggerConfig(BaseModel):
    """The schedule trigger has no settings: the workflow's schedules (cron, timezone,
    payload) are kept with the workflow and set in the editor's Schedules panel.

    Documents from before that still carry `cron` and `timezone` here load as they are:
    the old keys are ignored, not refused.
    """

    model_config = ConfigDict(extra="ignore")


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
    description="Start the workflow on its schedules (set in the Schedules panel).",
    config_model=ScheduleTriggerConfig,
    run=run_trigger,
    inputs=(),
    icon="clock",
)
