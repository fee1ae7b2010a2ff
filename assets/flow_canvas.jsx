// Flowbook's workflow canvas: React Flow 12 with local state; Python gets committed edits only.
import React, { useCallback, useEffect, useMemo, useRef, useState } from "react";
import {
  Background,
  Controls,
  MiniMap,
  ReactFlow,
  ReactFlowProvider,
  applyEdgeChanges,
  applyNodeChanges,
  useReactFlow,
} from "@xyflow/react";
import "@xyflow/react/dist/style.css";
import { ArrowRight, Play } from "lucide-react";
import { AutoRunContext, FbNode, StatusContext } from "./flow_node.jsx";
import { CSS } from "./flow_canvas_styles.js";
import { QuickAddMenu } from "./quick_add_menu.jsx";

const NODE_MIME = "application/flowbook-node";
const nodeTypes = { fb: FbNode };
const defaultEdgeOptions = { interactionWidth: 18 };
const SNAP = [10, 10];
const CARD_WIDTH = 240;
const CARD_HALF_HEIGHT = 30;
const CARD_HEIGHT = 80;
const REVEAL_MARGIN = 24;
const MINIMAP_SIZE = { width: 160, height: 110 };
const NOT_EMPTY_SPACE = ".react-flow__node, .react-flow__handle, .react-flow__panel, .react-flow__controls, .react-flow__minimap";

function pointerOf(event) {
  const touch = event.changedTouches && event.changedTouches[0];
  return touch ? { x: touch.clientX, y: touch.clientY } : { x: event.clientX, y: event.clientY };
}

function reaches(edges, from, to) {
  const seen = new Set();
  const stack = [from];
  while (stack.length) {
    const id = stack.pop();
    if (id === to) return true;
    if (seen.has(id)) continue;
    seen.add(id);
    for (const e of edges) if (e.source === id) stack.push(e.target);
  }
  return false;
}

function isTyping(target) {
  const tag = (target && target.tagName) || "";
  return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || (target && target.isContentEditable);
}

