// <choreo-graph>: a cytoscape graph laid out by dagre (layers left to right), with pan and zoom.
// The server sets the `graph` property to a JSON string {nodes, edges, rankDir} (see GraphData.java)
// and `selected` to an element ID. Clicks are sent back as `graph-node-click` / `graph-edge-click`
// events with detail.id. Labels are drawn on a canvas: data never becomes HTML.
// With the `layout` property set to `elk` (flow maps), ELK's layered algorithm places the nodes instead:
// nodes of class `start` in the first layer, `end` in the last, edges of class `main` kept straight, the
// input order of the nodes (main path first) breaking cycles; edges that point back are drawn as arcs, and
// "fit" never zooms out so far that a label is drawn smaller than MIN_LABEL_PX (the graph scrolls instead). The same
// floor holds for dagre graphs; one whose box may grow (`growTo`, the dependency map) grows taller first.
import cytoscape from 'cytoscape';
import dagre from 'cytoscape-dagre';
import ELK from 'elkjs/lib/elk.bundled.js';

cytoscape.use(dagre);

/** Smallest label size on screen, in CSS px, that "fit" keeps for ELK-laid-out flow maps. */
const MIN_LABEL_PX = 11;
const NODE_FONT = 12;
const EDGE_FONT = 12;
/** How far apart along its arrow the places tried for an edge label are, in model px. */
const LABEL_STEP_PX = 6;
/** Edge label size of dagre graphs (the dependency map); their node labels are NODE_FONT. */
const DAGRE_EDGE_FONT = 11;
/** The margin "fit" leaves on each side of the graph, px. */
const FIT_MARGIN = 24;
const elk = new ELK();
const FONT_FAMILY = 'Inter, Roboto, "Segoe UI", Helvetica, Arial, sans-serif';
let measure = null;

/** The width in px of a label's widest line, drawn at `size` px (a canvas measures it as cytoscape will draw it). */
function labelWidth(text, size) {
  if (!text) {
    return 0;
  }
  measure = measure || document.createElement('canvas').getContext('2d');
  measure.font = `${size}px ${FONT_FAMILY}`;
  return Math.max(...String(text).split('\n').map((line) => measure.measureText(line).width));
}

/** Whether two bounding boxes ({x1, x2, y1, y2}) overlap. */
function overlaps(a, b) {
  return a.x1 < b.x2 && b.x1 < a.x2 && a.y1 < b.y2 && b.y1 < a.y2;
}

/** A box ({x1, x2, y1, y2}) grown by `by` on every side. */
function grown(b, by) {
  return { x1: b.x1 - by, x2: b.x2 + by, y1: b.y1 - by, y2: b.y2 + by };
}

/** Whether the segment from p to q passes through the box b (Liang-Barsky clipping). */
function segmentHits(p, q, b) {
  const dx = q.x - p.x;
  const dy = q.y - p.y;
  let t0 = 0;
  let t1 = 1;
  // the part of the segment inside one side's half-plane: den * t <= num
  const clip = (den, num) => {
    if (den === 0) {
      return num >= 0;
    }
    const t = num / den;
    if (den < 0) {
      if (t > t1) {
        return false;
      }
      t0 = Math.max(t0, t);
    } else {
      if (t < t0) {
        return false;
      }
      t1 = Math.min(t1, t);
    }
    return true;
  };
  return clip(-dx, p.x - b.x1) && clip(dx, b.x2 - p.x) && clip(-dy, p.y - b.y1) && clip(dy, b.y2 - p.y) && t0 < t1;
}

/** Where the segments p-q and r-s cross, inside both (not at an end, not along a shared line); null where they do not. */
function crossingPoint(p, q, r, s) {
  const d = (q.x - p.x) * (s.y - r.y) - (q.y - p.y) * (s.x - r.x);
  if (d === 0) {
    return null;
  }
  const t = ((r.x - p.x) * (s.y - r.y) - (r.y - p.y) * (s.x - r.x)) / d;
  const u = ((r.x - p.x) * (q.y - p.y) - (r.y - p.y) * (q.x - p.x)) / d;
  return t > 0 && t < 1 && u > 0 && u < 1 ? { x: p.x + t * (q.x - p.x), y: p.y + t * (q.y - p.y) } : null;
}

/**
 * How many times two drawn lines (arrays of points) cross where a reader sees it: crossings inside one of the `boxes`
 * (where two arrows leave or enter the same box, they meet under it) do not count.
 */
function pathCrossings(a, b, boxes) {
  let n = 0;
  for (let i = 1; i < a.length; i++) {
    for (let k = 1; k < b.length; k++) {
      const at = crossingPoint(a[i - 1], a[i], b[k - 1], b[k]);
      if (at && !boxes.some((o) => at.x > o.x1 && at.x < o.x2 && at.y > o.y1 && at.y < o.y2)) {
        n++;
      }
    }
  }
  return n;
}

/** The distance from point p to the segment from a to b. */
function pointToSegment(p, a, b) {
  const dx = b.x - a.x;
  const dy = b.y - a.y;
  const l2 = dx * dx + dy * dy;
  const t = l2 === 0 ? 0 : Math.max(0, Math.min(1, ((p.x - a.x) * dx + (p.y - a.y) * dy) / l2));
  return Math.hypot(p.x - a.x - t * dx, p.y - a.y - t * dy);
}

// Resolves any CSS colour (variables, color-mix, hsl) to rgb(), which cytoscape understands.
function resolveColor(host, cssValue, fallback) {
  const probe = document.createElement('span');
  probe.style.display = 'none';
  probe.style.color = cssValue;
  host.appendChild(probe);
  const rgb = getComputedStyle(probe).color;
  probe.remove();
  return rgb && rgb !== '' ? rgb : fallback;
}

// Text for XML (SVG export): escaped, and characters XML 1.0 forbids replaced by U+FFFD so the file stays well-formed.
function xml(value) {
  return String(value == null ? '' : value)
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, '\uFFFD')
    .replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(^|[^\uD800-\uDBFF])[\uDC00-\uDFFF]/g, (m, pre) => (pre || '') + '\uFFFD')
    .replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

class ChoreoGraph extends HTMLElement {
  constructor() {
    super();
    this._graph = null;
    this._selected = '';
    this._cy = null;
    this._layout = 'dagre';
    this._renderSeq = 0;
    this._growTo = 0;
    this._baseHeight = null;
    this._focusNeighbours = false;
  }

  /**
   * When true (the dependency map), selecting a node fades everything but what it talks to: its arrows, their ends,
   * and through a topic the services on the topic's other side; selecting an arrow keeps it and its two ends. A tap
   * on the background clears it.
   */
  set focusNeighbours(on) {
    this._focusNeighbours = !!on;
    this._applySelection();
  }

  get focusNeighbours() {
    return this._focusNeighbours;
  }

  /**
   * The tallest the element may make itself, in px (0: never, the default). A dagre graph of separate parts (the
   * dependency map) that cannot be drawn in its box with labels of MIN_LABEL_PX grows taller, up to this, rather than
   * shrink its text: the page scrolls, the text stays readable.
   */
  set growTo(px) {
    this._growTo = Math.max(0, Number(px) || 0);
    if (this._cy && this._packed) {
      this._packComponents();
      this._fitAll();
    }
  }

  get growTo() {
    return this._growTo;
  }

