// Styles of the workflow canvas (Radix theme variables, so light and dark both work).
export const CSS = `
.fb-flow { --fb-card: var(--color-panel-solid, #fff); }
.fb-flow .react-flow__node-fb { padding: 0; border: none; background: transparent; }
.fb-node { width: 240px; border-radius: 12px; background: var(--fb-card);
  border: 1px solid var(--gray-6); box-shadow: 0 1px 2px rgba(16,24,40,.06), 0 1px 3px rgba(16,24,40,.08);
  font-size: 12px; color: var(--gray-12); transition: box-shadow 120ms ease, border-color 120ms ease; }
.fb-node:hover { border-color: var(--gray-8); }
.fb-node.selected { border-color: var(--accent-9); box-shadow: 0 0 0 3px var(--accent-a5); }
.fb-node.problem { border-color: var(--red-9); box-shadow: 0 0 0 3px var(--red-a4); }
.fb-node.disabled { opacity: .55; }
.fb-node.st-running { border-color: var(--blue-9); box-shadow: 0 0 0 3px var(--blue-a4); }
.fb-node-head { display: flex; align-items: center; gap: 10px; padding: 10px 12px 8px; }
.fb-node-icon { width: 32px; height: 32px; min-width: 32px; border-radius: 8px; display: flex;
  align-items: center; justify-content: center; color: white; }
.fb-node-titles { flex: 1; min-width: 0; }
.fb-node-name { font-weight: 600; font-size: 13px; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.fb-node-type { color: var(--gray-10); font-size: 11px; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.fb-pill { display: inline-flex; align-items: center; gap: 4px; border-radius: 999px; padding: 1px 8px;
  font-size: 10.5px; font-weight: 600; text-transform: capitalize; white-space: nowrap; }
.fb-pill-queued, .fb-pill-pending { background: var(--gray-a3); color: var(--gray-11); }
.fb-pill-running { background: var(--blue-a3); color: var(--blue-11); }
.fb-pill-succeeded { background: var(--green-a3); color: var(--green-11); }
.fb-pill-failed { background: var(--red-a3); color: var(--red-11); }
.fb-pill-skipped, .fb-pill-cancelled { background: var(--gray-a3); color: var(--gray-10); }
.fb-pill-cached { background: var(--teal-a3); color: var(--teal-11); }
.fb-pill-stale { background: var(--amber-a4); color: var(--amber-11); }
.fb-dot { width: 6px; height: 6px; border-radius: 999px; background: currentColor; }
.fb-pill-running .fb-dot { animation: fb-pulse 1s ease-in-out infinite; }
.fb-node-foot { display: flex; align-items: center; gap: 8px; padding: 0 10px 9px 12px; }
.fb-node-preview { flex: 1; min-width: 0; color: var(--gray-11); font-family: ui-monospace, SFMono-Regular, Menlo, monospace;
  font-size: 11px; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.fb-node-preview.muted { color: var(--gray-9); font-family: inherit; font-style: italic; }
.fb-node-preview.error { color: var(--red-11); }
.fb-node.is-stale .fb-inline, .fb-node.is-stale .fb-node-preview { opacity: .6; }
.fb-inline { margin: 0 8px 8px; border-radius: 8px; background: var(--gray-a2); border: 1px solid var(--gray-a4);
  max-height: 120px; overflow: hidden; font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 10.5px; }
.fb-inline pre { margin: 0; padding: 6px 8px; white-space: pre-wrap; word-break: break-word; color: var(--gray-12); }
.fb-inline table { width: 100%; border-collapse: collapse; }
.fb-inline th { text-align: left; font-weight: 600; color: var(--gray-11); background: var(--gray-a3); }
.fb-inline th, .fb-inline td { padding: 3px 6px; border-bottom: 1px solid var(--gray-a4); max-width: 90px;
  overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.fb-inline .fb-more { padding: 3px 8px; color: var(--gray-10); }
.fb-tags { display: flex; gap: 4px; padding: 0 12px 8px; flex-wrap: wrap; }
.fb-tag { font-size: 10px; padding: 0 6px; border-radius: 4px; background: var(--gray-a3); color: var(--gray-11);
  display: inline-flex; align-items: center; gap: 3px; }
.fb-tag.warn { background: var(--amber-a3); color: var(--amber-11); }
.fb-tag.bad { background: var(--red-a3); color: var(--red-11); }
.fb-flow .react-flow__handle { width: 10px; height: 10px; background: var(--fb-card); border: 2px solid var(--gray-9); }
.fb-flow .react-flow__handle:hover { background: var(--accent-9); border-color: var(--accent-9); }
.fb-flow .react-flow__handle.fb-h-error { border-color: var(--red-9); }
.fb-hlabel { position: absolute; left: calc(100% + 9px); transform: translateY(-115%); font-size: 10px;
  color: var(--gray-11); pointer-events: none; white-space: nowrap; }
.fb-flow .react-flow__edge-path { stroke: var(--gray-8); stroke-width: 1.6; }
.fb-flow .react-flow__edge.selected .react-flow__edge-path { stroke: var(--accent-9); stroke-width: 2.4; }
.fb-flow .react-flow__edge.fb-edge-problem .react-flow__edge-path { stroke: var(--red-9); stroke-dasharray: 5 4; }
.fb-node.diff-added { border-color: var(--green-9); box-shadow: 0 0 0 3px var(--green-a5); }
.fb-node.diff-removed { border-color: var(--red-9); border-style: dashed; opacity: .6; box-shadow: 0 0 0 3px var(--red-a4); }
.fb-node.diff-modified { border-color: var(--amber-9); box-shadow: 0 0 0 3px var(--amber-a5); }
.fb-node.diff-unchanged { opacity: .4; }
.fb-tag.diff-added { color: var(--green-11); background: var(--green-a3); }
.fb-tag.diff-removed { color: var(--red-11); background: var(--red-a3); }
.fb-tag.diff-modified { color: var(--amber-11); background: var(--amber-a3); }
.fb-flow .react-flow__edge.fb-edge-added .react-flow__edge-path { stroke: var(--green-9); stroke-width: 2; }
.fb-flow .react-flow__edge.fb-edge-removed .react-flow__edge-path { stroke: var(--red-9); stroke-dasharray: 5 4; opacity: .7; }
.fb-flow .react-flow__edge.fb-edge-live .react-flow__edge-path { stroke: var(--blue-9); }
.fb-flow .react-flow__controls { box-shadow: 0 1px 3px rgba(0,0,0,.12); border-radius: 8px; overflow: hidden; }
.fb-flow .react-flow__minimap { border-radius: 10px; overflow: hidden; border: 1px solid var(--gray-5); }
.fb-menu { position: fixed; z-index: 50; min-width: 180px; background: var(--color-panel-solid, #fff);
  border: 1px solid var(--gray-6); border-radius: 10px; box-shadow: 0 10px 30px rgba(0,0,0,.16); padding: 4px; }
.fb-menu button { display: flex; width: 100%; gap: 8px; align-items: center; border: 0; background: none; text-align: left;
  padding: 7px 10px; border-radius: 6px; font-size: 13px; color: var(--gray-12); cursor: pointer; }
.fb-menu button:hover { background: var(--accent-a3); }
.fb-menu hr { border: 0; border-top: 1px solid var(--gray-5); margin: 4px 0; }
@keyframes fb-pulse { 0%,100% { opacity: 1; } 50% { opacity: .3; } }
`;
