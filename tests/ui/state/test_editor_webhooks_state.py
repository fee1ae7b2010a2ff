"""The editor's webhook panel on a real database: create from the form (the secret shown
once), edit (a new mode brings a new secret), bad input inline, regenerate with a grace
period, enable/disable, delete, a test event in the log, the mapping test, and what a
viewer may not do; and the /webhooks page's filter."""

from __future__ import annotations

from typing import Any

import pytest
import reflex as rx

from app.models.account import Role
from app.models.sharing import ShareCreate, SharePermission
from app.models.workflow import WorkflowCreate
from app.services import sharing, workflows
from app.services.principal import SYSTEM
from app.services.unit_of_work import session_scope
from app.ui.state.editor_document_state import DocumentState
from app.ui.state.editor_schedules_state import SchedulesPanelState
from app.ui.state.editor_versions_state import VersionsState
from app.ui.state.editor_webhook_log_state import WebhookLogState
from app.ui.state.editor_webhooks_state import WebhooksPanelState
from app.ui.state.webhooks_state import WebhooksState
from tests.documents import chain, node
from tests.records import make_workflow
from tests.services.conftest import stop_runs  # noqa: F401  (autouse fixture)
from tests.ui.state.test_sharing_state import _user

pytestmark = pytest.mark.usefixtures("db_url", "act_as")


def two_nodes() -> dict[str, Any]:
    return chain(node("start", "manual_trigger"), node("a", "transform", template="A"))


async def panel(workflow_id: int) -> tuple[rx.State, WebhooksPanelState]:
    root = rx.State(_reflex_internal_init=True)
    await (await root.get_state(DocumentState)).open_workflow(workflow_id)
    hooks = await root.get_state(WebhooksPanelState)
    await hooks.toggle_webhooks()
    return root, hooks


async def create(hooks: WebhooksPanelState, name: str, **fields: str) -> None:
    await hooks.start_create()
    hooks.set_form_field("name", name)
    for field, value in fields.items():
        hooks.set_form_field(field, value)
    await hooks.save_form()


async def test_create_shows_the_secret_once_and_lists_the_webhook() -> None:
    _, hooks = await panel(make_workflow(two_nodes(), "Orders"))
    assert hooks.webhooks_open and hooks.hooks == []
    await create(hooks, "Shop", mapping="{id: body.id}", ip_allowlist="10.0.0.1/8\n\n")
    assert hooks.secret.startswith("whsec_") and hooks.secret_open
    assert not hooks.form_open and hooks.form_error == ""
    [row] = hooks.hooks
    assert (row.name, row.mode, row.mapping, row.enabled) == (
        "Shop",
        "standard",
        "{id: body.id}",
        True,
    )
    assert row.url.endswith(f"/api/hooks/{row.url.rsplit('/', 1)[1]}") and "://" in row.url
    assert "<secret>" in row.python and hooks.secret not in row.python + row.curl
    hooks.close_secret(False)
    assert hooks.secret == "" and not hooks.secret_open


async def test_opening_the_panel_closes_the_history_and_schedules_panels() -> None:
    root = rx.State(_reflex_internal_init=True)
    await (await root.get_state(DocumentState)).open_workflow(make_workflow(two_nodes()))
    versions = await root.get_state(VersionsState)
    schedules = await root.get_state(SchedulesPanelState)
    await versions.toggle_history()
    await schedules.toggle_schedules()
    assert schedules.schedules_open and not versions.history_open
    hooks = await root.get_state(WebhooksPanelState)
    await hooks.toggle_webhooks()
    assert hooks.webhooks_open and not versions.history_open and not schedules.schedules_open
    await hooks.toggle_webhooks()
    assert not hooks.webhooks_open


async def test_another_workflow_opened_with_the_panel_open_shows_its_own_webhooks() -> None:
    root, hooks = await panel(make_workflow(two_nodes(), "One"))
    await create(hooks, "Of one")
    other = make_workflow(two_nodes(), "Two")
    await (await root.get_state(DocumentState)).open_workflow(other)
    await hooks.ensure_webhooks()
    assert hooks.webhooks_open and hooks.hooks == []


async def test_bad_input_stays_in_the_form_with_a_message() -> None:
    _, hooks = await panel(make_workflow(two_nodes()))
    await create(hooks, "Bad", ip_allowlist="not-a-network")
    assert (
        hooks.form_open
        and "IP allowlist" in hooks.form_error
        and "not-a-network" in hooks.form_error
    )
    hooks.set_form_field("ip_allowlist", "")
    hooks.set_form_field("mapping", "body.[")
    await hooks.save_form()
    assert hooks.form_open and "JMESPath" in hooks.form_error
    hooks.set_form_field("mapping", "")
    hooks.set_form_field("rate_limit_per_hour", "lots")
    await hooks.save_form()
    assert hooks.form_error == "Rate limit must be a number"
    assert hooks.hooks == []