  /** The smallest zoom that keeps every label at MIN_LABEL_PX or larger. */
  _floor() {
    return MIN_LABEL_PX / Math.min(NODE_FONT, this._layout === 'elk' ? EDGE_FONT : DAGRE_EDGE_FONT);
  }

  set layout(name) {
    const next = name || 'dagre';
    if (next !== this._layout) {
      this._layout = next;
      this._render();
    }
  }

  get layout() {
    return this._layout;
  }

  /**
   * What the browser tests measure: the zoom, the smallest node and edge label on screen (px), the number of
   * nodes and edges drawn, the graph's separate parts, its model size and the box's size, each node's model
   * position (x grows to the right), and the steps of an instance's path drawn outside the box.
   */
  metrics() {
    if (!this._cy) {
      return null;
    }
    const z = this._cy.zoom();
    const fontOf = (el) => parseFloat(el.style('font-size')) || 0;
    const sizes = (col) => col.map((el) => fontOf(el) * z);
    const positions = {};
    this._cy.nodes().forEach((n) => { positions[n.id()] = { x: n.position('x'), y: n.position('y'), w: n.width() }; });
    const labelled = this._cy.edges().filter((e) => (e.data('label') || '') !== '');
    const bb = this._cy.elements().boundingBox({ includeLabels: true });
    // edges whose label is drawn over (and so partly hidden by) the box of the step it leaves or enters
    const labelsUnderNodes = labelled.filter((e) => {
      const label = e.boundingBox({ includeLabels: true, includeMainLabels: true, includeEdges: false, includeNodes: false,
        includeOverlays: false, includeUnderlays: false });
      return label.w > 0 && [e.source(), e.target()].some((n) => n.id() !== e.id() && e.source().id() !== e.target().id()
        && overlaps(label, n.boundingBox({ includeLabels: false, includeOverlays: false, includeUnderlays: false })));
    }).map((e) => e.id());
    // pairs of edge labels drawn over each other
    const labelBoxes = labelled.map((e) => e.boundingBox({ includeLabels: true, includeMainLabels: true,
      includeEdges: false, includeNodes: false, includeOverlays: false, includeUnderlays: false }));
    let overlappingEdgeLabels = 0;
    labelBoxes.forEach((a, i) => labelBoxes.slice(i + 1).forEach((b) => { overlappingEdgeLabels += overlaps(a, b) ? 1 : 0; }));
    // the steps an instance took (class visited) that are drawn, even in part, outside the box
    const cw = this._container.clientWidth;
    const ch = this._container.clientHeight;
    const visitedOutOfView = this._cy.nodes('.visited').filter((n) => {
      const r = n.renderedBoundingBox({ includeLabels: true, includeOverlays: false, includeUnderlays: false });
      return r.x1 < 0 || r.y1 < 0 || r.x2 > cw || r.y2 > ch;
    }).map((n) => n.id());
    // edge labels another arrow's line is drawn across (the label's box shrunk by its background's padding)
    const lines = this._cy.edges().filter((e) => e.source().id() !== e.target().id())
      .map((e) => ({ id: e.id(), path: ChoreoGraph._drawnPath(e) }));
    const labelsCrossedByArrows = labelled.filter((e) => e.source().id() !== e.target().id()).filter((e, i) => {
      const label = grown(e.boundingBox({ includeLabels: true, includeMainLabels: true, includeEdges: false,
        includeNodes: false, includeOverlays: false, includeUnderlays: false }), -2);
      return label.x2 > label.x1 && lines.some((l) => l.id !== e.id()
        && l.path.slice(1).some((q, k) => segmentHits(l.path[k], q, label)));
    }).map((e) => e.id());
    // arrows drawn across the box of a step or service that is not one of their ends
    const boxes = this._cy.nodes().map((n) => ({ id: n.id(),
      b: grown(n.boundingBox({ includeLabels: true, includeOverlays: false, includeUnderlays: false }), -2) }));
    const arrowsThroughBoxes = this._cy.edges().filter((e) => e.source().id() !== e.target().id()).filter((e) => {
      const path = ChoreoGraph._drawnPath(e);
      return boxes.some((o) => o.id !== e.source().id() && o.id !== e.target().id()
        && path.slice(1).some((q, i) => segmentHits(path[i], q, o.b)));
    }).map((e) => e.id());
    // pairs of arrows whose lines cross outside every box
    const arrowCrossings = [];
    const boxAreas = boxes.map((o) => o.b);
    lines.forEach((l, i) => lines.slice(i + 1).forEach((m) => {
      if (pathCrossings(l.path, m.path, boxAreas) > 0) {
        arrowCrossings.push(`${l.id} x ${m.id}`);
      }
    }));
    return {
      zoom: z,
      arrowCrossings,
      arrowsThroughBoxes,
      labelsCrossedByArrows,
      faded: this._cy.elements('.faded').map((e) => e.id()),
      visitedOutOfView,
      overlappingEdgeLabels,
      parts: this._cy.elements().components().length,
      width: bb.w,
      height: bb.h,
      boxWidth: this._container.clientWidth,
      boxHeight: this._container.clientHeight,
      labelsUnderNodes,
      minNodeLabelPx: Math.min(...sizes(this._cy.nodes())),
      minEdgeLabelPx: labelled.length ? Math.min(...sizes(labelled)) : null,
      nodes: this._cy.nodes().length,
      edges: this._cy.edges().length,
      positions,
    };
  }

  /**
   * How edge `e` is drawn, in model coordinates: its start and its pieces, each a straight leg to `end` or, with a
   * control point `c`, a quadratic curve (several control points: quadratic pieces joined at the midpoints between
   * them, as cytoscape draws them); null when it is not drawn (its ends overlap). The SVG export and the checks read it.
   */
  static _pieces(e) {
    const s = e.sourceEndpoint();
    const t = e.targetEndpoint();
    if (![s, t].every((p) => p && Number.isFinite(p.x) && Number.isFinite(p.y))) {
      return null;
    }
    const sps = e.segmentPoints() || [];
    if (sps.length) {
      return { start: s, pieces: [...sps, t].map((end) => ({ end })) };
    }
    const cps = e.controlPoints() || [];
    if (!cps.length) {
      return { start: s, pieces: [{ end: t }] };
    }
    return { start: s, pieces: cps.map((c, i) => ({ c,
      end: i === cps.length - 1 ? t : { x: (c.x + cps[i + 1].x) / 2, y: (c.y + cps[i + 1].y) / 2 } })) };
  }

  /** The line edge `e` is drawn as: its points, curves sampled; empty when it is not drawn. */
  static _drawnPath(e) {
    const drawn = ChoreoGraph._pieces(e);
    if (!drawn) {
      return [];
    }
    const path = [drawn.start];
    drawn.pieces.forEach(({ c, end }) => {
      const from = path[path.length - 1];
      for (let k = 1; c && k < 16; k++) {
        const u = k / 16;
        path.push({ x: (1 - u) * (1 - u) * from.x + 2 * u * (1 - u) * c.x + u * u * end.x,
          y: (1 - u) * (1 - u) * from.y + 2 * u * (1 - u) * c.y + u * u * end.y });
      }
      path.push(end);
    });
    return path;
  }

