package io.choreoscope.model.api;

/** The body a rule's webhook receives; see docs/ALERTS_AND_REPLAY.md for both shapes. */
public enum WebhookFormat {
    /** choreoscope's own JSON document with every field of the firing. */
    GENERIC,
    /** {@code {"text": "..."}}, which Slack incoming webhooks (and Mattermost, Rocket.Chat...) accept. */
    SLACK
}
