"""Budgets on screen: the costs page's budgets section (list, set/edit dialog, delete with
confirm) and the 80 % / 100 % banners (the costs page and the workflow canvas)."""

from __future__ import annotations

import reflex as rx

from app.ui.components.confirm_dialog import confirm_dialog
from app.ui.components.section_card import field_error, section_card
from app.ui.state.budget_views import BudgetBanner, BudgetRow
from app.ui.state.budgets_state import BudgetsState as B
from app.ui.state.budgets_state import TargetChoice

LEVEL_COLORS = {"ok": "grass", "warning": "amber", "exceeded": "red"}


def _banner(banner: rx.Var[BudgetBanner]) -> rx.Component:
    exceeded = banner.level == "exceeded"
    return rx.callout.root(
        rx.callout.icon(rx.cond(exceeded, rx.icon("octagon_alert"), rx.icon("triangle_alert"))),
        rx.box(
            rx.text(banner.title, weight="bold", size="2", as_="p"),
            rx.text(banner.message, size="2", as_="p"),
        ),
        color_scheme=rx.cond(exceeded, "red", "amber"),
        variant="surface",
        role=rx.cond(exceeded, "alert", "status"),
        width="100%",
        data_testid="budget-banner",
        data_level=banner.level,
    )


def _banners() -> rx.Component:
    return rx.cond(
        B.banners.length() > 0,
        rx.vstack(rx.foreach(B.banners, _banner), spacing="2", width="100%"),
    )


def budget_banner() -> rx.Component:
    """The banners of every budget the user may see at 80 % or more (the costs page)."""
    return rx.box(_banners(), width="100%", on_mount=B.load_all)


def _left(row: rx.Var[BudgetRow]) -> rx.Component:
    return rx.text(
        row.name,
        ": ",
        rx.text.strong(row.remaining_usd),
        " left of ",
        row.limit_usd,
        rx.cond(row.enforce, " (enforced)", ""),
        size="1",
        white_space="nowrap",
    )


def _estimate_strip() -> rx.Component:
    """The pre-run estimate of a full run and what is left of each budget this month."""
    return rx.cond(
        (B.rows.length() > 0) | (B.estimate != ""),
        rx.hstack(
            rx.icon("wallet", size=14, color=rx.color("gray", 11), flex_shrink="0"),
            rx.cond(B.estimate != "", rx.text(B.estimate, size="1")),
            rx.cond(
                B.rows.length() > 0,
                rx.hstack(
                    rx.text("Budget this month", size="1", color=rx.color("gray", 11)),
                    rx.foreach(B.rows, _left),
                    spacing="3",
                    align="center",
                    wrap="wrap",
                ),
            ),
            rx.cond(
                B.over_budget,
                rx.badge("Over an enforced budget", color_scheme="red", variant="soft"),
            ),
            spacing="3",
            align="center",
            wrap="wrap",
            width="100%",
            padding="6px 12px",
            border_bottom=f"1px solid {rx.color('gray', 5)}",
            background=rx.color("gray", 1),
            data_testid="budget-estimate",
        ),
    )


def canvas_budget_banner() -> rx.Component:
    """On the canvas: the banners of the budgets covering its workflow (its own, the
    overall one) and the pre-run estimate with what is left of each."""
    return rx.box(
        rx.cond(
            B.banners.length() > 0,
            rx.box(_banners(), padding="8px 12px 0", background=rx.color("gray", 1)),
        ),
        _estimate_strip(),
        width="100%",
        on_mount=B.load_for_workflow,
    )


def _level_badge(row: rx.Var[BudgetRow]) -> rx.Component:
    return rx.match(
        row.level,
        ("exceeded", rx.badge("Used up", color_scheme="red", variant="soft", radius="full")),
        ("warning", rx.badge("Over 80 %", color_scheme="amber", variant="soft", radius="full")),
        rx.badge("Within budget", color_scheme="grass", variant="soft", radius="full"),
    )


