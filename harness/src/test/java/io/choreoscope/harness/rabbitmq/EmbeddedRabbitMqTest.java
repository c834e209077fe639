package io.choreoscope.harness.rabbitmq;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.GetResponse;
import org.junit.jupiter.api.Test;

class EmbeddedRabbitMqTest {

    @Test
    void startsOnFreePortsServesAmqpAndManagementAndLeavesNothingBehind() throws Exception {
        Path dir;
        int amqpPort;
        try (EmbeddedRabbitMq rabbit = EmbeddedRabbitMq.start()) {
            amqpPort = rabbit.amqpPort();
            assertThat(amqpPort).isNotEqualTo(5672);
            ConnectionFactory f = new ConnectionFactory();
            f.setUri(rabbit.amqpUri());
            try (Connection c = f.newConnection(); Channel ch = c.createChannel()) {
                String q = ch.queueDeclare().getQueue();
                ch.basicPublish("", q, null, "hello".getBytes(StandardCharsets.UTF_8));
                GetResponse got = null;
                for (int i = 0; i < 50 && got == null; i++) {
                    got = ch.basicGet(q, true);
                }
                assertThat(got).isNotNull();
                assertThat(new String(got.getBody(), StandardCharsets.UTF_8)).isEqualTo("hello");
            }
            assertThat(rabbit.management("GET", "/overview", null)).contains("\"rabbitmq_version\":\"3.");
            assertThat(rabbit.ctl("trace_on")).contains("Starting tracing");

            // An outage and its end, in place: listeners close, then come back.
            rabbit.stopApp();
            assertThatThrownBy(() -> {
                try (Connection c = f.newConnection()) {
                    c.isOpen();
                }
            }).isInstanceOf(java.io.IOException.class);
            rabbit.startApp();
            try (Connection c = f.newConnection()) {
                assertThat(c.isOpen()).isTrue();
            }
            dir = Path.of(rabbit.toString().replaceAll(".*, (/[^\\]]+)\\]$", "$1"));
            assertThat(dir).isDirectory();
        }
        assertThat(Files.exists(dir)).isFalse();
        try (java.net.Socket s = new java.net.Socket()) {
            assertThatThrownBy(() -> s.connect(new java.net.InetSocketAddress("127.0.0.1", amqpPort), 500))
                    .isInstanceOf(java.io.IOException.class);
        }
    }
}
