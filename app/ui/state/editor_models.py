"""Typed values of the editor's state: what a card shows, a node's latest run, the drawer."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class InlineView:
    """The small view under a card: a table of records, indented JSON or long text.

    Attributes:
        kind: "table", "json" or "text".
        text: the clipped JSON or text.
        columns: a table's column names.
        rows: a table's cells.
        more: how many records the table leaves out.
    """

    kind: str
    text: str = ""
    columns: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    more: int = 0


@dataclass
class NodeStatus:
    """What one card shows about its node's latest run (the canvas reads these by node id).

    Attributes:
        status: pending, queued, running, succeeded, cached, skipped, failed, cancelled, stale.
        stale: an edit or an upstream change means the output no longer stands.
        error: the first line of the error.
        preview: a one-line preview of the output.
        inline: the view under the card, when the full output was read.
        duration: the last attempt's wall time, formatted ("" when unknown).
    """

    status: str = "pending"
    stale: bool = False
    error: str = ""
    preview: str = ""
    inline: InlineView | None = None
    duration: str = ""


@dataclass
class NodeRunState:
    """A node's latest known run, kept on the server side of the state.

    Attributes:
        card: what its card shows.
        ran: some run covered the node.
        stale: the stored state is stale (before counting unsaved edits).
        has_output: there is an output to show or pin.
        keys: the first keys of a dict output (for expression hints).
        execution_id: the run the state comes from.
    """

    card: NodeStatus = field(default_factory=NodeStatus)
    ran: bool = False
    stale: bool = False
    has_output: bool = False
    keys: list[str] = field(default_factory=list)
    execution_id: int = 0


@dataclass
class DrawerView:
    """The output drawer's contents for one node (input and output read when it opens).

    Attributes:
        node_id: the node shown.
        name: its name.
        status: its latest status ("not run" when none).
        input: the recorded input as indented JSON ("" when none).
        output: the output as indented JSON ("" when none).
        error: the error of the latest run.
        duration: the attempt's wall time.
        attempts: attempts, or "cached"/"pinned" for a reused output.
    """

    node_id: str = ""
    name: str = ""
    status: str = ""
    input: str = ""
    output: str = ""
    error: str = ""
    duration: str = ""
    attempts: str = ""


@dataclass
class LiveStatuses:
    """The cards a run changed since the last push (the canvas merges them in).

    Sending only these keeps a push small on a 1,000-node workflow, where resending every
    card's status would cost the server and the browser more than the run itself.

    Attributes:
        seq: increases with each push.
        statuses: node id -> what its card shows now.
    """

    seq: int = 0
    statuses: dict[str, NodeStatus] = field(default_factory=dict)
