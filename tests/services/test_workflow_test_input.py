"""The editor's test input belongs to its workflow: stored per workflow, cleared, limited."""

from __future__ import annotations

import pytest

from app.models.workflow import WorkflowUpdate
from app.services import workflows
from app.services.errors import InvalidInputError
from app.services.principal import SYSTEM
from app.services.unit_of_work import session_scope
from tests.records import make_workflow

pytestmark = pytest.mark.usefixtures("db_url")


def test_each_workflow_keeps_its_own_test_input() -> None:
    first, second = make_workflow(name="First"), make_workflow(name="Second")
    with session_scope() as session:
        workflows.save_test_input(
            session, principal=SYSTEM, workflow_id=first, test_input={"who": "first"}
        )
        workflows.save_test_input(session, principal=SYSTEM, workflow_id=second, test_input=[1, 2])
    with session_scope(read_only=True) as session:
        assert workflows.get_workflow(session, principal=SYSTEM, workflow_id=first).test_input == {
            "who": "first"
        }
        assert workflows.get_workflow(session, principal=SYSTEM, workflow_id=second).test_input == [
            1,
            2,
        ]
    with session_scope() as session:
        workflows.save_test_input(session, principal=SYSTEM, workflow_id=first, test_input=None)
        # An update that does not name the input keeps it.
        workflows.update_workflow(
            session, principal=SYSTEM, workflow_id=second, data=WorkflowUpdate(name="S2")
        )
    with session_scope(read_only=True) as session:
        assert (
            workflows.get_workflow(session, principal=SYSTEM, workflow_id=first).test_input is None
        )
        assert workflows.get_workflow(session, principal=SYSTEM, workflow_id=second).test_input == [
            1,
            2,
        ]


def test_a_test_input_too_large_is_refused() -> None:
    workflow_id = make_workflow(name="Big")
    with session_scope() as session, pytest.raises(InvalidInputError, match="at most"):
        workflows.save_test_input(
            session,
            principal=SYSTEM,
            workflow_id=workflow_id,
            test_input="x" * workflows.TEST_INPUT_MAX_CHARS,
        )
