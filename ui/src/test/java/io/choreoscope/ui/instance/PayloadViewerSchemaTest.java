package io.choreoscope.ui.instance;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

import com.vaadin.flow.component.Component;
import com.vaadin.flow.component.button.Button;
import io.choreoscope.model.api.EventView;
import org.junit.jupiter.api.Test;

/** The payload viewer on a payload decoded through a schema (issue 18): decoded JSON, the schema beside it, raw on demand. */
class PayloadViewerSchemaTest {
    private static final String RAW = "AAAAAAcKbzE=";

    private static EventView avroEvent() {
        Instant t = Instant.parse("2026-12-02T10:00:00Z");
        return new EventView("orders", 0, 3, t, t, null, List.of(), RAW, "base64", false, 9,
                "application/vnd.apache.avro+binary", "o-1", null, "com.acme.OrderPlaced", null, null, null, null, "OK",
                null, false, "{\"orderId\":\"o-1\",\"note\":\"<b>x</b>\"}",
                new EventView.SchemaView("avro", "7", "com.acme.OrderPlaced", "orders-value", 2));
    }

    private static Stream<Component> all(Component c) {
        return Stream.concat(Stream.of(c), c.getChildren().flatMap(PayloadViewerSchemaTest::all));
    }

    private static Optional<Component> byId(Component root, String id) {
        return all(root).filter(c -> c.getId().filter(id::equals).isPresent()).findFirst();
    }

    @Test
    void showsTheDecodedJsonAndTheSchemaAndTheRawBytesOnDemand() {
        PayloadViewer viewer = new PayloadViewer();
        viewer.show(avroEvent());
        assertThat(viewer.payloadText()).contains("\"orderId\": \"o-1\"").contains("<b>x</b>");
        String schema = byId(viewer, "payload-schema").orElseThrow().getElement().getTextRecursively();
        assertThat(schema).contains("orders-value v2").contains("avro").contains("id 7").contains("com.acme.OrderPlaced");

        Button toggle = (Button) byId(viewer, "payload-decoded-toggle").orElseThrow();
        assertThat(toggle.isVisible()).isTrue();
        toggle.click();
        assertThat(viewer.payloadText()).isEqualTo(RAW);
        toggle.click();
        assertThat(viewer.payloadText()).contains("\"orderId\"");
    }

    @Test
    void aPlainEventHasNoSchemaAndNoToggle() {
        Instant t = Instant.parse("2026-12-02T10:00:00Z");
        PayloadViewer viewer = new PayloadViewer();
        viewer.show(new EventView("orders", 0, 1, t, t, null, List.of(), "{}", "text", false, 2, null, "o-1", null,
                "OrderPlaced", null, null, null, null, "OK", null, false));
        assertThat(byId(viewer, "payload-schema")).isEmpty();
        assertThat(byId(viewer, "payload-decoded-toggle").orElseThrow().isVisible()).isFalse();
    }
}