  connectedCallback() {
    if (!this._container) {
      this._container = document.createElement('div');
      this._container.className = 'choreo-graph-canvas';
      this._container.style.position = 'absolute';
      this._container.style.inset = '0';
      this.appendChild(this._container);
      this.style.position = this.style.position || 'relative';
      this.style.display = 'block';
    }
    // Follow light/dark switches (Lumo sets theme="dark" on the document element or body).
    this._themeObserver = new MutationObserver(() => this._restyle());
    this._themeObserver.observe(document.documentElement, { attributes: true, attributeFilter: ['theme'] });
    this._themeObserver.observe(document.body, { attributes: true, attributeFilter: ['theme'] });
    // Until the person pans or zooms, keep the whole graph in view when the box changes size; separate parts are
    // packed again for the new box's shape (rows that suited a wide box leave a narrow one mostly empty).
    this._resizeObserver = new ResizeObserver(() => {
      if (this._cy) {
        this._cy.resize();
        if (!this._userMoved) {
          if (this._packed) {
            this._packComponents();
          }
          this._fitAll();
        }
      }
    });
    this._container.addEventListener('wheel', () => { this._userMoved = true; }, { passive: true });
    this._container.addEventListener('pointerdown', () => { this._userMoved = true; });
    // Cytoscape keeps where its box is on the page and forgets it only when the window resizes or scrolls; the app's
    // page scrolls inside its layout, not the window, so after scrolling down a tall dependency map a click hit the
    // element that had been under the pointer before (a test clicking the bottom service opened an arrow three layers
    // up). It is measured again before every pointer event reaches cytoscape (capture phase, the same box).
    const remeasure = () => {
      const r = this._cy && this._cy.renderer();
      if (r && typeof r.invalidateContainerClientCoordsCache === 'function') {
        r.invalidateContainerClientCoordsCache();
      }
    };
    for (const type of ['pointerdown', 'pointermove', 'mousedown', 'wheel', 'touchstart']) {
      this._container.addEventListener(type, remeasure, { capture: true, passive: true });
    }
    this._resizeObserver.observe(this);
    this._render();
  }

  disconnectedCallback() {
    this._themeObserver && this._themeObserver.disconnect();
    this._resizeObserver && this._resizeObserver.disconnect();
    if (this._cy) {
      this._cy.destroy();
      this._cy = null;
    }
  }

  set graph(json) {
    this._graph = json ? JSON.parse(json) : null;
    this._render();
  }

  get graph() {
    return this._graph ? JSON.stringify(this._graph) : '';
  }

  set selected(id) {
    this._selected = id || '';
    this._applySelection();
  }

  get selected() {
    return this._selected;
  }

  /** The drawn node or edge with this ID, or null. */
  _element(id) {
    const el = this._cy ? this._cy.getElementById(id) : null;
    return el && !el.empty() ? el : null;
  }

  /** Where a node's centre or an edge's midpoint is drawn, in the box's coordinates. */
  static _at(el) {
    return el.isNode() ? el.renderedPosition() : el.renderedMidpoint();
  }

  /** Page coordinates of a node's or edge's centre, or null; used by the browser tests to click. */
  positionOf(id) {
    const el = this._element(id);
    if (!el) {
      return null;
    }
    const p = ChoreoGraph._at(el);
    const r = this._container.getBoundingClientRect();
    return { x: r.left + p.x, y: r.top + p.y };
  }

  /** Re-fits the whole graph into view. */
  fit() {
    this._userMoved = false;
    this._fitAll();
  }

  _fitAll() {
    if (!this._cy) {
      return;
    }
    this._cy.fit(undefined, FIT_MARGIN);
    // small graphs would be blown up: cap the zoom and centre instead
    if (this._cy.zoom() > 1.25) {
      this._cy.zoom(1.25);
      this._cy.center();
    }
    // never shrink text below MIN_LABEL_PX: start at the left and let the graph scroll instead; an instance's graph
    // (the whole model, faded, under its path) shows the instance's own steps first
    const floor = this._floor();
    if (this._cy.zoom() < floor) {
      this._cy.zoom(floor);
      const focus = this._cy.nodes('.visited, .expected, .unexpected');
      const bb = (focus.nonempty() ? focus : this._cy.elements()).boundingBox();
      const w = this._container.clientWidth;
      const h = this._container.clientHeight;
      // centred along a side that fits, from its start along one that does not; an instance's path that does not fit
      // shows its end (where it is now, what it waits for: the reason one opens it)
      const x = bb.w * floor < w ? (w - bb.w * floor) / 2 - bb.x1 * floor
        : focus.nonempty() ? w - FIT_MARGIN - bb.x2 * floor : FIT_MARGIN - bb.x1 * floor;
      const y = bb.h * floor < h ? (h - bb.h * floor) / 2 - bb.y1 * floor : FIT_MARGIN - bb.y1 * floor;
      this._cy.pan({ x, y });
    }
  }

  _colors() {
    const c = (v, f) => resolveColor(this, v, f);
    return {
      text: c('var(--lumo-body-text-color)', '#1a1a1a'),
      secondary: c('var(--lumo-secondary-text-color)', '#555'),
      base: c('var(--lumo-base-color)', '#fff'),
      surface: c('var(--lumo-contrast-5pct)', '#f3f4f6'),
      line: c('var(--lumo-contrast-40pct)', '#999'),
      border: c('var(--lumo-contrast-50pct)', '#777'),
      primary: c('var(--lumo-primary-color)', '#1676f3'),
      completed: c('var(--cs-completed)', '#16a34a'),
      compensated: c('var(--cs-compensated)', '#d97706'),
      failed: c('var(--cs-failed)', '#dc2626'),
      stuck: c('var(--cs-stuck)', '#7c3aed'),
      schema: c('var(--cs-schema)', '#0e7490'),
      running: c('var(--cs-running)', '#2563eb'),
      nodeBg: c('var(--cs-node-bg)', '#fff'),
      visitedBg: c('var(--cs-visited-bg)', '#e8f0fe'),
      compensationBg: c('var(--cs-compensation-bg)', '#fff7e6'),
      failureBg: c('var(--cs-failure-bg)', '#fdecec'),
      topicBg: c('var(--cs-topic-bg)', '#fff7e6'),
      serviceBg: c('var(--cs-service-bg)', '#e8f0fe'),
    };
  }

