"""The left navigation: logo, one link per area, theme toggle and API docs link."""

from __future__ import annotations

from dataclasses import dataclass

import reflex as rx
from reflex import constants
from reflex.config import environment, get_config

from app.ui.components.auth_form import LogoutButton
from app.ui.state.auth_state import AuthState

API_DOCS_PATH = "/api/docs"


def api_docs_url() -> str:
    """Swagger UI of the API (on the backend port in dev mode, the same origin in prod)."""
    if environment.REFLEX_ENV_MODE.get() == constants.Env.PROD:
        return API_DOCS_PATH
    return get_config().api_url.rstrip("/") + API_DOCS_PATH


@dataclass(frozen=True)
class NavItem:
    """One sidebar link."""

    label: str
    icon: str
    href: str
    # Other route prefixes that highlight this item (e.g. "/" for workflows).
    also: tuple[str, ...] = ()
    # Shown to the owner and admins only (the page and its events refuse others anyway).
    admin_only: bool = False


MAIN_NAV = (
    NavItem("Workflows", "workflow", "/workflows", also=("/",)),
    NavItem("Executions", "history", "/executions"),
    NavItem("Orchestrations", "network", "/orchestrations"),
    NavItem("Schedules", "calendar_clock", "/schedules"),
    NavItem("Webhooks", "webhook", "/webhooks"),
)
INSIGHT_NAV = (
    NavItem("Costs", "coins", "/costs"),
    NavItem("Prices", "tag", "/prices"),
    NavItem("Monitoring", "activity", "/monitoring", admin_only=True),
)
SYSTEM_NAV = (
    NavItem("Account", "circle_user_round", "/account"),
    NavItem("Users", "users", "/users", admin_only=True),
    NavItem("Audit log", "scroll_text", "/audit", admin_only=True),
    NavItem("Settings", "settings", "/settings", admin_only=True),
)


def _is_active(item: NavItem) -> rx.Var[bool]:
    path = rx.State.router.url.path
    active = path.startswith(item.href)
    for prefix in item.also:
        active = active | (path == prefix)
    return active


def _nav_link(item: NavItem) -> rx.Component:
    active = _is_active(item)
    link = rx.link(
        rx.hstack(
            rx.icon(item.icon, size=17),
            rx.text(item.label, size="2", weight="medium"),
            align="center",
            spacing="3",
            padding="7px 10px",
            border_radius="8px",
            width="100%",
            color=rx.cond(active, rx.color("accent", 11), rx.color("gray", 11)),
            background=rx.cond(active, rx.color("accent", 3), "transparent"),
            _hover={"background": rx.cond(active, rx.color("accent", 4), rx.color("gray", 3))},
        ),
        href=item.href,
        underline="none",
        width="100%",
        data_nav=item.label,
    )
    if item.admin_only:
        is_admin = (AuthState.user_role == "owner") | (AuthState.user_role == "admin")
        return rx.cond(is_admin, link)
    return link


def _section(title: str, items: tuple[NavItem, ...]) -> rx.Component:
    return rx.vstack(
        rx.text(
            title,
            size="1",
            weight="medium",
            color=rx.color("gray", 9),
            padding_x="10px",
            text_transform="uppercase",
            letter_spacing="0.06em",
        ),
        *[_nav_link(item) for item in items],
        spacing="1",
        width="100%",
    )


def brand(size: int = 28) -> rx.Component:
    """The Flowbook mark and name; `size` is the mark's side in pixels."""
    return rx.hstack(
        rx.center(
            rx.icon("zap", size=size * 4 // 7, color="white"),
            width=f"{size}px",
            height=f"{size}px",
            border_radius=f"{size * 2 // 7}px",
            background=f"linear-gradient(135deg, {rx.color('accent', 9)}, "
            f"{rx.color('crimson', 9)})",
        ),
        rx.text(
            "Flowbook", size="4" if size < 32 else "5", weight="bold", color=rx.color("gray", 12)
        ),
        align="center",
        spacing="2",
    )


def _logo() -> rx.Component:
    return rx.link(brand(), href="/", underline="none")


def _account() -> rx.Component:
    return rx.cond(
        AuthState.user_email != "",
        rx.hstack(
            rx.vstack(
                rx.text(AuthState.user_name, size="2", weight="medium", trim="both", truncate=True),
                # A long address is cut with an ellipsis (whole on hover) beside Log out.
                rx.text(
                    AuthState.user_email,
                    size="1",
                    color=rx.color("gray", 11),
                    trim="both",
                    truncate=True,
                    title=AuthState.user_email,
                    max_width="100%",
                ),
                rx.text(
                    AuthState.user_role,
                    size="1",
                    color=rx.color("gray", 11),
                    text_transform="capitalize",
                    trim="both",
                ),
                spacing="1",
                min_width="0",
                flex="1",
                data_testid="signed-in-user",
            ),
            rx.box(LogoutButton(), flex_shrink="0"),
            align="center",
            width="100%",
            padding="0 10px",
        ),
    )


def sidebar() -> rx.Component:
    """The fixed left sidebar shown on every page."""
    links = rx.vstack(
        rx.box(_logo(), padding="4px 10px 12px"),
        _section("Build", MAIN_NAV),
        _section("Insights", INSIGHT_NAV),
        rx.spacer(),
        _section("System", SYSTEM_NAV),
        _account(),
        rx.hstack(
            rx.link(
                rx.hstack(
                    rx.icon("book_open", size=15),
                    rx.text("API docs", size="2"),
                    align="center",
                    spacing="2",
                ),
                href=api_docs_url(),
                is_external=True,
                color=rx.color("gray", 11),
                underline="none",
            ),
            rx.spacer(),
            rx.color_mode.button(
                size="2",
                variant="ghost",
                color_scheme="gray",
                aria_label="Toggle dark mode",
                title="Toggle dark mode",
            ),
            align="center",
            width="100%",
            padding="10px 10px 0",
            border_top=f"1px solid {rx.color('gray', 5)}",
        ),
        spacing="5",
        width="100%",
        height="100vh",
        padding="18px 12px",
        position="sticky",
        top="0",
    )
    # The outer box stretches with the page, so its background and border reach the bottom
    # of long pages; the links inside stay in view while the page scrolls.
    return rx.el.nav(
        links,
        aria_label="Main",
        width="232px",
        min_width="232px",
        align_self="stretch",
        background=rx.color("gray", 2),
        border_right=f"1px solid {rx.color('gray', 5)}",
    )