async def test_edit_regenerate_disable_and_delete() -> None:
    _, hooks = await panel(make_workflow(two_nodes()))
    await create(hooks, "Hook")
    first = hooks.secret
    hooks.close_secret(False)
    webhook_id = hooks.hooks[0].id

    await hooks.start_edit(webhook_id)
    assert hooks.form_open and hooks.editing_id == webhook_id and hooks.form.name == "Hook"
    hooks.set_form_field("name", "Renamed")
    await hooks.save_form()
    assert hooks.hooks[0].name == "Renamed" and hooks.secret == ""  # same mode: no new secret

    await hooks.start_edit(webhook_id)
    hooks.set_form_field("signature_mode", "github")
    await hooks.save_form()
    assert hooks.secret and hooks.secret != first and hooks.hooks[0].mode == "github"
    hooks.close_secret(False)

    hooks.ask_regenerate(webhook_id)
    hooks.set_regen_grace("3600")
    assert hooks.regen_open
    await hooks.confirm_regenerate()
    assert hooks.secret and not hooks.regen_open

    await hooks.set_enabled(webhook_id, False)
    assert hooks.hooks[0].enabled is False
    hooks.ask_delete(webhook_id, "Renamed")
    await hooks.confirm_delete()
    assert hooks.hooks == []


async def test_a_test_event_lands_in_the_log_and_the_mapping_test_previews(act_as: Any) -> None:
    owner = _user("olga@example.com")  # a webhook's runs run as the workflow's owner
    act_as(owner)
    with session_scope() as session:
        workflow_id = workflows.create_workflow(
            session, principal=owner, data=WorkflowCreate(name="Owned", definition=two_nodes())
        ).id
    root, hooks = await panel(workflow_id)
    await create(hooks, "Hook", mapping="body.data")
    webhook_id = hooks.hooks[0].id
    await hooks.send_test(webhook_id)
    assert hooks.test_for == webhook_id and hooks.test_ok, hooks.test_result
    assert "started run #" in hooks.test_result

    log = await root.get_state(WebhookLogState)
    await log.show(webhook_id, "Hook", "body.data")
    [call] = log.calls
    assert call.test and call.status_code == 202 and call.execution_id > 0
    assert "A test event sent by Flowbook" in call.mapped_input

    log.set_sample("sample_mapping", '{total: body.order.total, src: headers."x-source"}')
    log.preview()
    assert log.preview_error == "" and '"total": 19.5' in log.preview_output
    assert '"src": "example"' in log.preview_output
    log.set_sample("sample_body", "{not json")
    log.preview()
    assert log.preview_output == "" and "not valid JSON" in log.preview_error
    await log.use_last_call()  # test events do not count as real calls
    assert "No request has reached this webhook yet" in log.preview_error


async def test_a_viewer_sees_webhooks_but_changes_nothing(act_as: Any) -> None:
    workflow_id = make_workflow(two_nodes(), "Shared")
    _, owner = await panel(workflow_id)
    await create(owner, "Owned")
    viewer = _user("vic@example.com", Role.VIEWER)
    with session_scope() as session:
        sharing.share_workflow(
            session,
            principal=SYSTEM,
            workflow_id=workflow_id,
            data=ShareCreate(email="vic@example.com", permission=SharePermission.VIEWER),
        )
    act_as(viewer)
    _, hooks = await panel(workflow_id)
    [row] = hooks.hooks
    assert row.name == "Owned" and not row.can_change and not hooks.can_change
    await hooks.set_enabled(row.id, False)
    await create(hooks, "Mine")
    assert hooks.form_error != ""
    hooks.ask_delete(row.id, row.name)
    await hooks.confirm_delete()
    assert [(r.name, r.enabled) for r in hooks.hooks] == [("Owned", True)]


async def test_the_webhooks_page_filters_by_workflow() -> None:
    first, second = make_workflow(two_nodes(), "First"), make_workflow(two_nodes(), "Second")
    for workflow_id in (first, second):
        _, hooks = await panel(workflow_id)
        await create(hooks, f"Hook of {workflow_id}", signature_mode="none")
    page = await rx.State(_reflex_internal_init=True).get_state(WebhooksState)
    await page.load()
    assert len(page.rows) == 2 and all(row.unsigned for row in page.rows)
    assert [choice.label for choice in page.workflows] == ["First", "Second"]
    page.workflow_filter = str(second)
    page._apply()
    assert [row.name for row in page.rows] == [f"Hook of {second}"]
    assert page.set_workflow_filter("all") is not None