  _style() {
    const k = this._colors();
    return [
      { selector: 'node', style: {
        'shape': 'round-rectangle', 'width': 'data(w)', 'height': 'data(h)',
        'background-color': k.nodeBg, 'border-width': 1.5, 'border-color': k.border,
        'label': 'data(label)', 'text-wrap': 'wrap', 'text-valign': 'center', 'text-halign': 'center',
        'font-family': FONT_FAMILY, 'font-size': NODE_FONT,
        'color': k.text, 'line-height': 1.3,
      } },
      { selector: 'node.start', style: { 'border-color': k.running, 'border-width': 2.5 } },
      { selector: 'node.end', style: { 'border-color': k.completed, 'border-width': 4, 'border-style': 'double' } },
      { selector: 'node.compensation', style: { 'border-color': k.compensated, 'border-width': 2.5,
        'background-color': k.compensationBg } },
      { selector: 'node.failure', style: { 'border-color': k.failed, 'border-width': 2.5,
        'background-color': k.failureBg } },
      // a step whose schema changed inside the window (issue 18); its label says so too
      { selector: 'node.schema-changed', style: { 'border-color': k.schema, 'border-width': 4, 'border-style': 'dashed' } },
      { selector: 'node.stuck', style: { 'border-color': k.stuck, 'border-width': 4,
        'underlay-color': k.stuck, 'underlay-opacity': 0.18, 'underlay-padding': 7, 'underlay-shape': 'round-rectangle' } },
      { selector: 'node.visited', style: { 'border-color': k.running, 'border-width': 3,
        'background-color': k.visitedBg, 'font-weight': 'bold' } },
      { selector: 'node.expected', style: { 'border-color': k.running, 'border-style': 'dashed', 'border-width': 2.5 } },
      { selector: 'node.unexpected', style: { 'border-color': k.failed, 'border-style': 'dashed', 'border-width': 3 } },
      { selector: 'node.dim', style: { 'opacity': 0.45 } },
      { selector: 'node.service', style: { 'background-color': k.serviceBg, 'border-color': k.running } },
      // several services drawn as one box (the dependency map's fold): a double line, as a stack
      { selector: 'node.folded', style: { 'border-style': 'double', 'border-width': 4 } },
      { selector: 'node.topic', style: { 'shape': 'barrel', 'background-color': k.topicBg, 'border-color': k.compensated } },
      { selector: 'node:selected', style: { 'overlay-color': k.primary, 'overlay-opacity': 0.16, 'overlay-padding': 6,
        'border-color': k.primary, 'border-width': 4 } },
      { selector: 'edge', style: {
        'curve-style': 'bezier', 'width': 'data(width)', 'line-color': k.line,
        'target-arrow-shape': 'triangle', 'target-arrow-color': k.line, 'arrow-scale': 0.9,
        'label': 'data(label)', 'font-size': DAGRE_EDGE_FONT, 'color': k.secondary, 'text-wrap': 'wrap',
        'text-background-color': k.base, 'text-background-opacity': 0.9, 'text-background-padding': 2,
        'text-background-shape': 'round-rectangle',
      } },
      { selector: 'edge.compensation', style: { 'line-color': k.compensated, 'target-arrow-color': k.compensated,
        'line-style': 'dashed' } },
      { selector: 'edge.failure', style: { 'line-color': k.failed, 'target-arrow-color': k.failed } },
      { selector: 'edge.path', style: { 'line-color': k.running, 'target-arrow-color': k.running, 'z-index': 10,
        'color': k.running, 'font-weight': 'bold' } },
      { selector: 'edge.expected', style: { 'line-color': k.running, 'target-arrow-color': k.running,
        'line-style': 'dashed', 'opacity': 0.8 } },
      { selector: 'edge.unexpected', style: { 'line-color': k.failed, 'target-arrow-color': k.failed,
        'line-style': 'dashed' } },
      { selector: 'edge.dim', style: { 'opacity': 0.35 } },
      { selector: '.faded', style: { 'opacity': 0.18 } },
      { selector: 'node.elk', style: { 'font-size': NODE_FONT } },
      { selector: 'edge.elk', style: { 'font-size': EDGE_FONT, 'text-background-padding': 3 } },
      { selector: 'edge.back', style: { 'curve-style': 'unbundled-bezier', 'control-point-distances': 'data(arc)',
        'control-point-weights': 0.5, 'line-style': 'dashed' } },
      { selector: 'edge.loop', style: { 'curve-style': 'bezier', 'loop-direction': '0deg', 'loop-sweep': '-60deg',
        'control-point-step-size': 60 } },
      { selector: 'edge.bottleneck', style: { 'line-color': k.failed, 'target-arrow-color': k.failed, 'color': k.failed,
        'font-weight': 'bold' } },
      { selector: 'node.bottleneck', style: { 'border-color': k.failed, 'border-width': 4 } },
      // the dependency map's dead letters (a queue's messages the broker gave up on); the label says so too
      { selector: 'edge.dead-letters', style: { 'line-color': k.failed, 'target-arrow-color': k.failed, 'color': k.failed,
        'line-style': 'dashed', 'target-arrow-shape': 'tee' } },
      // comparison of two windows: told by line style and by the label's text too (NEW, GONE, a -> b), not by colour only
      { selector: 'node.added', style: { 'border-color': k.completed, 'border-width': 4, 'border-style': 'solid' } },
      { selector: 'node.gone', style: { 'border-color': k.failed, 'border-width': 3, 'border-style': 'dashed',
        'background-color': k.failureBg } },
      { selector: 'node.changed', style: { 'border-color': k.compensated, 'border-width': 4, 'border-style': 'double' } },
      { selector: 'edge.added', style: { 'line-color': k.completed, 'target-arrow-color': k.completed, 'line-style': 'solid',
        'color': k.completed, 'font-weight': 'bold' } },
      { selector: 'edge.gone', style: { 'line-color': k.failed, 'target-arrow-color': k.failed, 'line-style': 'dashed',
        'line-dash-pattern': [8, 5], 'color': k.failed, 'font-weight': 'bold' } },
      { selector: 'edge.changed', style: { 'line-color': k.compensated, 'target-arrow-color': k.compensated,
        'line-style': 'dotted', 'color': k.compensated, 'font-weight': 'bold' } },
      { selector: 'edge:selected', style: { 'line-color': k.primary, 'target-arrow-color': k.primary,
        'overlay-color': k.primary, 'overlay-opacity': 0.12, 'overlay-padding': 4 } },
    ];
  }

  _render() {
    if (!this.isConnected || !this._container || !this._graph) {
      return;
    }
    const g = this._graph;
    const seq = ++this._renderSeq;
    if (this._layout === 'elk') {
      this.removeAttribute('data-rendered');
      this._elkPositions(g).then((pos) => {
        if (seq === this._renderSeq) {
          this._draw(g, pos);
        }
      }, (err) => {
        console.error('ELK layout failed, falling back to dagre', err);
        if (seq === this._renderSeq) {
          this._draw(g, null);
        }
      });
      return;
    }
    this._draw(g, null);
  }

  /** Node centres from ELK layered, by node ID. */
  async _elkPositions(g) {
    const scale = NODE_FONT / 12; // GraphData sizes boxes for 12 px text
    // ELK refuses a FIRST node that an edge enters, or a LAST node that an edge leaves (UnsupportedConfigurationException,
    // and the map fell back to dagre): such a start or end is laid out where its edges put it
    const entered = new Set(g.edges.filter((e) => e.data.source !== e.data.target).map((e) => e.data.target));
    const left = new Set(g.edges.filter((e) => e.data.source !== e.data.target).map((e) => e.data.source));
    const children = g.nodes.map((n) => {
      const cls = ' ' + (n.classes || '') + ' ';
      const opts = {};
      if (cls.includes(' start ') && !entered.has(n.data.id)) {
        opts['elk.layered.layering.layerConstraint'] = 'FIRST';
      } else if (cls.includes(' end ') && !left.has(n.data.id)) {
        opts['elk.layered.layering.layerConstraint'] = 'LAST';
      }
      return { id: n.data.id, width: n.data.w * scale, height: n.data.h * scale, layoutOptions: opts };
    });
    const edges = g.edges.filter((e) => e.data.source !== e.data.target).map((e) => {
      const main = (' ' + (e.classes || '') + ' ').includes(' main ');
      // labels are drawn on the line (between layers, see nodeNodeBetweenLayers), not given to ELK: label dummy
      // nodes would add a layer per label and make the map twice as wide
      return {
        id: e.data.id, sources: [e.data.source], targets: [e.data.target],
        layoutOptions: {
          'elk.layered.priority.straightness': main ? '20' : '1',
          'elk.layered.priority.direction': main ? '20' : '0',
        },
      };
    });
    // Labels sit on their arrows between two layers: leave room for the widest one and an arrow head on each side,
    // so that no step's box hides part of a label ("1,159 · 88%" lost its "1," under the boxes at a fixed 64 px).
    const widest = Math.max(0, ...g.edges.filter((e) => e.data.source !== e.data.target)
      .map((e) => labelWidth(e.data.label, EDGE_FONT)));
    const between = Math.max(64, Math.ceil(widest + 40));
    const laid = await elk.layout({
      id: 'root',
      layoutOptions: {
        'elk.algorithm': 'layered',
        'elk.direction': 'RIGHT',
        'elk.layered.spacing.nodeNodeBetweenLayers': String(between),
        'elk.spacing.nodeNode': '36',
        'elk.spacing.edgeNode': '18',
        'elk.layered.cycleBreaking.strategy': 'MODEL_ORDER',
        'elk.layered.considerModelOrder.strategy': 'NODES_AND_EDGES',
        'elk.layered.nodePlacement.strategy': 'BRANDES_KOEPF',
        'elk.layered.nodePlacement.bk.fixedAlignment': 'BALANCED',
        'elk.layered.crossingMinimization.semiInteractive': 'false',
      },
      children,
      edges,
    });
    const pos = {};
    laid.children.forEach((c) => { pos[c.id] = { x: c.x + c.width / 2, y: c.y + c.height / 2 }; });
    return pos;
  }

