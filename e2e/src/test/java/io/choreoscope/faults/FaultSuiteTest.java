package io.choreoscope.faults;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import io.choreoscope.e2e.E2eLocks;
import io.choreoscope.harness.TempDirs;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.parallel.ResourceLock;

/**
 * The CI-sized fault suite: the same {@link FaultSuite} as {@code ./choreoscope faults}, with about 450 records per
 * fault, ClickHouse down for 10 s instead of 60, a 6,000-record burst before the kill -9, and a Kafka session timeout
 * of 6 s (the broker's minimum, so that a killed worker's partitions move within the test's time). Each fault must
 * end with the oracle's figures: nothing lost, nothing duplicated, every state right, within the recovery timeout. The app runs as a real process (the packaged backend jar).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@ResourceLock(E2eLocks.MACHINE)
class FaultSuiteTest {
    private static FaultSuite suite;
    private static Path dir;

    @BeforeAll
    static void start() throws Exception {
        Path root = Path.of("..").toAbsolutePath().normalize();
        dir = Files.createTempDirectory("choreoscope-faults-test-");
        suite = FaultSuite.start(new FaultSuite.Options(450, 100, Duration.ofSeconds(10), 10, 6000, Duration.ofSeconds(90),
                dir, root, Map.of("choreoscope.kafka.properties.session.timeout.ms", "6000")));
    }

    /** Stops everything and deletes the work directory (Kafka, ClickHouse, the apps' data and logs), also after a failure. */
    @AfterAll
    static void stop() throws Exception {
        try {
            if (suite != null) {
                suite.close();
            }
        } finally {
            TempDirs.deleteUnlessKept(dir);
        }
    }

    private static void assertClean(FaultResult r) {
        assertThat(r.recordsProduced()).as("records produced").isGreaterThan(200);
        assertThat(r.failedSends()).as("sends that failed").isZero();
        assertThat(r.lost()).as("records lost").isZero();
        assertThat(r.duplicates()).as("records or instances duplicated").isZero();
        assertThat(r.extra()).as("records shown that were never produced").isZero();
        assertThat(r.recordsVisible()).as("records visible").isEqualTo(r.recordsProduced());
        assertThat(r.instancesVisible()).as("instances visible").isEqualTo(r.instancesExpected());
        assertThat(r.wrongStates()).as("instances with a wrong state or event count; " + r.notes()).isZero();
        assertThat(r.payloadMismatches()).as("payloads read back differently").isZero();
        assertThat(r.recoverySeconds()).as("recovered within the timeout; " + r.notes()).isNotNull();
    }

    private static FaultResult run(Fault fault) throws Exception {
        try {
            return suite.run(fault);
        } catch (Exception | AssertionError e) {
            System.out.println(suite.logTails(40));
            throw e;
        }
    }

    @Test
    @Order(1)
    void hostileBurstAmidLoadIsStoredExactlyAndHarmsNothing() throws Exception {
        FaultResult r = run(Fault.HOSTILE_BURST);
        assertThat(r.instancesExpected()).as("the burst's instances are counted too").isGreaterThan(10);
        assertClean(r);
    }

    @Test
    @Order(2)
    void clickHouseStoppedUnderLoadLosesNothing() throws Exception {
        assertClean(run(Fault.CLICKHOUSE_DOWN));
    }

    @Test
    @Order(3)
    void kafkaBrokerRestartedUnderLoadLosesNothing() throws Exception {
        assertClean(run(Fault.KAFKA_RESTART));
    }

    @Test
    @Order(4)
    void killMinusNineOfTheAppLosesNothing() throws Exception {
        assertClean(run(Fault.KILL_APP));
    }

    @Test
    @Order(5)
    void killMinusNineOfOneInferenceWorkerLosesNothing() throws Exception {
        assertClean(run(Fault.KILL_WORKER));
    }
}
