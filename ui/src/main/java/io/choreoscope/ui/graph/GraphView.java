package io.choreoscope.ui.graph;

import com.vaadin.flow.component.Component;
import com.vaadin.flow.component.ComponentEvent;
import com.vaadin.flow.component.ComponentEventListener;
import com.vaadin.flow.component.DomEvent;
import com.vaadin.flow.component.EventData;
import com.vaadin.flow.component.HasSize;
import com.vaadin.flow.component.HasStyle;
import com.vaadin.flow.component.Tag;
import com.vaadin.flow.component.dependency.JsModule;
import com.vaadin.flow.component.dependency.NpmPackage;
import com.vaadin.flow.shared.Registration;

/**
 * A directed graph drawn by cytoscape with the dagre layout (layers left to right), or ELK layered
 * ({@link #useLayeredLayout()}), with pan and zoom.
 * Clicking a node or an edge fires {@link NodeClickEvent} / {@link EdgeClickEvent} with its ID; the
 * client element is {@code src/main/frontend/choreo-graph.js}.
 */
@Tag("choreo-graph")
@NpmPackage(value = "cytoscape", version = "3.34.4")
@NpmPackage(value = "cytoscape-dagre", version = "4.0.1")
@NpmPackage(value = "elkjs", version = "0.12.1")
@JsModule("./choreo-graph.js")
public class GraphView extends Component implements HasSize, HasStyle {

    private GraphData data;

    public GraphView() {
        addClassName("graph-view");
        getElement().setAttribute("role", "img");
    }

    /**
     * Lays the graph out with ELK layered instead of dagre (flow maps): starts in the first column, ends in the
     * last, edges of class {@code main} straight, back edges as arcs, and "fit" that keeps labels at least 11 px.
     */
    public void useLayeredLayout() {
        getElement().setProperty("layout", "elk");
    }

    /**
     * Lets the graph grow taller than the height it was given, up to {@code maxPx}, where it could not otherwise be drawn
     * with labels of at least 11 px (the dependency map of several flows in a box a third of the screen wide: its text
     * was drawn at 6-7 px). Give it a fixed height to grow from ({@link #setHeight}).
     */
    public void growTo(int maxPx) {
        getElement().setProperty("growTo", maxPx);
    }

    /** Draws {@code data} (replacing what was there) and lays it out again. */
    public void setData(GraphData data) {
        this.data = data;
        getElement().setProperty("graph", data.toJson());
        getElement().setAttribute("aria-label", "Graph of " + data.nodes().size() + " nodes and "
                + data.edges().size() + " edges; the tables next to it list the same information");
    }

    public GraphData getData() {
        return data;
    }

    /**
     * Selecting a node fades all but what it talks to (its arrows, their ends, and through a topic the services on its
     * other side); for the dependency map, where a service's few neighbours are lost among dozens of arrows.
     */
    public void focusNeighboursOnSelect() {
        getElement().setProperty("focusNeighbours", true);
    }

    /** Brings a node or edge into view: pans the graph to it, and scrolls the page to the part that shows it. */
    public void reveal(String id) {
        getElement().callJsFunction("reveal", id);
    }

    /** Highlights one node or edge by ID (null clears), e.g. when it was picked from a table. */
    public void select(String id) {
        getElement().setProperty("selected", id == null ? "" : id);
    }

    public Registration addNodeClickListener(ComponentEventListener<NodeClickEvent> l) {
        return addListener(NodeClickEvent.class, l);
    }

    public Registration addEdgeClickListener(ComponentEventListener<EdgeClickEvent> l) {
        return addListener(EdgeClickEvent.class, l);
    }

    /** A node was clicked (or tapped). */
    @DomEvent("graph-node-click")
    public static class NodeClickEvent extends ComponentEvent<GraphView> {
        private final String id;

        public NodeClickEvent(GraphView source, boolean fromClient, @EventData("event.detail.id") String id) {
            super(source, fromClient);
            this.id = id;
        }

        public String getId() {
            return id;
        }
    }

    /** An edge was clicked (or tapped). */
    @DomEvent("graph-edge-click")
    public static class EdgeClickEvent extends ComponentEvent<GraphView> {
        private final String id;

        public EdgeClickEvent(GraphView source, boolean fromClient, @EventData("event.detail.id") String id) {
            super(source, fromClient);
            this.id = id;
        }

        public String getId() {
            return id;
        }
    }
}