  _draw(g, pos) {
    if (this._cy) {
      this._cy.destroy();
    }
    const elkMode = pos !== null;
    const scale = NODE_FONT / 12;
    const nodes = g.nodes.map((n) => elkMode
      ? { data: { ...n.data, w: n.data.w * scale, h: n.data.h * scale }, classes: (n.classes || '') + ' elk',
        position: pos[n.data.id] }
      : n);
    const edges = g.edges.map((e) => {
      if (!elkMode) {
        return e;
      }
      let classes = (e.classes || '') + ' elk';
      const a = pos[e.data.source];
      const b = pos[e.data.target];
      let arc = 0;
      if (e.data.source === e.data.target) {
        classes += ' loop';
      } else if (a && b && b.x <= a.x + 1) {
        // back edge (loop, out-of-order pair): an arc above the line, higher for longer spans
        classes += ' back';
        arc = -Math.min(160, 40 + Math.abs(a.x - b.x) * 0.18);
      }
      return { data: { ...e.data, arc }, classes };
    });
    this._cy = cytoscape({
      container: this._container,
      elements: { nodes, edges },
      style: this._style(),
      layout: elkMode ? { name: 'preset', fit: false }
        : { name: 'dagre', rankDir: g.rankDir || 'LR', nodeSep: 28, rankSep: g.rankSep || 80, edgeSep: 14, fit: false },
      minZoom: 0.2,
      maxZoom: 3,
      wheelSensitivity: 0.25,
      boxSelectionEnabled: false,
      selectionType: 'single',
    });
    this._packed = !elkMode;
    this._routeAroundNodes();
    if (this._packed) {
      this._packComponents();
    }
    this._placeEdgeLabels();
    this._cy.autoungrabify(true);
    this._cy.on('tap', 'node', (e) => this._fire('graph-node-click', e.target.id()));
    this._cy.on('tap', 'edge', (e) => this._fire('graph-edge-click', e.target.id()));
    this._cy.on('tap', (e) => {
      if (e.target === this._cy && this._focusNeighbours && this._selected) {
        this._selected = '';
        this._applySelection();
      }
    });
    // hover tips (data.tip, plain text: set as textContent, never parsed as HTML)
    this._cy.on('mouseover', 'node, edge', (e) => this._showTip(e.target));
    this._cy.on('mouseout', 'node, edge', () => this._hideTip());
    this._cy.on('viewport', () => this._hideTip());
    this._applySelection();
    this._userMoved = false;
    this._fitAll();
    requestAnimationFrame(() => {
      if (this._cy) {
        this._cy.resize();
        this._fitAll();
      }
    });
    this.setAttribute('data-nodes', String(g.nodes.length));
    this.setAttribute('data-edges', String(g.edges.length));
    this.setAttribute('data-rendered', 'true');
  }

  /**
   * Dagre puts a graph's separate parts (the dependency map of three unrelated flows) side by side in one row, which
   * "fit" then shrinks to unreadable text in a box that is not that wide. This packs the parts into rows (tallest
   * first), trying every row width from one part a row to all in one, and keeps the packing that "fit" can draw
   * largest in the box. Where that is below the label floor and the element may grow (`growTo`), it keeps the packing
   * that is drawn at the floor in the box's width with the least height, and grows to that height.
   */
  _packComponents() {
    const parts = this._cy.elements().components();
    if (parts.length < 2) {
      this._growFor(parts.length === 1 ? parts[0].boundingBox({ includeLabels: true }) : null);
      return;
    }
    const boxW = this._container.clientWidth || 4;
    const boxH = this._growTo > 0 ? this._baseBoxHeight() : (this._container.clientHeight || 3);
    const gap = 48;
    const items = parts.map((c) => ({ c, bb: c.boundingBox({ includeLabels: true }) }))
      .sort((a, b) => b.bb.h - a.bb.h);
    // Shelf packing with rows at most rowWidth wide: each part's top-left corner, and the size of the whole.
    const pack = (rowWidth) => {
      const at = [];
      let x = 0;
      let y = 0;
      let rowHeight = 0;
      let width = 0;
      for (const i of items) {
        if (x > 0 && x + i.bb.w > rowWidth) {
          x = 0;
          y += rowHeight + gap;
          rowHeight = 0;
        }
        at.push({ x, y });
        width = Math.max(width, x + i.bb.w);
        x += i.bb.w + gap;
        rowHeight = Math.max(rowHeight, i.bb.h);
      }
      return { at, width, height: y + rowHeight };
    };
    const widestPart = Math.max(...items.map((i) => i.bb.w));
    const pad = 2 * FIT_MARGIN;
    let best = null;
    const packings = [];
    let rowWidth = 0;
    for (const i of items) {
      rowWidth += (rowWidth > 0 ? gap : 0) + i.bb.w;
      const p = pack(Math.max(rowWidth, widestPart));
      const zoom = Math.min((boxW - pad) / p.width, (boxH - pad) / p.height);
      packings.push({ ...p, zoom });
      if (!best || zoom > best.zoom) {
        best = packings[packings.length - 1];
      }
    }
    const floor = this._floor();
    if (this._growTo > 0 && best.zoom < floor) {
      // the least height among the packings whose width is drawn at the floor; else the narrowest (it scrolls)
      const wide = packings.filter((p) => (boxW - pad) / p.width >= floor);
      best = wide.length ? wide.reduce((a, b) => (b.height < a.height ? b : a))
        : packings.reduce((a, b) => (b.width < a.width ? b : a));
    }
    this._growFor(this._growTo > 0 ? { w: best.width, h: best.height } : null);
    items.forEach((i, k) => {
      const dx = best.at[k].x - i.bb.x1;
      const dy = best.at[k].y - i.bb.y1;
      i.c.nodes().positions((n) => ({ x: n.position('x') + dx, y: n.position('y') + dy }));
    });
  }

