package io.choreoscope.ui.stuck;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import com.vaadin.flow.component.button.Button;
import com.vaadin.flow.component.button.ButtonVariant;
import com.vaadin.flow.component.html.Div;
import com.vaadin.flow.component.html.Span;
import com.vaadin.flow.component.icon.VaadinIcon;

import io.choreoscope.model.flow.InstanceSnapshot;
import io.choreoscope.ui.shell.Formats;
import io.choreoscope.ui.shell.Permissions;

/**
 * Stuck instances grouped by why they are stuck ("10 stuck: shipping consumed and produced nothing"), largest group
 * first: a click on a group shows only its instances (again: all), and "Replay group" replays the last event of each
 * of its instances (for people who may replay).
 */
class CauseGroups extends Div {
    private final Consumer<String> filter;
    private final Consumer<List<String>> replay;

    CauseGroups(Consumer<String> filter, Consumer<List<String>> replay) {
        this.filter = filter;
        this.replay = replay;
    }

    /** The group an instance belongs to: its cause's kind and service; {@code UNKNOWN} when it has no cause. */
    static String key(InstanceSnapshot s) {
        return s.cause() == null ? "UNKNOWN" : s.cause().groupKey();
    }

    void show(List<InstanceSnapshot> stuck, String selected) {
        removeAll();
        Map<String, List<InstanceSnapshot>> groups = new LinkedHashMap<>();
        for (InstanceSnapshot s : stuck) {
            groups.computeIfAbsent(key(s), k -> new ArrayList<>()).add(s);
        }
        if (groups.isEmpty()) {
            return;
        }
        List<Map.Entry<String, List<InstanceSnapshot>>> sorted = new ArrayList<>(groups.entrySet());
        sorted.sort((a, b) -> Integer.compare(b.getValue().size(), a.getValue().size()));
        boolean canReplay = Permissions.current().canReplay();
        for (Map.Entry<String, List<InstanceSnapshot>> g : sorted) {
            InstanceSnapshot first = g.getValue().get(0);
            String label = first.cause() == null ? "cause not worked out" : first.cause().groupLabel();
            Button pick = new Button(Formats.count(g.getValue().size()) + " stuck: " + label);
            pick.addThemeVariants(ButtonVariant.LUMO_SMALL,
                    g.getKey().equals(selected) ? ButtonVariant.LUMO_PRIMARY : ButtonVariant.LUMO_CONTRAST);
            pick.setTooltipText(first.cause() == null ? "" : "e.g. " + first.cause().detail());
            pick.addClassName("cause-group");
            pick.getElement().setAttribute("data-cause", g.getKey());
            pick.addClickListener(e -> filter.accept(g.getKey().equals(selected) ? null : g.getKey()));
            Div row = new Div(pick);
            row.addClassName("cause-group-row");
            if (canReplay) {
                Button again = new Button("Replay group", VaadinIcon.ROTATE_LEFT.create());
                again.addThemeVariants(ButtonVariant.LUMO_SMALL, ButtonVariant.LUMO_TERTIARY);
                again.addClassName("cause-group-replay");
                again.getElement().setAttribute("data-cause", g.getKey());
                List<String> ids = g.getValue().stream().map(InstanceSnapshot::correlationId).sorted().toList();
                again.addClickListener(e -> replay.accept(ids));
                row.add(again);
            }
            add(row);
        }
        if (selected != null) {
            Span note = new Span("Showing one group; click it again to show all.");
            note.addClassName("muted");
            add(note);
        }
    }
}
