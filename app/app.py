"""Composition root: the Reflex app, its pages, the REST API and start-up/shut-down."""

from __future__ import annotations

import reflex as rx

from app.api.main import create_api
from app.services.lifespan import serving_lifespan
from app.ui.auth_gate import AuthGate
from app.ui.pages.account import account_page
from app.ui.pages.audit import audit_page
from app.ui.pages.costs import costs_page
from app.ui.pages.execution_detail import execution_detail_page
from app.ui.pages.executions import executions_page
from app.ui.pages.login import join_page, login_page, setup_page
from app.ui.pages.monitoring import monitoring_page
from app.ui.pages.orchestration_detail import orchestration_detail_page
from app.ui.pages.orchestrations import orchestrations_page
from app.ui.pages.prices import prices_page
from app.ui.pages.schedules import schedules_page
from app.ui.pages.settings import settings_page
from app.ui.pages.users import users_page
from app.ui.pages.webhooks import webhooks_page
from app.ui.pages.workflow_editor import workflow_editor_page
from app.ui.pages.workflows import workflows_page
from app.ui.state.account_state import AccountState
from app.ui.state.audit_state import AuditState
from app.ui.state.auth_state import AuthState
from app.ui.state.costs_state import CostsState
from app.ui.state.editor_document_state import DocumentState
from app.ui.state.execution_detail_state import ExecutionDetailState
from app.ui.state.executions_state import ExecutionsState
from app.ui.state.join_state import JoinState
from app.ui.state.monitoring_state import MonitoringState
from app.ui.state.orchestration_detail_state import OrchestrationDetailState
from app.ui.state.orchestration_editor_state import OrchestrationEditorState
from app.ui.state.orchestrations_state import OrchestrationsState
from app.ui.state.prices_state import PricesState
from app.ui.state.schedules_state import SchedulesState
from app.ui.state.settings_state import SettingsState
from app.ui.state.users_state import UsersState
from app.ui.state.webhooks_state import WebhooksState
from app.ui.state.workflows_state import WorkflowsState

STYLESHEET = "/flowbook.css"


app = rx.App(
    api_transformer=create_api(),
    stylesheets=[STYLESHEET],
    style={"font_family": "Inter, ui-sans-serif, system-ui, -apple-system, sans-serif"},
    html_lang="en",
    head_components=[rx.el.link(rel="icon", href="/favicon.svg", type="image/svg+xml")],
)
app.register_lifespan_task(serving_lifespan)
app.add_middleware(AuthGate())

app.add_page(login_page, route="/login", title="Log in · Flowbook", on_load=AuthState.open_login)
app.add_page(setup_page, route="/setup", title="Set up · Flowbook", on_load=AuthState.open_setup)
app.add_page(join_page, route="/join", title="Join · Flowbook", on_load=JoinState.open_join)

app.add_page(
    workflows_page,
    route="/",
    title="Workflows · Flowbook",
    on_load=[AuthState.load_user, WorkflowsState.load],
)
app.add_page(
    workflows_page,
    route="/workflows",
    title="Workflows · Flowbook",
    on_load=[AuthState.load_user, WorkflowsState.load],
)
app.add_page(
    workflow_editor_page,
    route="/workflows/[workflow_id]",
    title="Workflow · Flowbook",
    on_load=[AuthState.load_user, DocumentState.load],
)
app.add_page(
    executions_page,
    route="/executions",
    title="Executions · Flowbook",
    on_load=[AuthState.load_user, ExecutionsState.load],
)
app.add_page(
    execution_detail_page,
    route="/executions/[execution_id]",
    title="Execution · Flowbook",
    on_load=[AuthState.load_user, ExecutionDetailState.load],
)
app.add_page(
    orchestrations_page,
    route="/orchestrations",
    title="Orchestrations · Flowbook",
    on_load=[AuthState.load_user, OrchestrationsState.load],
)
app.add_page(
    orchestration_detail_page,
    route="/orchestrations/[orchestration_id]",
    title="Orchestration · Flowbook",
    on_load=[AuthState.load_user, OrchestrationDetailState.load, OrchestrationEditorState.load],
)
app.add_page(
    schedules_page,
    route="/schedules",
    title="Schedules · Flowbook",
    on_load=[AuthState.load_user, SchedulesState.load],
)
app.add_page(
    monitoring_page,
    route="/monitoring",
    title="Monitoring · Flowbook",
    on_load=[AuthState.load_user, MonitoringState.load],
)
app.add_page(
    settings_page,
    route="/settings",
    title="Settings · Flowbook",
    on_load=[AuthState.load_user, SettingsState.load],
)
app.add_page(
    account_page,
    route="/account",
    title="Account · Flowbook",
    on_load=[AuthState.load_user, AccountState.load],
)
app.add_page(
    users_page,
    route="/users",
    title="Users · Flowbook",
    on_load=[AuthState.load_user, UsersState.load],
)
app.add_page(
    audit_page,
    route="/audit",
    title="Audit log · Flowbook",
    on_load=[AuthState.load_user, AuditState.load],
)
app.add_page(
    webhooks_page,
    route="/webhooks",
    title="Webhooks · Flowbook",
    on_load=[AuthState.load_user, WebhooksState.load],
)
app.add_page(
    costs_page,
    route="/costs",
    title="Costs · Flowbook",
    on_load=[AuthState.load_user, CostsState.load],
)
app.add_page(
    prices_page,
    route="/prices",
    title="Prices · Flowbook",
    on_load=[AuthState.load_user, PricesState.load],
)