  /**
   * The layouts place the boxes; cytoscape then draws each arrow straight between its two ends, whatever lies between
   * (a dagre back edge through the service laid out between its ends, ELK's straight arrow from a start to the last
   * reaction of a fan-out across the corner of a sibling's box). An arrow that would cross another box is bent around
   * the boxes in its way: through one waypoint beside them where two straight legs clear every box with a mild bend,
   * else through two (one before the boxes in its way, one after, never beside its own ends, where the arrow would turn
   * back into its end), drawn with rounded corners. Of the detours that clear every box it takes one crossing the
   * fewest other arrows (as drawn so far), and of those the smaller detour (the other side, or a wider detour, when
   * that would cross a box); detours past the same boxes run side by side, not on one line. Arrows
   * drawn as arcs (back edges of flow maps) and loops keep their shape; an arrow that no detour tried clears stays
   * straight. Runs before the separate parts are packed: moving a part moves its arrows.
   */
  _routeAroundNodes() {
    const margin = 10;
    const boxes = this._cy.nodes().map((n) => ({ id: n.id(), b: grown(n.boundingBox({ includeLabels: true }), margin) }));
    const crosses = (p, q, skip) => boxes.some((o) => !skip.has(o.id) && segmentHits(p, q, o.b));
    const boxAreas = boxes.map((o) => o.b);
    let routed = 0;
    const pairs = new Map(); // arrows between the same two boxes (both ways) bent apart, not on top of each other
    const detours = []; // the flat legs of the two-waypoint detours placed so far
    this._cy.edges().forEach((e) => {
      const src = e.source();
      const tgt = e.target();
      if (src.id() === tgt.id() || e.hasClass('back')) {
        return;
      }
      const a = src.position();
      const b = tgt.position();
      const skip = new Set([src.id(), tgt.id()]);
      const inWay = boxes.filter((o) => !skip.has(o.id) && segmentHits(a, b, o.b));
      const len = Math.hypot(b.x - a.x, b.y - a.y);
      if (!inWay.length || len < 1) {
        return;
      }
      // along: from a towards b; across: to the left of that line
      const u = { x: (b.x - a.x) / len, y: (b.y - a.y) / len };
      const n = { x: -u.y, y: u.x };
      const project = (o) => [[o.b.x1, o.b.y1], [o.b.x2, o.b.y1], [o.b.x1, o.b.y2], [o.b.x2, o.b.y2]]
        .map(([x, y]) => ({ along: (x - a.x) * u.x + (y - a.y) * u.y, across: (x - a.x) * n.x + (y - a.y) * n.y }));
      const corners = inWay.flatMap(project);
      const own = boxes.filter((o) => skip.has(o.id));
      // where the line leaves the source's box and enters the target's: waypoints go between
      const leaves = Math.max(...project(own.find((o) => o.id === src.id())).map((c) => c.along));
      const enters = Math.min(...project(own.find((o) => o.id === tgt.id())).map((c) => c.along));
      const entry = Math.max(leaves, Math.min(...corners.map((c) => c.along)));
      const exit = Math.min(enters, Math.max(...corners.map((c) => c.along)));
      const sides = [1, -1].map((side) => ({ side, h: Math.max(...corners.map((c) => side * c.across)) }))
        .sort((x, y) => x.h - y.h);
      const at = (along, across) => ({ x: a.x + u.x * along + n.x * across, y: a.y + u.y * along + n.y * across });
      const inEnd = (w) => own.some((o) => w.x > o.b.x1 && w.x < o.b.x2 && w.y > o.b.y1 && w.y < o.b.y2);
      const clear = (points) => {
        const path = [a, ...points, b];
        return !points.some(inEnd) && path.slice(1).every((q, i) => !crosses(path[i], q, skip));
      };
      const pair = [src.id(), tgt.id()].sort().join('\u0000');
      const before = pairs.get(pair) || 0;
      const middle = (entry + exit) / 2;
      // one waypoint: the legs' offset falls linearly to the ends, so it stands out by what the corners need there;
      // only a mild bend (a single waypoint far out makes a tent over the whole map, two keep the detour flat)
      const singles = sides.map(({ side, h }) => ({ side, h, need: Math.max(...corners.map((c) => {
        const f = c.along <= middle ? c.along / middle : (len - c.along) / (len - middle);
        return f > 0.05 ? side * c.across / Math.min(1, f) : Infinity;
      })) })).filter((x) => Number.isFinite(x.need) && x.need <= 1.6 * x.h + 10);
      const tries = [];
      for (const extra of [0, 24, 60].map((x) => x + 16 * before)) {
        singles.forEach(({ side, need }) => tries.push({ weights: [middle / len], off: side * (need + extra) }));
      }
      if (exit > entry) {
        for (const extra of [0, 14, 28, 42, 56, 70, 100].map((x) => x + 16 * before)) {
          for (const { side, h } of sides) {
            tries.push({ weights: [entry / len, exit / len], off: side * (h + extra) });
          }
        }
      }
      const clears = tries.filter((t) => clear(t.weights.map((w) => at(w * len, t.off))));
      // detours of several arrows past the same boxes run side by side, 12 px apart, rather than on one line
      const spaced = (t) => {
        const w = t.weights.map((f) => at(f * len, t.off));
        const mine = w.length === 2 ? [[w[0], w[1]]] : [];
        return mine.every(([p, q]) => [0, 0.25, 0.5, 0.75, 1].every((f) => {
          const m = { x: p.x + (q.x - p.x) * f, y: p.y + (q.y - p.y) * f };
          return detours.every(([c, d]) => pointToSegment(m, c, d) >= 12);
        }));
      };
      // of the detours that clear every box, those crossing the fewest other arrows (as drawn so far); of those, one
      // spaced from the detours before it; of those, the smallest (the order tried)
      const others = this._cy.edges().filter((o) => o.id() !== e.id() && o.source().id() !== o.target().id())
        .map((o) => ChoreoGraph._drawnPath(o));
      const crossed = new Map(clears.map((t) => [t, others.reduce((sum, o) => sum
        + pathCrossings([a, ...t.weights.map((w) => at(w * len, t.off)), b], o, boxAreas), 0)]));
      const fewest = Math.min(...crossed.values());
      const least = clears.filter((t) => crossed.get(t) === fewest);
      const found = least.find(spaced) || least[0];
      if (found) {
        this._bend(e, found.weights, found.off, at(found.weights[0] * len, found.off));
        if (found.weights.length === 2) {
          detours.push(found.weights.map((f) => at(f * len, found.off)));
        }
        pairs.set(pair, before + 1);
        routed++;
      }
    });
    this.setAttribute('data-routed-edges', String(routed));
  }

  /**
   * Draws edge `e` through waypoints at fractions `weights` of the way between its ends' centres, `offset` px beside
   * that line, the first of them at `first`. Cytoscape's sign for the side of a segment distance is read back from the
   * first point it places rather than assumed.
   */
  _bend(e, weights, offset, first) {
    const style = (d) => e.style({
      'curve-style': 'round-segments', 'segment-radius': 14, 'edge-distances': 'node-position',
      'segment-weights': weights, 'segment-distances': weights.map(() => d),
    });
    style(offset);
    const p = (e.segmentPoints() || [])[0];
    if (p && Math.hypot(p.x - first.x, p.y - first.y) > 1) {
      style(-offset);
    }
    e.addClass('routed');
  }

