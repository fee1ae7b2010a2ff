"""The orchestration form: name, strategy, voting, judge model and the agents editor.

The form is validated with the same schema the service uses, so every problem shows beside
its field at once; what only the service can tell (it is gone, a conflict) becomes a toast.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, replace
from typing import Any

import reflex as rx
from pydantic import ValidationError
from reflex_base.event import EventSpec

from app.engine.nodes.agent import DEFAULT_MODEL
from app.models.orchestration import (
    MAX_AGENTS,
    OrchestrationCreate,
    OrchestrationPublic,
    OrchestrationUpdate,
)
from app.services import orchestrations
from app.services.access import Action
from app.services.db_threads import run_db
from app.services.errors import ServiceError
from app.services.principal import Principal
from app.services.unit_of_work import session_scope
from app.ui.state.auth_state import acting_principal
from app.ui.state.display import error_message
from app.ui.state.orchestration_detail_state import OrchestrationDetailState
from app.ui.state.orchestration_views import format_number

MODEL_SUGGESTIONS = (
    "mock/agent-a",
    "mock/agent-b",
    "mock/agent-c",
    "gpt-4o-mini",
    "gpt-4o",
    "claude-3-5-sonnet",
    "claude-sonnet",
    "gemini-1.5-pro",
    "gemini-pro",
)
AGENT_FIELDS = ("name", "model", "system_prompt", "prompt", "temperature", "weight")
_keys = itertools.count(1)


@dataclass
class AgentDraft:
    """One agent row of the form, as typed (numbers stay text until saved)."""

    key: str
    name: str = ""
    model: str = DEFAULT_MODEL
    system_prompt: str = ""
    prompt: str = ""
    temperature: str = "0.7"
    weight: str = "1"
    name_error: str = ""
    model_error: str = ""
    system_prompt_error: str = ""
    prompt_error: str = ""
    temperature_error: str = ""
    weight_error: str = ""


def new_agent(number: int, model: str = DEFAULT_MODEL) -> AgentDraft:
    """A fresh agent row named "Agent <number>"."""
    return AgentDraft(key=f"a{next(_keys)}", name=f"Agent {number}", model=model)


def _number(text: str, label: str) -> tuple[float | str, str]:
    try:
        return float(text.strip()), ""
    except ValueError:
        return text, f"{label} must be a number"


def _whole_form_problems(document: dict[str, Any]) -> list[str]:
    """Problems of the agents as a whole (e.g. consensus with one agent).

    Pydantic checks those only once every field is valid; checking again with placeholder
    basics lets them show together with a missing name.
    """
    try:
        OrchestrationCreate.model_validate(document | {"name": "x", "description": ""})
    except ValidationError as exc:
        return [
            str(error.get("msg", "")).removeprefix("Value error, ")
            for error in exc.errors()
            if not error.get("loc")
        ]
    return []


def read_orchestration(principal: Principal, orchestration_id: int) -> OrchestrationPublic:
    """One orchestration (run on a db thread)."""
    with session_scope(read_only=True) as session:
        return orchestrations.get_orchestration(
            session, principal=principal, orchestration_id=orchestration_id
        )


def save_orchestration(
    principal: Principal, orchestration_id: int, data: OrchestrationCreate
) -> OrchestrationPublic:
    """Update orchestration `orchestration_id`, or create one when it is 0 (on a db thread)."""
    with session_scope() as session:
        if not orchestration_id:
            return orchestrations.create_orchestration(session, principal=principal, data=data)
        return orchestrations.update_orchestration(
            session,
            principal=principal,
            orchestration_id=orchestration_id,
            data=OrchestrationUpdate.model_validate(data.model_dump()),
        )


class OrchestrationEditorState(rx.State):
    """State of the create/edit form (`orchestration_id` 0 while creating)."""

    orchestration_id: int = 0
    name: str = ""
    description: str = ""
    strategy: str = "consensus"
    voting: str = "majority"
    judge_model: str = DEFAULT_MODEL
    agents: list[AgentDraft] = []
    name_error: str = ""
    judge_model_error: str = ""
    form_errors: list[str] = []
    # Whether the caller may save the form (a shared viewer only looks at it).
    can_change: bool = True

    @rx.var
    def can_add_agent(self) -> bool:
        """Whether another agent fits."""
        return len(self.agents) < MAX_AGENTS

    def _fill(self, orchestration: OrchestrationPublic | None) -> None:
        self._clear_errors()
        if orchestration is None:
            self.orchestration_id = 0
            self.name, self.description = "", ""
            self.strategy, self.voting, self.judge_model = "consensus", "majority", DEFAULT_MODEL
            self.agents = [new_agent(1), new_agent(2)]
            self.can_change = True
            return
        self.orchestration_id = orchestration.id
        self.can_change = Action.CHANGE in orchestration.access
        self.name, self.description = orchestration.name, orchestration.description
        self.strategy, self.voting = orchestration.strategy, orchestration.voting
        self.judge_model = orchestration.judge_model
        self.agents = [
            AgentDraft(
                key=f"a{next(_keys)}",
                name=agent.name,
                model=agent.model,
                system_prompt=agent.system_prompt,
                prompt=agent.prompt,
                temperature=format_number(agent.temperature),
                weight=format_number(agent.weight),
            )
            for agent in orchestration.agents
        ]

    def _clear_errors(self) -> None:
        self.name_error = self.judge_model_error = ""
        self.form_errors = []
        self.agents = [
            replace(agent, **{f"{name}_error": "" for name in AGENT_FIELDS})
            for agent in self.agents
        ]

    @rx.event
    async def load(self) -> EventSpec | None:
        """Fill the form for `/orchestrations/new` (defaults) or `/orchestrations/<id>`."""
        last = self.router.url.path.rstrip("/").rsplit("/", 1)[-1]
        if not last.isdigit():
            self._fill(None)
            return None
        try:
            found = await run_db(read_orchestration, await acting_principal(self), int(last))
        except ServiceError:
            self.orchestration_id = int(last)
            self.can_change = False
            return None
        self._fill(found)
        return None

    @rx.event
    def set_field(self, field: str, value: str | list[str]) -> None:
        """Change name, description, strategy, voting or judge model."""
        chosen = value[0] if isinstance(value, list) and value else value
        if field in {"name", "description", "strategy", "voting", "judge_model"}:
            setattr(self, field, str(chosen))
        if field == "name":
            self.name_error = ""
        elif field == "judge_model":
            self.judge_model_error = ""
        elif field in {"strategy", "voting"}:
            self.form_errors = []

    @rx.event
    def set_agent_field(self, index: int, field: str, value: str) -> None:
        """Change one field of one agent row."""
        if field in AGENT_FIELDS and 0 <= index < len(self.agents):
            agents = list(self.agents)
            agents[index] = replace(agents[index], **{field: value, f"{field}_error": ""})
            self.agents = agents

    @rx.event
    def add_agent(self) -> None:
        """Append an agent row."""
        if self.can_add_agent:
            self.agents = [*self.agents, new_agent(len(self.agents) + 1)]
            self.form_errors = []

    @rx.event
    def remove_agent(self, index: int) -> None:
        """Remove an agent row."""
        if 0 <= index < len(self.agents):
            self.agents = [a for i, a in enumerate(self.agents) if i != index]
            self.form_errors = []

    @rx.event
    def move_agent(self, index: int, delta: int) -> None:
        """Move an agent up (-1) or down (+1): the order matters in sequential mode."""
        target = index + delta
        if 0 <= index < len(self.agents) and 0 <= target < len(self.agents):
            agents = list(self.agents)
            agents[index], agents[target] = agents[target], agents[index]
            self.agents = agents

    def _document(self) -> tuple[dict[str, Any], bool]:
        """The form as the schema's input, and whether a number field was not a number."""
        agents, bad_numbers = [], False
        drafts = []
        for draft in self.agents:
            temperature, temperature_error = _number(draft.temperature, "Temperature")
            weight, weight_error = _number(draft.weight, "Weight")
            bad_numbers = bad_numbers or bool(temperature_error or weight_error)
            drafts.append(
                replace(draft, temperature_error=temperature_error, weight_error=weight_error)
            )
            agents.append(
                {
                    "name": draft.name.strip(),
                    "model": draft.model.strip(),
                    "system_prompt": draft.system_prompt,
                    "prompt": draft.prompt,
                    "temperature": temperature,
                    "weight": weight,
                }
            )
        self.agents = drafts
        document = {
            "name": self.name,
            "description": self.description,
            "strategy": self.strategy,
            "voting": self.voting,
            "judge_model": self.judge_model.strip(),
            "agents": agents,
        }
        return document, bad_numbers

    def _show(self, exc: ValidationError) -> None:
        agents = list(self.agents)
        general: list[str] = []
        for error in exc.errors():
            loc = [str(part) for part in error.get("loc", ())]
            text = str(error.get("msg", "invalid value")).removeprefix("Value error, ")
            if loc[:1] == ["name"]:
                self.name_error = text
            elif loc[:1] == ["judge_model"]:
                self.judge_model_error = text
            elif len(loc) >= 3 and loc[0] == "agents" and loc[1].isdigit():
                index, field = int(loc[1]), loc[2]
                if index < len(agents) and field in AGENT_FIELDS:
                    agents[index] = replace(agents[index], **{f"{field}_error": text})
                    continue
                general.append(text)
            elif loc[:1] == ["agents"]:
                general.append(f"Agents: {text}")
            else:
                general.append(text)
        self.agents = agents
        self.form_errors = general

    @rx.event
    async def save(self) -> EventSpec | list[EventSpec] | None:
        """Validate and create or update; field problems show inline, others as a toast."""
        self._clear_errors()
        document, bad_numbers = self._document()
        try:
            data = OrchestrationCreate.model_validate(document)
        except ValidationError as exc:
            self._show(exc)
            self.form_errors = [*self.form_errors, *_whole_form_problems(document)]
            return rx.toast.error("Fix the highlighted fields and save again.")
        if bad_numbers:
            return rx.toast.error("Fix the highlighted fields and save again.")
        try:
            saved = await run_db(
                save_orchestration, await acting_principal(self), self.orchestration_id, data
            )
        except ServiceError as exc:
            self.form_errors = [error_message(exc)]
            return rx.toast.error(error_message(exc))
        if self.orchestration_id:
            self._fill(saved)
            return [
                rx.toast.success(f"Saved “{saved.name}”"),
                OrchestrationDetailState.refresh_header,
            ]
        return [
            rx.toast.success(f"Created “{saved.name}”"),
            rx.redirect(f"/orchestrations/{saved.id}"),
        ]
