// The canvas's quick-add menu: a searchable list of node types opened at the pointer.
import React, { useEffect, useId, useRef, useState } from "react";
import { Box, Search } from "lucide-react";
import { ICONS } from "./flow_node.jsx";

const MENU_WIDTH = 300;
const MENU_HEIGHT = 380;
const EDGE_MARGIN = 8;

export const QUICK_ADD_CSS = `
.fb-qa { position: fixed; z-index: 60; width: ${MENU_WIDTH}px; background: var(--color-panel-solid, #fff);
  border: 1px solid var(--gray-6); border-radius: 12px; box-shadow: 0 14px 36px rgba(0,0,0,.2);
  display: flex; flex-direction: column; overflow: hidden; font-size: 13px; color: var(--gray-12); }
.fb-qa-title { padding: 9px 12px 0; font-size: 11px; font-weight: 600; color: var(--gray-11);
  text-transform: uppercase; letter-spacing: .05em; }
.fb-qa-search { display: flex; align-items: center; gap: 8px; margin: 8px; padding: 0 10px; height: 34px;
  border: 1px solid var(--gray-7); border-radius: 8px; background: var(--gray-1); color: var(--gray-11); }
.fb-qa-search:focus-within { border-color: var(--accent-9); box-shadow: 0 0 0 2px var(--accent-a5); }
.fb-qa-search input { flex: 1; min-width: 0; border: 0; outline: none; background: none; font: inherit;
  color: var(--gray-12); }
.fb-qa-list { list-style: none; margin: 0; padding: 0 6px 6px; overflow-y: auto; max-height: 290px; }
.fb-qa-item { display: flex; align-items: center; gap: 10px; padding: 6px 8px; border-radius: 8px; cursor: pointer; }
.fb-qa-item[aria-selected="true"] { background: var(--accent-a4); }
.fb-qa-icon { width: 26px; height: 26px; min-width: 26px; border-radius: 7px; display: flex; align-items: center;
  justify-content: center; color: white; }
.fb-qa-text { flex: 1; min-width: 0; }
.fb-qa-label { display: block; font-weight: 500; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.fb-qa-desc { display: block; font-size: 11.5px; color: var(--gray-11); white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.fb-qa-empty { padding: 10px 14px 14px; color: var(--gray-11); font-style: italic; }
`;

function matches(type, needle) {
  if (!needle) return true;
  return `${type.label} ${type.type} ${type.category} ${type.description}`.toLowerCase().includes(needle);
}

function fitsTheLink(type, link) {
  if (!link) return true;
  return link.kind === "from_output" ? type.hasInput : type.hasOutput;
}

/**
 * The menu. `spot` is where it opened ({clientX, clientY, link}); `link` says which handle a
 * dropped connection started from, and keeps only the node types that can take that link.
 */
export function QuickAddMenu({ spot, types, onPick, onClose }) {
  const [query, setQuery] = useState("");
  const [active, setActive] = useState(0);
  const listRef = useRef(null);
  const rootRef = useRef(null);
  const baseId = useId();
  const needle = query.trim().toLowerCase();
  const shown = (types || []).filter((t) => fitsTheLink(t, spot.link) && matches(t, needle));
  const current = Math.min(active, Math.max(0, shown.length - 1));

  useEffect(() => setActive(0), [needle]);
  useEffect(() => {
    const el = listRef.current && listRef.current.querySelector("[aria-selected='true']");
    if (el && el.scrollIntoView) el.scrollIntoView({ block: "nearest" });
  }, [current, shown.length]);
  useEffect(() => {
    const onPointerDown = (e) => {
      if (rootRef.current && !rootRef.current.contains(e.target)) onClose();
    };
    document.addEventListener("pointerdown", onPointerDown, true);
    return () => document.removeEventListener("pointerdown", onPointerDown, true);
  }, [onClose]);

  const onKeyDown = (e) => {
    const count = shown.length;
    if (e.key === "ArrowDown" && count) setActive((current + 1) % count);
    else if (e.key === "ArrowUp" && count) setActive((current - 1 + count) % count);
    else if (e.key === "Home" && count) setActive(0);
    else if (e.key === "End" && count) setActive(count - 1);
    else if (e.key === "Enter" && count) onPick(shown[current].type);
    else if (e.key === "Escape") onClose();
    else if (e.key === "Tab") onClose();
    else return;
    e.preventDefault();
    e.stopPropagation();
  };

  const left = Math.max(EDGE_MARGIN, Math.min(spot.clientX, window.innerWidth - MENU_WIDTH - EDGE_MARGIN));
  const top = Math.max(EDGE_MARGIN, Math.min(spot.clientY, window.innerHeight - MENU_HEIGHT - EDGE_MARGIN));
  const listId = `${baseId}-list`;
  const optionId = (i) => `${baseId}-opt-${i}`;
  const title = spot.link ? "Add a connected node" : "Add a node";
  return (
    <div className="fb-qa" ref={rootRef} style={{ left, top }} role="dialog" aria-label={title}
      data-testid="quick-add-menu" onContextMenu={(e) => e.preventDefault()}>
      <style>{QUICK_ADD_CSS}</style>
      <div className="fb-qa-title" aria-hidden="true">{title}</div>
      <label className="fb-qa-search">
        <Search size={14} aria-hidden="true" />
        <input autoFocus value={query} onChange={(e) => setQuery(e.target.value)} onKeyDown={onKeyDown}
          placeholder="Search node types…" aria-label="Search node types" role="combobox"
          aria-expanded="true" aria-controls={listId} aria-autocomplete="list"
          aria-activedescendant={shown.length ? optionId(current) : undefined} />
      </label>
      {shown.length ? (
        <ul className="fb-qa-list" id={listId} role="listbox" aria-label="Node types" ref={listRef}>
          {shown.map((t, i) => {
            const Icon = ICONS[t.icon] || Box;
            return (
              <li key={t.type} id={optionId(i)} role="option" aria-selected={i === current}
                className="fb-qa-item" data-quick-add-type={t.type}
                onMouseMove={() => i !== current && setActive(i)}
                onMouseDown={(e) => e.preventDefault()} onClick={() => onPick(t.type)}>
                <span className="fb-qa-icon" style={{ background: t.color }} aria-hidden="true">
                  <Icon size={15} strokeWidth={2.2} />
                </span>
                <span className="fb-qa-text">
                  <span className="fb-qa-label">{t.label}</span>
                  <span className="fb-qa-desc">{t.description}</span>
                </span>
              </li>
            );
          })}
        </ul>
      ) : (
        <div className="fb-qa-empty" role="status" id={listId}>No node type matches.</div>
      )}
    </div>
  );
}
