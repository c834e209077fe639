package io.choreoscope.api;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import io.choreoscope.auth.Roles;
import io.choreoscope.collectors.rabbitmq.ManagementClient;
import io.choreoscope.collectors.rabbitmq.RabbitMqTapService;
import io.choreoscope.http.ApiException;
import io.choreoscope.model.DependencyReader;
import io.choreoscope.model.Topics;
import io.choreoscope.model.api.ExchangeInfo;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import io.micronaut.security.annotation.Secured;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** RabbitMQ exchanges with their bound queues' depth and consumers: the RabbitMQ side of {@code /topics}. */
@Secured(Roles.VIEWER)
@ExecuteOn(TaskExecutors.BLOCKING) // management API and ClickHouse reads block
@Controller("/api/v1")
@Tag(name = "services")
public class ExchangeController {
    private static final Logger LOG = LoggerFactory.getLogger(ExchangeController.class);
    private final Optional<RabbitMqTapService> tap;
    private final DependencyReader reader;

    public ExchangeController(Optional<RabbitMqTapService> tap, DependencyReader reader) {
        this.tap = tap;
        this.reader = reader;
    }

    @Get("/exchanges")
    @Operation(summary = "RabbitMQ exchanges of the tapped virtual hosts (excluded ones left out) with tapped messages/s "
            + "(last 5 min) and the queues bound to each: depth (ready + unacknowledged) as lag, and consumer count. "
            + "Empty when no RabbitMQ tap is configured.")
    @ApiResponse(responseCode = "200", description = "exchanges by virtual host and name")
    @ApiResponse(responseCode = "503", description = "the RabbitMQ management API did not answer")
    public List<ExchangeInfo> exchanges() {
        if (tap.isEmpty()) {
            return List.of();
        }
        ManagementClient m = tap.get().management();
        Map<String, Double> rates = reader.topicRates();
        List<ExchangeInfo> out = new ArrayList<>();
        try {
            for (String vhost : tap.get().tappedVhosts()) {
                Map<String, ManagementClient.Queue> queues = new LinkedHashMap<>();
                for (ManagementClient.Queue q : m.queues(vhost)) {
                    queues.put(q.name(), q);
                }
                Map<String, Map<String, List<String>>> bound = new LinkedHashMap<>();
                for (ManagementClient.Binding b : m.bindings(vhost)) {
                    bound.computeIfAbsent(b.exchange(), x -> new LinkedHashMap<>())
                            .computeIfAbsent(b.queue(), q -> new ArrayList<>()).add(b.routingKey());
                }
                for (ManagementClient.Exchange x : m.exchanges(vhost)) {
                    if (tap.get().excluded(x.name())) {
                        continue;
                    }
                    List<ExchangeInfo.QueueLag> lags = new ArrayList<>();
                    bound.getOrDefault(x.name(), Map.of()).forEach((queue, keys) -> {
                        if (queue.equals(tap.get().tapQueue())) {
                            return; // the tap's own queue (bound to the default exchange like every queue)
                        }
                        ManagementClient.Queue q = queues.get(queue);
                        long ready = q == null ? 0 : q.messages();
                        long unacked = q == null ? 0 : q.messagesUnacknowledged();
                        lags.add(new ExchangeInfo.QueueLag(queue, keys, ready, unacked, q == null ? 0 : q.consumers(),
                                ready + unacked));
                    });
                    String topic = Topics.rabbitMq(vhost, x.name());
                    out.add(new ExchangeInfo(topic, vhost, x.name(), x.type(), Topics.RABBITMQ,
                            rates.getOrDefault(topic, 0.0), lags));
                }
            }
        } catch (IOException e) {
            LOG.warn("RabbitMQ management call failed: {}", e.toString());
            throw new ApiException(HttpStatus.SERVICE_UNAVAILABLE, "rabbitmq_unavailable",
                    "the RabbitMQ management API did not answer; try again shortly");
        }
        return out;
    }
}
