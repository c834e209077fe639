package io.choreoscope.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;

import io.choreoscope.model.Span;
import org.junit.jupiter.api.Test;

/** The durable span topic's record format: lossless for every field, refuses what it did not write. */
class SpanCodecTest {

    @Test
    void everyFieldSurvivesTheRoundTripIncludingNullsAndHostileText() {
        String hostile = "x'); DROP TABLE spans; -- <script>\n\t\u0000 Zürich \uD83D\uDE00 {fn now()}";
        Span full = new Span("0af7651916cd43dd8448eb211c80319c", "b7ad6b7169203331", "00f067aa0ba902b7", "billing",
                hostile, "CONSUMER", Instant.ofEpochSecond(1_718_000_000L, 123_456_789), 7_000_000L, "ERROR",
                Map.of("messaging.system", "kafka", "note", hostile, "", ""), "kafka", "orders", "process", "msg-1",
                "billing", "order-42", "payment declined", "[{\"name\":\"exception\"}]", "[]");
        Span sparse = new Span("0af7651916cd43dd8448eb211c80319c", "b7ad6b7169203332", null, "unknown_service", "",
                "INTERNAL", Instant.EPOCH, 0, "UNSET", Map.of(), null, null, null, null, null, null, null, null, null);

        assertThat(SpanCodec.decode(SpanCodec.encode(full))).isEqualTo(full);
        assertThat(SpanCodec.decode(SpanCodec.encode(sparse))).isEqualTo(sparse);
    }

    @Test
    void truncatedOrForeignRecordsAreRefusedNotMisread() {
        byte[] good = SpanCodec.encode(new Span("t", "s", null, "svc", "n", "INTERNAL", Instant.EPOCH, 1, "UNSET",
                Map.of("k", "v"), null, null, null, null, null, null));
        Random random = new Random(7);
        for (int cut = 0; cut < good.length; cut++) {
            byte[] prefix = Arrays.copyOf(good, cut);
            assertThatThrownBy(() -> SpanCodec.decode(prefix)).isInstanceOf(IllegalArgumentException.class);
        }
        assertThatThrownBy(() -> SpanCodec.decode("{\"json\":true}".getBytes()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("version");
        byte[] noise = new byte[64];
        random.nextBytes(noise);
        noise[0] = 1;
        assertThatThrownBy(() -> SpanCodec.decode(noise)).isInstanceOf(IllegalArgumentException.class);
    }
}
