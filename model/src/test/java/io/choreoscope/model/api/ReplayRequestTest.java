package io.choreoscope.model.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

class ReplayRequestTest {

    private static ReplayRequest of(ReplayMode mode, List<ReplayRequest.EventRef> events, List<String> ids, String dlt,
                                    String target) {
        return new ReplayRequest(mode, events, ids, dlt, target, true, null);
    }

    @Test
    void theSubjectSaysWhatIsReplayedInWords() {
        assertThat(of(ReplayMode.EVENT, List.of(new ReplayRequest.EventRef("orders", 2, 1234)), null, null, null).subject())
                .isEqualTo("event orders/2/1234");
        assertThat(of(ReplayMode.EVENT, List.of(new ReplayRequest.EventRef("orders", 2, 1234),
                new ReplayRequest.EventRef("payments", 0, 7)), null, null, "orders-retry").subject())
                .isEqualTo("2 events: orders/2/1234, payments/0/7 \u2192 orders-retry");
        assertThat(of(ReplayMode.STUCK_LAST_EVENT, null, List.of("order-1"), null, null).subject())
                .isEqualTo("last event of instance order-1");
        assertThat(of(ReplayMode.STUCK_LAST_EVENT, null, List.of("order-1", "order-2", "order-3"), null, null).subject())
                .isEqualTo("last events of 3 instances: order-1, order-2, order-3");
        assertThat(of(ReplayMode.DEAD_LETTER, null, null, " payments.DLT ", null).subject())
                .isEqualTo("dead-letter topic payments.DLT");
        assertThat(of(ReplayMode.DEAD_LETTER, null, null, "rabbitmq:tenant-a:billing.dlq", null).subject())
                .isEqualTo("dead-letter queue rabbitmq:tenant-a:billing.dlq");
        assertThat(of(null, null, null, "payments.DLT", null).subject()).isNull();
        assertThat(of(ReplayMode.EVENT, null, null, null, null).subject()).isEqualTo("no events");
        assertThat(of(ReplayMode.STUCK_LAST_EVENT, null, List.of(), null, null).subject()).isEqualTo("last events of no instances");
    }

    @Test
    void aLongListIsCutAtTheSubjectsLengthWithoutReadingItAll() {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 100_000; i++) {
            ids.add("order-" + i);
        }
        String s = of(ReplayMode.STUCK_LAST_EVENT, null, ids, null, null).subject();
        assertThat(s).startsWith("last events of 100000 instances: order-0, order-1, ").endsWith("\u2026")
                .hasSize(ReplayRequest.MAX_SUBJECT_CHARS);
        List<ReplayRequest.EventRef> refs = new ArrayList<>();
        for (int i = 0; i < 100_000; i++) {
            refs.add(i == 1 ? null : new ReplayRequest.EventRef("orders", 0, i));
        }
        assertThat(of(ReplayMode.EVENT, refs, null, null, null).subject())
                .startsWith("100000 events: orders/0/0, ?, orders/0/2, ").hasSize(ReplayRequest.MAX_SUBJECT_CHARS);
        String hostile = "<b>x</b>".repeat(100);
        assertThat(of(ReplayMode.DEAD_LETTER, null, null, hostile, null).subject())
                .as("kept as text, cut").startsWith("dead-letter topic <b>x</b>").hasSize(ReplayRequest.MAX_SUBJECT_CHARS);
    }
}