  /** The box's height before it grew: the height its page gave it. */
  _baseBoxHeight() {
    if (this._baseHeight === null) {
      this._baseHeight = this._container.clientHeight || 3;
    }
    return this._baseHeight;
  }

  /**
   * With `growTo` set, makes the element as tall as a graph of size `bb` (model px) needs to be drawn with labels at the
   * floor in the box's width, between the height its page gave it and `growTo`; a graph that fits stays in that.
   */
  _growFor(bb) {
    if (!(this._growTo > 0) || !bb) {
      return;
    }
    const base = this._baseBoxHeight();
    const boxW = this._container.clientWidth || 4;
    const pad = 2 * FIT_MARGIN;
    const floor = this._floor();
    const fitZoom = Math.min((boxW - pad) / bb.w, (base - pad) / bb.h);
    // drawn at the floor: the least height that keeps the labels readable
    const want = fitZoom >= floor ? base : Math.min(this._growTo, Math.max(base, Math.ceil(bb.h * floor + pad)));
    if (Math.abs(this.clientHeight - want) > 1) {
      this.style.height = `${want}px`;
    }
  }

  /**
   * Cytoscape draws every edge label at its edge's midpoint, where the labels of a fan-out (one topic, four consumers)
   * or of arrows that cross (a flow map in arrival order) lie on top of each other. Each label is moved along its own
   * edge to the first of the places every few px along it (the middle first, then alternately towards either end)
   * where it covers no node and no label placed before it; where every place is covered, it takes the one that covers
   * the fewest. Only the label moves (its text margin), never the edge.
   */
  _placeEdgeLabels() {
    const along = (a, b, f) => ({ x: a.x + (b.x - a.x) * f, y: a.y + (b.y - a.y) * f });
    const taken = this._cy.nodes().map((n) => n.boundingBox({ includeLabels: true }));
    // every arrow's drawn line: a label is better not crossed by another arrow (the line hides part of it, or the label
    // breaks the line, and it is unclear whose label it is), though a box or another label over it is worse
    const lines = this._cy.edges().filter((e) => e.source().id() !== e.target().id())
      .map((e) => ({ id: e.id(), path: ChoreoGraph._drawnPath(e) }));
    const crossings = (box, id) => lines.filter((l) => l.id !== id
      && l.path.slice(1).some((q, i) => segmentHits(l.path[i], q, box))).length;
    this._cy.edges().filter((e) => (e.data('label') || '') !== '' && e.source().id() !== e.target().id()).forEach((e) => {
      const label = e.boundingBox({ includeLabels: true, includeMainLabels: true, includeEdges: false,
        includeNodes: false, includeOverlays: false, includeUnderlays: false });
      const mid = e.midpoint();
      const from = e.sourceEndpoint();
      const to = e.targetEndpoint();
      if (![mid, from, to].every((p) => p && Number.isFinite(p.x) && Number.isFinite(p.y))) {
        return; // not drawn (its ends overlap): its label stays where cytoscape puts it
      }
      // an arrow bent around boxes: along its legs, by length
      const legs = e.hasClass('routed') ? ChoreoGraph._drawnPath(e) : null;
      const lengths = legs ? legs.slice(1).map((p, i) => Math.hypot(p.x - legs[i].x, p.y - legs[i].y)) : [];
      const length = legs ? lengths.reduce((x, y) => x + y, 0)
        : Math.hypot(mid.x - from.x, mid.y - from.y) + Math.hypot(to.x - mid.x, to.y - mid.y);
      const onLegs = (f) => {
        let rest = f * length;
        for (let i = 0; i < lengths.length; i++) {
          if (rest <= lengths[i] || i === lengths.length - 1) {
            return along(legs[i], legs[i + 1], lengths[i] > 0 ? Math.min(1, rest / lengths[i]) : 0);
          }
          rest -= lengths[i];
        }
        return mid;
      };
      // places from the middle outwards, alternately towards either end, every few px of the drawn line (at fixed
      // fractions only, a long arrow between busy boxes had no free place where its label's height would fit between
      // them), no nearer its ends than a tenth of it
      const step = Math.max(0.01, LABEL_STEP_PX / Math.max(1, length));
      const places = [0.5];
      for (let k = 1; k * step <= 0.4; k++) {
        places.push(0.5 + k * step, 0.5 - k * step);
      }
      let best = null;
      for (const f of places) {
        // on the drawn curve's two halves, so that a bent edge (one of a pair between two boxes) keeps its label on it
        const p = legs ? onLegs(f) : f <= 0.5 ? along(from, mid, f / 0.5) : along(mid, to, (f - 0.5) / 0.5);
        const box = { x1: p.x - label.w / 2, x2: p.x + label.w / 2, y1: p.y - label.h / 2, y2: p.y + label.h / 2 };
        const covered = taken.filter((b) => overlaps(box, b)).length;
        const crossed = !best || covered <= best.covered ? crossings(box, e.id()) : Infinity;
        if (!best || covered < best.covered || covered === best.covered && crossed < best.crossed) {
          best = { covered, crossed, p, box };
        }
        if (covered === 0 && crossed === 0) {
          break;
        }
      }
      if (best.p.x !== mid.x || best.p.y !== mid.y) {
        e.style({ 'text-margin-x': best.p.x - mid.x, 'text-margin-y': best.p.y - mid.y });
      }
      taken.push(best.box);
    });
  }

  _showTip(el) {
    const tip = el.data('tip');
    if (!tip) {
      this._hideTip();
      return;
    }
    if (!this._tip) {
      this._tip = document.createElement('div');
      this._tip.className = 'choreo-graph-tip';
      this._tip.setAttribute('role', 'tooltip');
      this.appendChild(this._tip);
    }
    this._tip.textContent = tip;
    const p = el.isNode() ? el.renderedPosition() : el.renderedMidpoint();
    const box = this.getBoundingClientRect();
    this._tip.style.left = Math.max(4, Math.min(p.x + 14, box.width - 280)) + 'px';
    this._tip.style.top = Math.max(4, p.y + 14) + 'px';
    this._tip.hidden = false;
    this.setAttribute('data-tip', el.id());
  }

  _hideTip() {
    if (this._tip) {
      this._tip.hidden = true;
    }
    this.removeAttribute('data-tip');
  }

  /** The tip text shown now, or '' (browser tests). */
  tipText() {
    return this._tip && !this._tip.hidden ? this._tip.textContent : '';
  }

