package io.choreoscope.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import io.choreoscope.model.SuspectReader.Source;
import io.choreoscope.model.api.Suspect;
import io.choreoscope.model.masking.PayloadMasker;
import org.junit.jupiter.api.Test;

/** Suspect values as a caller who sees values masked receives them: the payload pointer, header and pattern rules. */
class SuspectMaskingTest {
    private static final PayloadMasker MASKER = PayloadMasker.of(List.of("/customer/card", "/secrets"),
            List.of("X-Customer-Ref"), List.of("builtin:email"), PayloadMasker.DEFAULT_MAX_SCAN_CHARS);

    private static String masked(Source source, String field, String value) {
        return FlowSuspectsController.masked(new Suspect("S", source, field, value, 5, 0.5, 1, 0.01, 10), MASKER).value();
    }

    @Test
    void aMaskedFieldsOrHeadersValueIsNeverAnswered() {
        assertThat(masked(Source.PAYLOAD, "/customer/card", "4111 1111 1111 1111")).isEqualTo(PayloadMasker.MASK);
        assertThat(masked(Source.PAYLOAD, "/secrets/pin", "1234")).as("under a masked object").isEqualTo(PayloadMasker.MASK);
        assertThat(masked(Source.PAYLOAD, "/bad~pointer", "x")).as("a pointer that does not parse").isEqualTo(PayloadMasker.MASK);
        assertThat(masked(Source.HEADER, "x-customer-ref", "ref-77")).isEqualTo(PayloadMasker.MASK);
        assertThat(masked(Source.PAYLOAD, "/customer/email", "ann@example.com")).isEqualTo(PayloadMasker.MASK);
        assertThat(masked(Source.SPAN, "user", "ann@example.com")).isEqualTo(PayloadMasker.MASK);
        assertThat(masked(Source.PAYLOAD, "/customer/tier", "gold")).isEqualTo("gold");
        assertThat(masked(Source.PAYLOAD, "/customer", "gold")).as("the parent of a masked field").isEqualTo("gold");
        assertThat(masked(Source.HEADER, "region", "eu-north")).isEqualTo("eu-north");
    }
}
