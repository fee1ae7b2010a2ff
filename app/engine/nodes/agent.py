"""Agent node: one LLM call with a prompt template, optional JSON output checked by a schema."""

from __future__ import annotations

import asyncio
import json
import re
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from app.engine.context import NodeContext
from app.engine.nodes.agent_schema import SchemaCheckFailed, check_schema, schema_errors
from app.engine.nodes.llm_calls import call_report, prompt_text, require_llm
from app.engine.registry import NodeCategory, NodeType

DEFAULT_MODEL = "gpt-4o-mini"
_CODE_FENCE = re.compile(r"\A```[A-Za-z0-9_-]*\s*\n(?P<body>.*?)\n?```\Z", re.DOTALL)
_SNIPPET_CHARS = 120


class AgentOutputInvalid(ValueError):
    """The model's answer is not the JSON the node asked for."""


class AgentConfig(BaseModel):
    """Config of the agent node."""

    model_config = ConfigDict(extra="forbid")

    system_prompt: str = Field(
        default="",
        max_length=20_000,
        title="System prompt",
        description="Instructions sent as the system message; expressions allowed.",
    )
    prompt: str = Field(
        default="{{ input }}",
        title="Prompt",
        description="The user message; expressions allowed. Objects are sent as JSON.",
    )
    model: str = Field(
        default=DEFAULT_MODEL,
        min_length=1,
        max_length=200,
        title="Model",
        description="Model or deployment name, e.g. gpt-4o-mini, claude-sonnet, mock/demo.",
    )
    temperature: float = Field(
        default=0.7, ge=0, le=2, title="Temperature", description="Sampling temperature (0-2)."
    )
    max_tokens: int | None = Field(
        default=None,
        gt=0,
        le=1_000_000,
        title="Max tokens",
        description="Cap on the answer's length in tokens; empty for the model's default.",
    )
    json_output: bool = Field(
        default=False,
        title="JSON output",
        description="Ask for a JSON answer; the node fails when the answer is not valid JSON.",
    )
    json_schema: dict[str, Any] | None = Field(
        default=None,
        title="JSON schema",
        description=(
            "With JSON output: a JSON Schema the answer must validate against. References "
            "resolve only inside the schema (#...); patterns are at most 1,000 characters, "
            "write out to at most 10,000 elements (a{65535} does not) and must not nest "
            "quantifiers."
        ),
    )
    fallbacks: list[str] = Field(
        default_factory=list,
        max_length=10,
        title="Fallback models",
        description="Models tried in order when the main model fails.",
    )

    @field_validator("prompt", mode="before")
    @classmethod
    def _prompt_as_text(cls, value: Any) -> str:
        return prompt_text(value)

    @field_validator("json_schema")
    @classmethod
    def _schema_is_valid(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        if value is not None:
            check_schema(value)
        return value

    @model_validator(mode="after")
    def _schema_needs_json_output(self) -> AgentConfig:
        if self.json_schema is not None and not self.json_output:
            raise ValueError("a JSON schema needs JSON output turned on")
        return self


def parse_json_answer(text: str, schema: dict[str, Any] | None) -> Any:
    """The answer parsed as JSON (a ```json fence around it is allowed), checked by `schema`.

    Checking the schema's patterns can take up to `PATTERN_BUDGET_S`: call it off the loop.

    Raises:
        AgentOutputInvalid: not JSON, not valid against the schema, or the schema could not
            be checked (a pattern ran out of time, a reference leads outside the schema).
    """
    stripped = text.strip()
    fenced = _CODE_FENCE.match(stripped)
    if fenced:
        stripped = fenced.group("body").strip()
    try:
        value = json.loads(stripped)
    except ValueError as exc:
        snippet = stripped[:_SNIPPET_CHARS]
        raise AgentOutputInvalid(f"the answer is not valid JSON ({exc}): {snippet!r}") from exc
    if schema is not None:
        try:
            errors = schema_errors(schema, value)
        except SchemaCheckFailed as exc:
            raise AgentOutputInvalid(str(exc)) from None
        if errors:
            first = errors[0]
            where = "/".join(str(p) for p in first.absolute_path) or "(root)"
            raise AgentOutputInvalid(
                f"the answer does not match the JSON schema at {where}: {first.message}"
            )
    return value


async def run_agent(
    ctx: NodeContext, inputs: dict[str, Any], config: AgentConfig
) -> dict[str, Any]:
    """Call the model and return `{"text", ["json",] "model", "provider", "tokens",
    "cost_usd", "latency_ms", "is_mock", "path"}`.

    Raises:
        LLMNotConfigured: the run has no LLM client.
        AgentOutputInvalid: JSON output was asked for and the answer is not valid.
    """
    answer = await require_llm(ctx).complete(
        prompt=config.prompt,
        system=config.system_prompt or None,
        model=config.model,
        temperature=config.temperature,
        max_tokens=config.max_tokens,
        json_output=config.json_output,
        fallbacks=list(config.fallbacks),
    )
    output: dict[str, Any] = {"text": answer.text}
    if config.json_output:
        if config.json_schema is None:
            output["json"] = parse_json_answer(answer.text, None)
        else:
            output["json"] = await asyncio.to_thread(
                parse_json_answer, answer.text, config.json_schema
            )
    output.update(call_report(answer))
    return output


AGENT = NodeType(
    type="agent",
    label="Agent",
    category=NodeCategory.AI,
    description="Ask an LLM: prompt template, model with fallbacks, optional JSON output.",
    config_model=AgentConfig,
    run=run_agent,
    side_effect=True,
    icon="bot",
)
