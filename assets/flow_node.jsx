// One node card of the workflow canvas: icon, name, type, status, output preview, handles.
import React, { createContext, memo, useContext } from "react";
import { Handle, Position } from "@xyflow/react";
import {
  ArrowRight, Bot, Box, CircleAlert, Clock, Flag, GitBranch, Globe, Merge, Pin, Play,
  Timer, Users, Variable, WandSparkles, Webhook, Zap,
} from "lucide-react";

export const ICONS = {
  "arrow-right": ArrowRight, bot: Bot, box: Box, clock: Clock, flag: Flag,
  "git-branch": GitBranch, globe: Globe, merge: Merge, play: Play, timer: Timer,
  users: Users, variable: Variable, "wand-sparkles": WandSparkles, webhook: Webhook,
};

export const StatusContext = createContext({});
export const AutoRunContext = createContext(false);
const REUSABLE = new Set(["succeeded", "cached", "skipped"]);
const EMPTY_PREVIEW = { skipped: "Branch not taken", cancelled: "Run stopped" };

function StatusPill({ status }) {
  if (!status || status === "pending") return null;
  return (
    <span className={`fb-pill fb-pill-${status}`} data-status={status}>
      <span className="fb-dot" />
      {status}
    </span>
  );
}

function InlineOutput({ inline }) {
  if (!inline) return null;
  if (inline.kind === "table") {
    return (
      <div className="fb-inline" data-inline="table">
        <table>
          <thead><tr>{inline.columns.map((c) => <th key={c}>{c}</th>)}</tr></thead>
          <tbody>
            {inline.rows.map((row, i) => (
              <tr key={i}>{row.map((cell, j) => <td key={j} title={cell}>{cell}</td>)}</tr>
            ))}
          </tbody>
        </table>
        {inline.more > 0 && <div className="fb-more">+{inline.more} more rows</div>}
      </div>
    );
  }
  return (
    <div className="fb-inline" data-inline={inline.kind}>
      <pre>{inline.text}</pre>
    </div>
  );
}

function handleTop(index, count) {
  return `${((index + 1) * 100) / (count + 1)}%`;
}

const NO_STATUS = {};

function sameStatus(a, b) {
  if (a === b) return true;
  return a.status === b.status && a.stale === b.stale && a.error === b.error &&
    a.preview === b.preview && a.duration === b.duration &&
    JSON.stringify(a.inline || null) === JSON.stringify(b.inline || null);
}

// Every card reads the statuses context, which changes with each pushed run event: only
// the cards whose own status changed render again (a 1,000-node run stays responsive).
export const FbNode = memo(function FbNode({ id, data, selected }) {
  const st = useContext(StatusContext)[id] || NO_STATUS;
  const autoRun = useContext(AutoRunContext);
  return <FbCard id={id} data={data} selected={selected} st={st} autoRun={autoRun} />;
});

const FbCard = memo(function FbCard({ id, data, selected, st, autoRun }) {
  const Icon = ICONS[data.icon] || Box;
  const status = st.stale && REUSABLE.has(st.status) ? "stale" : st.status;
  const classes = ["fb-node", `st-${status || "none"}`];
  if (selected) classes.push("selected");
  if (data.problem) classes.push("problem");
  if (data.disabled) classes.push("disabled");
  if (st.stale) classes.push("is-stale");
  // A comparison of two versions: added, removed (a ghost), modified or unchanged.
  if (data.diff) classes.push(`diff-${data.diff}`);
  const outputs = data.outputs || [];
  return (
    <div className={classes.join(" ")} title={data.diffTip || data.problem || undefined} data-node-id={id}
      data-node-status={status || "none"} data-problem={data.problem ? "1" : undefined}
      data-diff={data.diff || undefined}>
      {(data.inputs || []).map((h, i) => (
        <Handle key={h} type="target" position={Position.Left} id={h}
          style={{ top: handleTop(i, data.inputs.length) }} />
      ))}
      <div className="fb-node-head">
        <div className="fb-node-icon" style={{ background: data.color }}><Icon size={17} strokeWidth={2.2} /></div>
        <div className="fb-node-titles">
          <div className="fb-node-name">{data.label}</div>
          <div className="fb-node-type">{data.typeLabel}</div>
        </div>
      </div>
      {(data.problem || data.disabled || data.pinned || (autoRun && data.sideEffect) ||
        (data.diff && data.diff !== "unchanged")) && (
        <div className="fb-tags">
          {data.problem && <span className="fb-tag bad"><CircleAlert size={10} />{data.problemShort}</span>}
          {data.disabled && <span className="fb-tag">disabled</span>}
          {data.pinned && <span className="fb-tag"><Pin size={10} />pinned</span>}
          {data.diff && data.diff !== "unchanged" && <span className={`fb-tag diff-${data.diff}`}>{data.diff}</span>}
          {autoRun && data.sideEffect && <span className="fb-tag warn"><Zap size={10} />needs explicit run</span>}
        </div>
      )}
      <div className="fb-node-foot">
        <div className={`fb-node-preview${st.preview ? "" : " muted"}${st.error ? " error" : ""}`} data-preview>
          {st.error || st.preview || EMPTY_PREVIEW[status] || "Not run yet"}
        </div>
        <StatusPill status={status} />
      </div>
      <InlineOutput inline={st.inline} />
      {outputs.map((h, i) => (
        <React.Fragment key={h}>
          <Handle type="source" position={Position.Right} id={h} className={h === "error" ? "fb-h-error" : ""}
            style={{ top: handleTop(i, outputs.length) }} />
          {outputs.length > 1 && <span className="fb-hlabel" style={{ top: handleTop(i, outputs.length) }}>{h}</span>}
        </React.Fragment>
      ))}
    </div>
  );
}, (a, b) => a.id === b.id && a.data === b.data && a.selected === b.selected &&
  a.autoRun === b.autoRun && sameStatus(a.st, b.st));
