"""Costs and monitoring: the LLM call ledger, provider prices, daily rollups of calls and
executions, monthly budgets, and captured errors grouped by fingerprint.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-26 19:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0011"
down_revision: str | Sequence[str] | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _when(name: str, nullable: bool = True) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _ref(name: str, table: str, ondelete: str, nullable: bool = True) -> sa.Column:
    return sa.Column(
        name, sa.Integer(), sa.ForeignKey(f"{table}.id", ondelete=ondelete), nullable=nullable
    )


def _count(name: str) -> sa.Column:
    return sa.Column(name, sa.BigInteger(), nullable=False)


def upgrade() -> None:
    """Create the cost and monitoring tables."""
    op.create_index("ix_executions_finished_at", "executions", ["finished_at"])
    op.create_table(
        "llm_calls",
        sa.Column("id", sa.Integer(), primary_key=True),
        _when("created_at", nullable=False),
        _ref("execution_id", "executions", "SET NULL"),
        _ref("node_run_id", "node_runs", "SET NULL"),
        sa.Column("node_id", sa.String(64), nullable=True),
        sa.Column("agent_role", sa.String(64), nullable=True),
        _ref("workflow_id", "workflows", "SET NULL"),
        _ref("workflow_version_id", "workflow_versions", "SET NULL"),
        sa.Column("version_number", sa.Integer(), nullable=True),
        _ref("owner_id", "users", "SET NULL"),
        sa.Column("provider", sa.String(32), nullable=False),
        sa.Column("model", sa.String(200), nullable=False),
        sa.Column("deployment", sa.String(200), nullable=False),
        sa.Column("input_tokens", sa.Integer(), nullable=False),
        sa.Column("output_tokens", sa.Integer(), nullable=False),
        sa.Column("cached_tokens", sa.Integer(), nullable=False),
        _count("cost_micros"),
        sa.Column("priced", sa.Boolean(), nullable=False),
        sa.Column("latency_ms", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(32), nullable=False),
        sa.Column("is_fallback", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("fallback_reason", sa.String(64), nullable=True),
        sa.Column("is_mock", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.create_index("ix_llm_calls_created_at", "llm_calls", ["created_at"])
    op.create_index(
        "ix_llm_calls_workflow_id_created_at", "llm_calls", ["workflow_id", "created_at"]
    )
    op.create_index("ix_llm_calls_owner_id_created_at", "llm_calls", ["owner_id", "created_at"])
    op.create_index("ix_llm_calls_execution_id", "llm_calls", ["execution_id"])
    op.create_index("ix_llm_calls_node_run_id", "llm_calls", ["node_run_id"])

    op.create_table(
        "provider_pricing",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("provider", sa.String(32), nullable=False),
        sa.Column("model", sa.String(200), nullable=False),
        _count("input_micros_per_mtok"),
        _count("output_micros_per_mtok"),
        sa.Column("cached_micros_per_mtok", sa.BigInteger(), nullable=True),
        sa.Column("currency", sa.String(3), nullable=False),
        _when("effective_from", nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        _ref("created_by", "users", "SET NULL"),
        _when("created_at", nullable=False),
        sa.UniqueConstraint(
            "provider", "model", "source", "effective_from", name="uq_provider_pricing_row"
        ),
    )
    op.create_index("ix_provider_pricing_model", "provider_pricing", ["model", "effective_from"])

    op.create_table(
        "llm_cost_daily",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("dims", sa.String(64), nullable=False),
        sa.Column("workflow_id", sa.Integer(), nullable=True),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("workflow_version_id", sa.Integer(), nullable=True),
        sa.Column("version_number", sa.Integer(), nullable=True),
        sa.Column("provider", sa.String(32), nullable=False),
        sa.Column("model", sa.String(200), nullable=False),
        sa.Column("agent_role", sa.String(64), nullable=True),
        sa.Column("is_mock", sa.Boolean(), nullable=False),
        _count("calls"),
        _count("input_tokens"),
        _count("output_tokens"),
        _count("cached_tokens"),
        _count("cost_micros"),
        sa.UniqueConstraint("day", "dims", name="uq_llm_cost_daily_dims"),
    )
    op.create_index("ix_llm_cost_daily_workflow_id_day", "llm_cost_daily", ["workflow_id", "day"])
    op.create_index("ix_llm_cost_daily_owner_id_day", "llm_cost_daily", ["owner_id", "day"])

    op.create_table(
        "execution_daily",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("workflow_id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        _count("runs"),
        _count("succeeded"),
        _count("failed"),
        _count("duration_ms_sum"),
        _count("succeeded_cost_micros"),
        sa.UniqueConstraint("day", "workflow_id", name="uq_execution_daily_workflow"),
    )
    op.create_index("ix_execution_daily_workflow_id_day", "execution_daily", ["workflow_id", "day"])

    op.create_table(
        "budgets",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("scope", sa.String(40), nullable=False),
        _ref("workflow_id", "workflows", "CASCADE"),
        _count("monthly_limit_micros"),
        sa.Column("enforce", sa.Boolean(), nullable=False),
        _ref("created_by", "users", "SET NULL"),
        _when("created_at", nullable=False),
        _when("updated_at", nullable=False),
        sa.UniqueConstraint("scope", name="uq_budgets_scope"),
    )

    op.create_table(
        "error_groups",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("source", sa.String(32), nullable=False),
        sa.Column("error_type", sa.String(200), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        _when("first_seen", nullable=False),
        _when("last_seen", nullable=False),
        sa.UniqueConstraint("fingerprint", name="uq_error_groups_fingerprint"),
    )
    op.create_index("ix_error_groups_last_seen", "error_groups", ["last_seen"])
    op.create_table(
        "error_events",
        sa.Column("id", sa.Integer(), primary_key=True),
        _ref("group_id", "error_groups", "CASCADE", nullable=False),
        _when("occurred_at", nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("stack", sa.Text(), nullable=True),
        sa.Column("execution_id", sa.Integer(), nullable=True),
        sa.Column("workflow_id", sa.Integer(), nullable=True),
        sa.Column("node_id", sa.String(64), nullable=True),
        sa.Column("context", sa.JSON(), nullable=True),
    )
    op.create_index("ix_error_events_group_id_id", "error_events", ["group_id", "id"])
    op.create_index("ix_error_events_occurred_at", "error_events", ["occurred_at"])


def downgrade() -> None:
    """Drop the cost and monitoring tables."""
    for table in (
        "error_events",
        "error_groups",
        "budgets",
        "execution_daily",
        "llm_cost_daily",
        "provider_pricing",
        "llm_calls",
    ):
        op.drop_table(table)
    op.drop_index("ix_executions_finished_at", table_name="executions")