function Canvas(props) {
  const { screenToFlowPosition, fitView, getViewport, setViewport, getInternalNode } = useReactFlow();
  const wrapperRef = useRef(null);
  const [nodes, setNodes] = useState(() => props.nodes || []);
  const [fitOnInit] = useState(() => (props.nodes || []).length > 0);
  const [edges, setEdges] = useState(() => props.edges || []);
  const [menu, setMenu] = useState(null);
  // During a run Python pushes only the cards that changed (`live`); merge them over the
  // full statuses, which replace everything when they change (run start and end, edits).
  const [liveStatuses, setLiveStatuses] = useState({});
  useEffect(() => setLiveStatuses({}), [props.statuses]);
  useEffect(() => {
    const changed = props.live && props.live.statuses;
    if (changed && Object.keys(changed).length) setLiveStatuses((seen) => ({ ...seen, ...changed }));
  }, [props.live]);
  const statuses = useMemo(() => ({ ...(props.statuses || {}), ...liveStatuses }),
    [props.statuses, liveStatuses]);
  const [quickAdd, setQuickAdd] = useState(null);
  const selectedRef = useRef([]);
  const propsRef = useRef(props);
  propsRef.current = props;
  const edgesRef = useRef(edges);
  edgesRef.current = edges;
  const nodesRef = useRef(nodes);
  nodesRef.current = nodes;

  // Pan just enough to show the selected node whole: a new node dropped near an edge, or a
  // selected node the canvas lost when a panel opened beside or below it.
  const revealSelected = useCallback(() => {
    const el = wrapperRef.current;
    const node = nodesRef.current.find((n) => n.selected) || (propsRef.current.nodes || []).find((n) => n.selected);
    if (!el || !node) return;
    const internal = getInternalNode(node.id);
    const at = (internal && internal.internals.positionAbsolute) || node.position;
    const size = (internal && internal.measured) || {};
    const { x, y, zoom } = getViewport();
    const fix = (start, length, room) => {
      const end = start + length;
      if (end > room - REVEAL_MARGIN) return Math.max(room - REVEAL_MARGIN - end, REVEAL_MARGIN - start);
      if (start < REVEAL_MARGIN) return REVEAL_MARGIN - start;
      return 0;
    };
    const dx = fix(at.x * zoom + x, (size.width || CARD_WIDTH) * zoom, el.clientWidth);
    const dy = fix(at.y * zoom + y, (size.height || CARD_HEIGHT) * zoom, el.clientHeight);
    if (dx || dy) setViewport({ x: x + dx, y: y + dy, zoom }, { duration: 200 });
  }, [getInternalNode, getViewport, setViewport]);

  useEffect(() => {
    const serverNodes = props.nodes || [];
    const known = new Set(nodesRef.current.map((n) => n.id));
    selectedRef.current = serverNodes.filter((n) => n.selected).map((n) => n.id);
    setNodes(serverNodes);
    if (serverNodes.some((n) => n.selected && !known.has(n.id))) {
      const frame = window.requestAnimationFrame(() => window.requestAnimationFrame(revealSelected));
      return () => window.cancelAnimationFrame(frame);
    }
    return undefined;
  }, [props.nodes]);
  // A panel opening above or beside the canvas moves its edge: the cards stay where they
  // were on screen, and the selected one is brought back if the canvas lost it.
  useEffect(() => {
    const el = wrapperRef.current;
    if (!el || !window.ResizeObserver) return undefined;
    const measure = () => {
      const rect = el.getBoundingClientRect();
      return { left: rect.left, top: rect.top, width: el.clientWidth, height: el.clientHeight };
    };
    let last = measure();
    const observer = new ResizeObserver(() => {
      const now = measure();
      const shrank = now.width < last.width || now.height < last.height;
      const dx = now.left - last.left;
      const dy = now.top - last.top;
      last = now;
      if (dx || dy) {
        const v = getViewport();
        setViewport({ x: v.x - dx, y: v.y - dy, zoom: v.zoom });
      }
      if (shrank) revealSelected();
    });
    observer.observe(el);
    return () => observer.disconnect();
  }, [revealSelected, getViewport, setViewport]);
  useEffect(() => setEdges(props.edges || []), [props.edges]);
  useEffect(() => {
    if (!props.fitKey || !(propsRef.current.nodes || []).length) return undefined;
    const timer = window.setTimeout(() => fitView({ padding: 0.12, maxZoom: 1.1, duration: 250 }), 60);
    return () => window.clearTimeout(timer);
  }, [props.fitKey]);

  const send = (name, payload) => {
    const handler = propsRef.current[name];
    if (handler) handler(payload);
  };

  const onNodesChange = useCallback((changes) => setNodes((ns) => applyNodeChanges(changes, ns)), []);
  const onEdgesChange = useCallback((changes) => setEdges((es) => applyEdgeChanges(changes, es)), []);
  const onNodeDragStop = useCallback((_event, _node, dragged) => {
    send("onNodesMoved", { moves: dragged.map((n) => ({ id: n.id, x: n.position.x, y: n.position.y })) });
  }, []);
  const onConnect = useCallback((c) => {
    send("onConnectNodes", { source: c.source, source_handle: c.sourceHandle || "out",
      target: c.target, target_handle: c.targetHandle || "in" });
  }, []);
  const isValidConnection = useCallback((c) => {
    if (!c.source || !c.target || c.source === c.target) return false;
    const source = nodesRef.current.find((n) => n.id === c.source);
    const target = nodesRef.current.find((n) => n.id === c.target);
    if (!source || !target) return false;
    if (!(source.data.outputs || []).includes(c.sourceHandle || "out")) return false;
    if (!(target.data.inputs || []).includes(c.targetHandle || "in")) return false;
    const current = edgesRef.current;
    if (current.some((e) => e.source === c.source && e.target === c.target &&
      (e.sourceHandle || "out") === (c.sourceHandle || "out"))) return false;
    return !reaches(current, c.target, c.source);
  }, []);
  const onDelete = useCallback(({ nodes: ns, edges: es }) => {
    send("onDeleteItems", { nodes: ns.map((n) => n.id), edges: es.map((e) => e.id) });
  }, []);
  const onSelectionChange = useCallback(({ nodes: ns }) => {
    const ids = ns.map((n) => n.id);
    const before = selectedRef.current;
    if (ids.length === before.length && ids.every((id, i) => id === before[i])) return;
    selectedRef.current = ids;
    send("onSelect", { ids });
  }, []);
  const onDrop = useCallback((event) => {
    event.preventDefault();
    if (propsRef.current.readOnly) return;
    const type = event.dataTransfer.getData(NODE_MIME);
    if (!type) return;
    const p = screenToFlowPosition({ x: event.clientX, y: event.clientY });
    send("onDropNode", { type, x: Math.round(p.x - 120), y: Math.round(p.y - 30) });
  }, [screenToFlowPosition]);
  const onDragOver = useCallback((event) => {
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
  }, []);
  const onNodeDoubleClick = useCallback((_event, node) => {
    send("onNodeAction", { id: node.id, action: "open_output" });
  }, []);
  const onNodeContextMenu = useCallback((event, node) => {
    event.preventDefault();
    setQuickAdd(null);
    setMenu({ id: node.id, x: event.clientX, y: event.clientY });
  }, []);
  const openQuickAdd = useCallback((point, link) => {
    setMenu(null);
    if (propsRef.current.readOnly) return;
    setQuickAdd({ clientX: point.x, clientY: point.y, flow: screenToFlowPosition(point), link });
  }, [screenToFlowPosition]);
  const closeQuickAdd = useCallback(() => setQuickAdd(null), []);
  const onPaneContextMenu = useCallback((event) => {
    event.preventDefault();
    openQuickAdd(pointerOf(event), null);
  }, [openQuickAdd]);
  const onDoubleClick = useCallback((event) => {
    const el = event.target;
    if (el && el.classList && el.classList.contains("react-flow__pane")) openQuickAdd(pointerOf(event), null);
  }, [openQuickAdd]);
  const onConnectEnd = useCallback((event, state) => {
    const { fromHandle, toHandle } = state;
    if (state.isValid === false && fromHandle && toHandle && fromHandle.type !== toHandle.type) {
      // A refused connection (a cycle, a duplicate, a loop): Python says why.
      const [out, into] = fromHandle.type === "source" ? [fromHandle, toHandle] : [toHandle, fromHandle];
      send("onConnectNodes", { source: out.nodeId, source_handle: out.id || "out",
        target: into.nodeId, target_handle: into.id || "in" });
      return;
    }
    if (state.isValid || state.toNode || !state.fromNode || !state.fromHandle) return;
    const el = event.target;
    if (el && el.closest && el.closest(NOT_EMPTY_SPACE)) return;
    const fromOutput = state.fromHandle.type === "source";
    openQuickAdd(pointerOf(event), {
      kind: fromOutput ? "from_output" : "into_input",
      node: state.fromNode.id,
      handle: state.fromHandle.id || (fromOutput ? "out" : "in"),
    });
  }, [openQuickAdd]);
  // The new card's input handle (or output handle, or centre) lands under the pointer.
  const pickQuickAdd = (type) => {
    const spot = quickAdd;
    setQuickAdd(null);
    if (!spot) return;
    const link = spot.link;
    const shift = !link ? CARD_WIDTH / 2 : link.kind === "from_output" ? 0 : CARD_WIDTH;
    const payload = { type, x: Math.round(spot.flow.x - shift), y: Math.round(spot.flow.y - CARD_HALF_HEIGHT) };
    if (link && link.kind === "from_output") Object.assign(payload, { source: link.node, source_handle: link.handle });
    if (link && link.kind === "into_input") Object.assign(payload, { target: link.node, target_handle: link.handle });
    send("onQuickAdd", payload);
  };
  const act = (action) => {
    if (menu) send("onNodeAction", { id: menu.id, action });
    setMenu(null);
  };

  useEffect(() => {
    const onDragStart = (e) => {
      const el = e.target && e.target.closest && e.target.closest("[data-node-type]");
      if (!el) return;
      e.dataTransfer.setData(NODE_MIME, el.getAttribute("data-node-type"));
      e.dataTransfer.effectAllowed = "move";
    };
    const onKey = (e) => {
      const paletteEntry = e.target && e.target.matches && e.target.matches("[data-node-type]");
      if (paletteEntry && (e.key === "Enter" || e.key === " ")) {
        e.preventDefault();
        e.target.click();
        return;
      }
      if (e.key === "Escape") {
        setMenu(null);
        setQuickAdd(null);
      }
      const mod = e.ctrlKey || e.metaKey;
      const key = e.key.toLowerCase();
      if (mod && key === "s") {
        e.preventDefault();
        if (isTyping(document.activeElement)) document.activeElement.blur();
        send("onCommand", { command: "save", ids: [] });
        return;
      }
      if (!mod || isTyping(e.target)) return;
      // A view-only canvas copies; it does not paste, duplicate, undo or redo.
      if (propsRef.current.readOnly && key !== "c") return;
      let command = null;
      if (key === "z") command = e.shiftKey ? "redo" : "undo";
      else if (key === "y") command = "redo";
      else if (key === "c") command = "copy";
      else if (key === "v") command = "paste";
      else if (key === "d") command = "duplicate";
      if (!command) return;
      e.preventDefault();
      send("onCommand", { command, ids: selectedRef.current });
    };
    document.addEventListener("dragstart", onDragStart);
    window.addEventListener("keydown", onKey);
    return () => {
      document.removeEventListener("dragstart", onDragStart);
      window.removeEventListener("keydown", onKey);
    };
  }, []);

  const readOnly = !!props.readOnly;
  return (
    <StatusContext.Provider value={statuses}>
      <AutoRunContext.Provider value={!!props.autoRun}>
        <style>{CSS}</style>
        <div ref={wrapperRef} style={{ width: "100%", height: "100%" }}>
        <ReactFlow
          className="fb-flow"
          nodes={nodes}
          edges={edges}
          nodeTypes={nodeTypes}
          defaultEdgeOptions={defaultEdgeOptions}
          onNodesChange={onNodesChange}
          onEdgesChange={onEdgesChange}
          onNodeDragStop={onNodeDragStop}
          onConnect={onConnect}
          onConnectEnd={onConnectEnd}
          isValidConnection={isValidConnection}
          onDelete={onDelete}
          onSelectionChange={onSelectionChange}
          onDrop={onDrop}
          onDragOver={onDragOver}
          onNodeContextMenu={onNodeContextMenu}
          onNodeDoubleClick={onNodeDoubleClick}
          onPaneContextMenu={onPaneContextMenu}
          onDoubleClick={onDoubleClick}
          zoomOnDoubleClick={false}
          onPaneClick={() => setMenu(null)}
          onNodeClick={() => setMenu(null)}
          onMoveStart={(event) => {
            // Only a pan or zoom by the user closes the menus; the canvas moves itself too
            // (the fit after load, a panel opening beside it), with no event.
            if (!event) return;
            setMenu(null);
            setQuickAdd(null);
          }}
          deleteKeyCode={readOnly ? null : ["Delete", "Backspace"]}
          nodesDraggable={!readOnly}
          nodesConnectable={!readOnly}
          multiSelectionKeyCode={["Shift", "Meta", "Control"]}
          selectNodesOnDrag={false}
          snapToGrid
          snapGrid={SNAP}
          onlyRenderVisibleElements
          fitView={fitOnInit}
          fitViewOptions={{ padding: 0.12, maxZoom: 1.1 }}
          minZoom={0.1}
          maxZoom={2}
          proOptions={{ hideAttribution: true }}
          colorMode={props.colorMode || "light"}
        >
          <Background gap={20} size={1.2} />
          <Controls showInteractive={false} />
          <MiniMap pannable zoomable style={MINIMAP_SIZE} nodeColor={(n) => (n.data && n.data.color) || "#94a3b8"}
            nodeStrokeWidth={3} maskColor="rgba(100,116,139,0.12)" />
        </ReactFlow>
        </div>
        {menu && (
          <div className="fb-menu" style={{ left: menu.x, top: menu.y }} role="menu">
            {props.canRun !== false && (
              <>
                <button role="menuitem" onClick={() => act("run_node")}><Play size={14} />Run this node</button>
                <button role="menuitem" onClick={() => act("run_up_to")}><ArrowRight size={14} />Run up to here</button>
                <hr />
              </>
            )}
            <button role="menuitem" onClick={() => act("open_output")}>Open output</button>
            {!readOnly && (
              <>
                <button role="menuitem" onClick={() => act("duplicate")}>Duplicate</button>
                <button role="menuitem" onClick={() => act("toggle_disabled")}>Disable / enable</button>
                <button role="menuitem" onClick={() => act("delete")}>Delete</button>
              </>
            )}
          </div>
        )}
        {quickAdd && (
          <QuickAddMenu spot={quickAdd} types={props.quickAddTypes} onPick={pickQuickAdd} onClose={closeQuickAdd} />
        )}
      </AutoRunContext.Provider>
    </StatusContext.Provider>
  );
}

export function FlowCanvas(props) {
  return (
    <div style={{ width: "100%", height: "100%" }} data-testid="flow-canvas">
      <ReactFlowProvider>
        <Canvas {...props} />
      </ReactFlowProvider>
    </div>
  );
}