def _row(row: rx.Var[BudgetRow]) -> rx.Component:
    return rx.box(
        rx.hstack(
            rx.vstack(
                rx.hstack(
                    rx.text(row.name, weight="bold", size="3", trim="both"),
                    _level_badge(row),
                    rx.cond(
                        row.enforce,
                        rx.badge(
                            rx.icon("shield", size=12),
                            "Enforced",
                            color_scheme="gray",
                            variant="outline",
                            radius="full",
                            gap="4px",
                        ),
                        rx.badge(
                            "Alert only", color_scheme="gray", variant="outline", radius="full"
                        ),
                    ),
                    spacing="2",
                    align="center",
                    wrap="wrap",
                ),
                rx.text(
                    row.spent_usd,
                    " spent of ",
                    row.limit_usd,
                    " this month · ",
                    row.remaining_usd,
                    " left",
                    size="2",
                    color=rx.color("gray", 11),
                ),
                spacing="1",
                min_width="0",
            ),
            rx.spacer(),
            rx.cond(
                row.may_change,
                rx.hstack(
                    rx.button(
                        rx.icon("pencil", size=14),
                        "Edit",
                        variant="soft",
                        size="2",
                        on_click=B.open_edit(row.id),
                        aria_label="Edit the budget of " + row.name,
                    ),
                    rx.icon_button(
                        rx.icon("trash_2", size=14),
                        variant="soft",
                        color_scheme="red",
                        size="2",
                        on_click=B.ask_delete(row.id, row.name),
                        aria_label="Delete the budget of " + row.name,
                    ),
                    spacing="2",
                ),
            ),
            align="center",
            spacing="3",
            width="100%",
            wrap="wrap",
        ),
        rx.hstack(
            rx.progress(
                value=row.percent,
                max=100,
                color_scheme=rx.match(
                    row.level, ("exceeded", "red"), ("warning", "amber"), "grass"
                ),
                size="2",
                aria_label="Share of the budget spent",
            ),
            rx.text(row.percent_label, size="1", class_name="fb-mono", min_width="48px"),
            align="center",
            spacing="3",
            width="100%",
            margin_top="8px",
        ),
        padding="12px 0",
        border_top=f"1px solid {rx.color('gray', 5)}",
        width="100%",
        data_testid="budget-row",
    )


def _target_item(choice: rx.Var[TargetChoice]) -> rx.Component:
    return rx.select.item(choice.label, value=choice.value)


def _dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(rx.cond(B.editing, "Edit budget", "Set a budget")),
            rx.dialog.description(
                "A monthly limit in US dollars (UTC calendar month). You are alerted at 80 % "
                "and 100 %; an enforced budget also refuses runs once it is reached.",
                size="2",
                color=rx.color("gray", 11),
            ),
            rx.form(
                rx.vstack(
                    rx.el.label(
                        rx.text("Covers", size="2", weight="medium"),
                        rx.select.root(
                            rx.select.trigger(
                                placeholder="Choose a workflow", width="100%", id="budget-target"
                            ),
                            rx.select.content(rx.foreach(B.targets, _target_item)),
                            value=B.form_target,
                            on_change=B.set_form_target,
                            disabled=B.editing,
                        ),
                        field_error(B.target_error),
                        width="100%",
                    ),
                    rx.el.label(
                        rx.text("Monthly limit (USD)", size="2", weight="medium"),
                        rx.input(
                            rx.input.slot("$"),
                            value=B.form_limit,
                            on_change=B.set_form_limit,
                            placeholder="25.00",
                            input_mode="decimal",
                            name="monthly_limit_usd",
                            aria_invalid=rx.cond(B.limit_error != "", "true", "false"),
                            color_scheme=rx.cond(B.limit_error != "", "red", "gray"),
                            variant=rx.cond(B.limit_error != "", "soft", "surface"),
                            width="100%",
                        ),
                        field_error(B.limit_error),
                        width="100%",
                    ),
                    rx.el.label(
                        rx.hstack(
                            rx.switch(
                                checked=B.form_enforce,
                                on_change=B.set_form_enforce,
                                name="enforce",
                            ),
                            rx.text(
                                "Enforce: refuse runs once the limit is reached",
                                size="2",
                            ),
                            spacing="2",
                            align="center",
                        ),
                    ),
                    field_error(B.form_error),
                    rx.hstack(
                        rx.dialog.close(rx.button("Cancel", variant="soft", color_scheme="gray")),
                        rx.button("Save budget", type="submit", loading=B.saving),
                        spacing="3",
                        justify="end",
                        width="100%",
                    ),
                    spacing="4",
                    width="100%",
                    margin_top="16px",
                ),
                on_submit=B.save,
                reset_on_submit=False,
            ),
            max_width="460px",
        ),
        open=B.dialog_open,
        on_open_change=B.set_dialog_open,
    )


def budgets_section() -> rx.Component:
    """The costs page's budgets: each with this month's spend, set, edit and delete."""
    return rx.box(
        section_card(
            "Budgets",
            "Monthly limits for all workflows or one workflow, with alerts at 80 % and 100 %.",
            rx.cond(
                B.rows.length() > 0,
                rx.vstack(rx.foreach(B.rows, _row), spacing="0", width="100%"),
                rx.text(
                    rx.cond(
                        B.loaded,
                        "No budgets yet. Set one to be alerted before spend runs away.",
                        "Loading budgets…",
                    ),
                    size="2",
                    color=rx.color("gray", 11),
                ),
            ),
            action=rx.cond(
                B.may_add,
                rx.button(rx.icon("plus", size=14), "Set budget", on_click=B.open_new),
            ),
        ),
        _dialog(),
        confirm_dialog(
            open=B.delete_open,
            on_open_change=B.cancel_delete,
            title="Delete budget?",
            description="The budget of " + B.delete_name + " is removed; runs are no longer "
            "checked against it.",
            confirm_label="Delete budget",
            on_confirm=B.confirm_delete,
        ),
        width="100%",
        data_testid="budgets-section",
        on_mount=B.load_all,
    )
