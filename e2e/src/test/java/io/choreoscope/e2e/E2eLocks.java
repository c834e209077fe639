package io.choreoscope.e2e;

/**
 * Names of the JUnit resource locks of this module's tests (see {@code src/test/resources/junit-platform.properties}).
 */
public final class E2eLocks {
    /**
     * The machine's cores: the fault suite takes it exclusively (its recovery times are measured, and its app
     * processes need both cores), the demo tests share it (they run beside each other, mostly waiting).
     */
    public static final String MACHINE = "choreoscope.e2e.machine";

    private E2eLocks() {
    }
}
