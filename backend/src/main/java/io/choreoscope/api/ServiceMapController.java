package io.choreoscope.api;

import io.choreoscope.http.ApiException;
import io.choreoscope.http.ApiParams;
import io.micronaut.security.annotation.Secured;
import io.choreoscope.auth.Roles;
import java.time.Clock;
import java.util.List;

import io.choreoscope.model.api.TopicInfo;
import io.choreoscope.model.flow.DependencyMap;
import io.choreoscope.model.DependencyReader;
import io.choreoscope.services.ConsumerLags;
import io.choreoscope.services.ServiceMap;
import io.choreoscope.model.Topics;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import io.micronaut.http.annotation.QueryValue;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Who talks to whom: the service dependency map, and Kafka topics with consumer-group lag. */
@Secured(Roles.VIEWER)
@ExecuteOn(TaskExecutors.BLOCKING) // ClickHouse and Kafka admin reads block: keep them off the event loop
@Controller("/api/v1")
@Tag(name = "services")
public class ServiceMapController {
    private static final Logger LOG = LoggerFactory.getLogger(ServiceMapController.class);
    private final DependencyReader reader;
    private final KafkaTopics kafka;
    private final ServiceMap map;
    private final ConsumerLags lags;
    private final Clock clock = Clock.systemUTC();

    public ServiceMapController(DependencyReader reader, KafkaTopics kafka, ServiceMap map, ConsumerLags lags) {
        this.reader = reader;
        this.kafka = kafka;
        this.map = map;
        this.lags = lags;
    }

    @Get("/dependencies")
    @Operation(summary = "Service dependency map over the window: one node per service (source-service values, "
            + "CloudEvents sources, span service names, consumer groups and configured aliases resolved to one name); "
            + "service -> topic (PRODUCES, from stored records and producer spans) and topic -> service (CONSUMES, from "
            + "consumer spans and Kafka consumer groups; RabbitMQ: exchange -> service through each bound queue); every "
            + "edge lists its evidence kinds, and every rate is records per second over the window (from the start of the "
            + "minute of 'from' to 'to'); CONSUMES edges carry the consumer's lag now (records not consumed and the age "
            + "of the oldest in seconds; RabbitMQ: the queue's depth), summed per topic in topicLag; RabbitMQ dead letters "
            + "are DEAD_LETTERS edges service -> dead-letter exchange, from the service whose queue they died in (its "
            + "consumers, else the queue), the queue in queues; a PRODUCES edge into a topic of dead letters (named as "
            + "one, or on Kafka whose records of the window's last hour name their original topic in a header) has the "
            + "evidence dead-letter")
    @ApiResponse(responseCode = "200", description = "the map")
    @ApiResponse(responseCode = "400", description = "bad time range")
    public DependencyMap dependencies(@Nullable @QueryValue String from, @Nullable @QueryValue String to) {
        ApiParams.Range r = ApiParams.range(from, to, clock);
        return map.dependencies(r.from(), r.to());
    }

    @Get("/topics")
    @Operation(summary = "Kafka topics with partitions, end offsets, tapped events/s (last 5 min) and consumer groups with lag")
    @ApiResponse(responseCode = "200", description = "topics by name")
    @ApiResponse(responseCode = "503", description = "Kafka did not answer")
    public List<TopicInfo> topics() {
        ConsumerLags.Snapshot now = lags.current();
        if (!now.answered(Topics.KAFKA)) {
            LOG.warn("Kafka did not answer the lag read: {}", now.failures().get(Topics.KAFKA));
            throw new ApiException(HttpStatus.SERVICE_UNAVAILABLE, "kafka_unavailable",
                    "Kafka did not answer within " + KafkaTopics.TIMEOUT_SECONDS + " s; try again shortly");
        }
        try {
            return kafka.topics(reader.topicRates(), now.lags());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ApiException(HttpStatus.SERVICE_UNAVAILABLE, "kafka_unavailable", "interrupted");
        } catch (Exception e) {
            LOG.warn("Kafka admin call failed: {}", e.toString());
            throw new ApiException(HttpStatus.SERVICE_UNAVAILABLE, "kafka_unavailable",
                    "Kafka did not answer within " + KafkaTopics.TIMEOUT_SECONDS + " s; try again shortly");
        }
    }
}
