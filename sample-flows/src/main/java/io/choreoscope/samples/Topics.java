package io.choreoscope.samples;

import java.util.List;

/**
 * Topic names, each {@code prefix + base name}. With the default empty prefix: {@code orders}, {@code payments},
 * {@code inventory}, {@code shipping} (order saga); {@code users}, {@code user-onboarding} (signup);
 * {@code content}, {@code moderation}, {@code transcoding} (content pipeline); {@code dead-letters} (all).
 */
public record Topics(String prefix) {
    public Topics {
        prefix = prefix == null ? "" : prefix;
    }

    public String orders() {
        return prefix + "orders";
    }

    public String payments() {
        return prefix + "payments";
    }

    public String inventory() {
        return prefix + "inventory";
    }

    public String shipping() {
        return prefix + "shipping";
    }

    public String users() {
        return prefix + "users";
    }

    public String onboarding() {
        return prefix + "user-onboarding";
    }

    public String content() {
        return prefix + "content";
    }

    public String moderation() {
        return prefix + "moderation";
    }

    public String transcoding() {
        return prefix + "transcoding";
    }

    public String deadLetters() {
        return prefix + "dead-letters";
    }

    /** The topics of {@code flow} (not the dead-letter topic). */
    public List<String> of(Flow flow) {
        return switch (flow) {
            case ORDERS -> List.of(orders(), payments(), inventory(), shipping());
            case SIGNUP -> List.of(users(), onboarding());
            case CONTENT -> List.of(content(), moderation(), transcoding());
        };
    }
}
