package io.choreoscope.ui.instance;

import java.time.Clock;
import java.time.Instant;
import java.util.List;

import com.vaadin.flow.component.grid.Grid;
import com.vaadin.flow.component.grid.GridVariant;
import com.vaadin.flow.router.RouterLink;

import io.choreoscope.model.flow.InstanceSnapshot;
import io.choreoscope.ui.shell.Formats;
import io.choreoscope.ui.shell.NameInUrl;
import io.choreoscope.ui.shell.StateBadge;

/**
 * A compact table of instances: correlation ID (a link, reachable with Tab), state, last event and its
 * age. Used wherever a view lists instances that passed somewhere.
 */
public class InstanceList extends Grid<InstanceSnapshot> {

    private final Clock clock;

    public InstanceList(Clock clock) {
        this(clock, true);
    }

    /** @param withLastEvent false for narrow places: leaves out the last event's type */
    public InstanceList(Clock clock, boolean withLastEvent) {
        this.clock = clock;
        addClassName("instance-list");
        addThemeVariants(GridVariant.LUMO_COMPACT, GridVariant.LUMO_ROW_STRIPES);
        addComponentColumn(InstanceList::link).setHeader("Correlation ID").setFlexGrow(2).setAutoWidth(true);
        addComponentColumn(s -> new StateBadge(s.state())).setHeader("State").setAutoWidth(true).setFlexGrow(0);
        if (withLastEvent) {
            addColumn(InstanceSnapshot::lastEventType).setHeader("Last event").setFlexGrow(2);
        }
        addColumn(s -> Formats.between(s.lastEventAt(), Instant.now(this.clock)) + " ago")
                .setHeader(withLastEvent ? "Last event age" : "Last event").setAutoWidth(true).setFlexGrow(0);
        setAllRowsVisible(false);
    }

    public void show(List<InstanceSnapshot> items) {
        setItems(items);
    }

    /** A link to the instance view. */
    public static RouterLink link(InstanceSnapshot s) {
        return link(s.correlationId());
    }

    public static RouterLink link(String correlationId) {
        RouterLink l = NameInUrl.link(InstanceView.class, InstanceView.ID_PARAMETER,
                InstanceView.ID_QUERY, correlationId);
        l.setText(correlationId);
        l.addClassName("mono");
        return l;
    }
}
