package io.choreoscope.ui.client;

/** How {@code GET /search} matches. */
public enum SearchMode {
    /** Correlation ID, exact then prefix. */
    ID("id"),
    /** Any header or payload value, substring. */
    VALUE("value");

    private final String param;

    SearchMode(String param) {
        this.param = param;
    }

    /** The {@code mode} query parameter. */
    public String param() {
        return param;
    }
}