  /**
   * The whole graph as it is drawn now (positions, colours, line styles, labels) as a standalone SVG document: boxes
   * as rounded rects, arrows as paths (arcs and loops included) with arrowheads, labels as text. Every label is
   * escaped, characters XML 1.0 does not allow are replaced, so the file is well-formed whatever the event types are.
   */
  toSvg(title) {
    if (!this._cy) {
      return '';
    }
    const cy = this._cy;
    const k = this._colors();
    const bb = cy.elements().boundingBox({ includeLabels: true, includeOverlays: false });
    const pad = 16;
    const x0 = bb.x1 - pad;
    const y0 = bb.y1 - pad;
    const w = Math.ceil(bb.w + 2 * pad);
    const h = Math.ceil(bb.h + 2 * pad);
    const num = (v) => (Math.round(v * 100) / 100).toString();
    const px = (v) => parseFloat(v) || 0;
    const font = 'Inter, Roboto, Segoe UI, Helvetica, Arial, sans-serif';
    const out = [];
    out.push('<?xml version="1.0" encoding="UTF-8"?>');
    out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="${num(x0)} ${num(y0)} ${w} ${h}" `
      + `font-family="${xml(font)}">`);
    out.push(`<title>${xml(title || 'choreoscope flow map')}</title>`);
    out.push(`<rect x="${num(x0)}" y="${num(y0)}" width="${w}" height="${h}" fill="${xml(k.base)}"/>`);
    const dash = (style, width) => style === 'dashed' ? ` stroke-dasharray="${num(width * 3 + 3)} ${num(width * 2 + 2)}"`
      : style === 'dotted' ? ` stroke-dasharray="${num(width)} ${num(width * 1.6 + 1)}"` : '';
    const textLines = (label, cx, cy0, size, color, weight, bg) => {
      const lines = String(label || '').split('\n');
      const lh = size * 1.3;
      const top = cy0 - (lines.length - 1) * lh / 2;
      const parts = [];
      if (bg) {
        const longest = Math.max(...lines.map((l) => l.length));
        const bw = longest * size * 0.58 + 6;
        const bh = lines.length * lh + 4;
        parts.push(`<rect x="${num(cx - bw / 2)}" y="${num(cy0 - bh / 2)}" width="${num(bw)}" height="${num(bh)}" rx="3" `
          + `fill="${xml(bg)}" fill-opacity="0.9"/>`);
      }
      parts.push(`<text x="${num(cx)}" y="${num(top)}" font-size="${num(size)}" fill="${xml(color)}" text-anchor="middle" `
        + `dominant-baseline="central"${weight && weight !== 'normal' ? ` font-weight="${xml(weight)}"` : ''}>`
        + lines.map((l, i) => `<tspan x="${num(cx)}" dy="${i === 0 ? 0 : num(lh)}">${xml(l)}</tspan>`).join('')
        + '</text>');
      return parts.join('');
    };
    cy.edges().forEach((e) => {
      const color = e.style('line-color');
      const width = px(e.style('width'));
      const opacity = px(e.style('opacity')) || 1;
      const drawn = ChoreoGraph._pieces(e);
      if (!drawn) {
        return; // not drawn on the screen either (its ends overlap)
      }
      let d = `M ${num(drawn.start.x)} ${num(drawn.start.y)}`;
      let last = drawn.start; // where the last piece comes from: the arrowhead points along it
      let t = drawn.start;
      drawn.pieces.forEach(({ c, end }) => {
        d += c ? ` Q ${num(c.x)} ${num(c.y)} ${num(end.x)} ${num(end.y)}` : ` L ${num(end.x)} ${num(end.y)}`;
        last = c || t;
        t = end;
      });
      out.push(`<g class="edge" opacity="${num(opacity)}"><title>${xml(e.id())}</title>`);
      out.push(`<path d="${d}" fill="none" stroke="${xml(color)}" stroke-width="${num(width)}"`
        + `${dash(e.style('line-style'), width)}/>`);
      // arrowhead at the target, along the last segment
      const ang = Math.atan2(t.y - last.y, t.x - last.x);
      const size = Math.max(7, width * 1.6 + 5);
      const a = (da) => `${num(t.x - size * Math.cos(ang + da))},${num(t.y - size * Math.sin(ang + da))}`;
      out.push(`<polygon points="${num(t.x)},${num(t.y)} ${a(0.45)} ${a(-0.45)}" fill="${xml(e.style('target-arrow-color'))}"/>`);
      const label = e.data('label');
      if (label) {
        const m = e.midpoint();
        out.push(textLines(label, m.x, m.y, px(e.style('font-size')) || 12, e.style('color'), e.style('font-weight'), k.base));
      }
      out.push('</g>');
    });
    cy.nodes().forEach((n) => {
      const p = n.position();
      const nw = n.width();
      const nh = n.height();
      const bw = px(n.style('border-width'));
      out.push(`<g class="node" opacity="${num(px(n.style('opacity')) || 1)}"><title>${xml(n.id())}</title>`);
      out.push(`<rect x="${num(p.x - nw / 2)}" y="${num(p.y - nh / 2)}" width="${num(nw)}" height="${num(nh)}" rx="6" `
        + `fill="${xml(n.style('background-color'))}" stroke="${xml(n.style('border-color'))}" stroke-width="${num(bw)}"`
        + `${dash(n.style('border-style'), bw)}/>`);
      out.push(textLines(n.data('label'), p.x, p.y, px(n.style('font-size')) || 12, n.style('color'), n.style('font-weight'), null));
      out.push('</g>');
    });
    out.push('</svg>');
    return out.join('\n');
  }

  /** The whole graph as a PNG blob (2x, the page's background), or null when nothing is drawn. */
  toPngBlob() {
    if (!this._cy) {
      return null;
    }
    return this._cy.png({ output: 'blob', full: true, scale: 2, maxWidth: 8000, maxHeight: 8000, bg: this._colors().base });
  }

  /** Saves the drawn graph as `svg` or `png` under `name` (a download, made in the browser). */
  download(format, name) {
    const blob = format === 'png' ? this.toPngBlob()
      : new Blob([this.toSvg(name)], { type: 'image/svg+xml;charset=utf-8' });
    if (!blob) {
      return false;
    }
    const url = URL.createObjectURL(blob);
    const a = document.createElement('a');
    a.href = url;
    a.download = name;
    a.style.display = 'none';
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 30000);
    return true;
  }

  _restyle() {
    if (this._cy) {
      this._cy.style(this._style());
    }
  }

  _applySelection() {
    if (!this._cy) {
      return;
    }
    this._cy.elements().unselect();
    this._cy.elements().removeClass('faded');
    const el = this._selected ? this._element(this._selected) : null;
    if (!el) {
      return;
    }
    el.select();
    if (this._focusNeighbours) {
      let keep = el.isNode() ? el.closedNeighborhood() : el.union(el.connectedNodes());
      keep.nodes('.topic').forEach((t) => { keep = keep.union(t.closedNeighborhood()); });
      this._cy.elements().difference(keep).addClass('faded');
    }
  }

  /**
   * Brings a node or edge into view: pans the graph when it is outside the box, then scrolls the page when the box's
   * part that shows it is not on screen (the dependency map may be taller than the window). For "find in the map".
   */
  reveal(id) {
    const el = this._element(id);
    if (!el) {
      return false;
    }
    const w = this._container.clientWidth;
    const h = this._container.clientHeight;
    let p = ChoreoGraph._at(el);
    if (p.x < FIT_MARGIN || p.x > w - FIT_MARGIN || p.y < FIT_MARGIN || p.y > h - FIT_MARGIN) {
      this._userMoved = true;
      this._cy.panBy({ x: w / 2 - p.x, y: h / 2 - p.y });
      p = ChoreoGraph._at(el);
    }
    const mark = document.createElement('div');
    mark.style.cssText = `position:absolute;left:${p.x - 1}px;top:${p.y - 60}px;width:2px;height:120px;pointer-events:none`;
    this._container.appendChild(mark);
    mark.scrollIntoView({ block: 'nearest', inline: 'nearest' });
    mark.remove();
    return true;
  }

  _fire(name, id) {
    this._selected = id;
    if (this._focusNeighbours) {
      this._applySelection();
    }
    this.dispatchEvent(new CustomEvent(name, { detail: { id }, bubbles: true, composed: true }));
  }
}

customElements.define('choreo-graph', ChoreoGraph);
