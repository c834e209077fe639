// <choreo-graph>: a cytoscape graph laid out by dagre (layers left to right), with pan and zoom.
// The server sets the `graph` property to a JSON string {nodes, edges, rankDir} (see GraphData.java)
// and `selected` to an element ID. Clicks are sent back as `graph-node-click` / `graph-edge-click`
// events with detail.id. Labels are drawn on a canvas: data never becomes HTML.
import cytoscape from 'cytoscape';
import dagre from 'cytoscape-dagre';

cytoscape.use(dagre);

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

class ChoreoGraph extends HTMLElement {
  constructor() {
    super();
    this._graph = null;
    this._selected = '';
    this._cy = null;
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
    // Until the person pans or zooms, keep the whole graph in view when the box changes size.
    this._resizeObserver = new ResizeObserver(() => {
      if (this._cy) {
        this._cy.resize();
        if (!this._userMoved) {
          this._fitAll();
        }
      }
    });
    this._container.addEventListener('wheel', () => { this._userMoved = true; }, { passive: true });
    this._container.addEventListener('pointerdown', () => { this._userMoved = true; });
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

  /** Page coordinates of a node's or edge's centre, or null; used by the browser tests to click. */
  positionOf(id) {
    if (!this._cy) {
      return null;
    }
    const el = this._cy.getElementById(id);
    if (!el || el.empty()) {
      return null;
    }
    const p = el.isNode() ? el.renderedPosition() : el.renderedMidpoint();
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
    this._cy.fit(undefined, 24);
    // small graphs would be blown up: cap the zoom and centre instead
    if (this._cy.zoom() > 1.25) {
      this._cy.zoom(1.25);
      this._cy.center();
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
        'font-family': 'Inter, Roboto, "Segoe UI", Helvetica, Arial, sans-serif', 'font-size': 12,
        'color': k.text, 'line-height': 1.3,
      } },
      { selector: 'node.start', style: { 'border-color': k.running, 'border-width': 2.5 } },
      { selector: 'node.end', style: { 'border-color': k.completed, 'border-width': 4, 'border-style': 'double' } },
      { selector: 'node.compensation', style: { 'border-color': k.compensated, 'border-width': 2.5,
        'background-color': k.compensationBg } },
      { selector: 'node.failure', style: { 'border-color': k.failed, 'border-width': 2.5,
        'background-color': k.failureBg } },
      { selector: 'node.stuck', style: { 'border-color': k.stuck, 'border-width': 4,
        'underlay-color': k.stuck, 'underlay-opacity': 0.18, 'underlay-padding': 7, 'underlay-shape': 'round-rectangle' } },
      { selector: 'node.visited', style: { 'border-color': k.running, 'border-width': 3,
        'background-color': k.visitedBg, 'font-weight': 'bold' } },
      { selector: 'node.expected', style: { 'border-color': k.running, 'border-style': 'dashed', 'border-width': 2.5 } },
      { selector: 'node.unexpected', style: { 'border-color': k.failed, 'border-style': 'dashed', 'border-width': 3 } },
      { selector: 'node.dim', style: { 'opacity': 0.45 } },
      { selector: 'node.service', style: { 'background-color': k.serviceBg, 'border-color': k.running } },
      { selector: 'node.topic', style: { 'shape': 'barrel', 'background-color': k.topicBg, 'border-color': k.compensated } },
      { selector: 'node:selected', style: { 'overlay-color': k.primary, 'overlay-opacity': 0.16, 'overlay-padding': 6,
        'border-color': k.primary, 'border-width': 4 } },
      { selector: 'edge', style: {
        'curve-style': 'bezier', 'width': 'data(width)', 'line-color': k.line,
        'target-arrow-shape': 'triangle', 'target-arrow-color': k.line, 'arrow-scale': 0.9,
        'label': 'data(label)', 'font-size': 10, 'color': k.secondary, 'text-wrap': 'wrap',
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
      { selector: 'edge:selected', style: { 'line-color': k.primary, 'target-arrow-color': k.primary,
        'overlay-color': k.primary, 'overlay-opacity': 0.12, 'overlay-padding': 4 } },
    ];
  }

  _render() {
    if (!this.isConnected || !this._container || !this._graph) {
      return;
    }
    if (this._cy) {
      this._cy.destroy();
    }
    const g = this._graph;
    this._cy = cytoscape({
      container: this._container,
      elements: { nodes: g.nodes, edges: g.edges },
      style: this._style(),
      layout: { name: 'dagre', rankDir: g.rankDir || 'LR', nodeSep: 28, rankSep: g.rankSep || 80, edgeSep: 14,
        fit: false },
      minZoom: 0.2,
      maxZoom: 3,
      wheelSensitivity: 0.25,
      boxSelectionEnabled: false,
      selectionType: 'single',
    });
    this._cy.autoungrabify(true);
    this._cy.on('tap', 'node', (e) => this._fire('graph-node-click', e.target.id()));
    this._cy.on('tap', 'edge', (e) => this._fire('graph-edge-click', e.target.id()));
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
    if (this._selected) {
      const el = this._cy.getElementById(this._selected);
      if (el && !el.empty()) {
        el.select();
      }
    }
  }

  _fire(name, id) {
    this._selected = id;
    this.dispatchEvent(new CustomEvent(name, { detail: { id }, bubbles: true, composed: true }));
  }
}

customElements.define('choreo-graph', ChoreoGraph);
