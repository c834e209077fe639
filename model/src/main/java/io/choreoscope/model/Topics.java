package io.choreoscope.model;

/**
 * Which bus a stored topic name is on. Kafka topics are stored under their own name; a RabbitMQ exchange is stored
 * under {@code rabbitmq:<exchange>} (virtual host {@code /}) or {@code rabbitmq:<vhost>:<exchange>}, and the default
 * exchange under the name RabbitMQ shows for it, {@code amq.default}. Kafka topic names cannot hold {@code :}, so the
 * two never collide.
 *
 * <p>RabbitMQ allows {@code :} in the names of exchanges, queues and virtual hosts, so the name is read back
 * unambiguously: the virtual host is what comes before the first {@code :} after the prefix, and a {@code %} or
 * {@code :} in it is written {@code %25} or {@code %3A}; an exchange on {@code /} whose own name holds a {@code :} is
 * written with its virtual host named, {@code rabbitmq:%2F:<exchange>} (as the management API writes {@code /}). Every
 * other name is as it always was.
 */
public final class Topics {
    /** Bus name of Kafka topics. */
    public static final String KAFKA = "kafka";
    /** Bus name of RabbitMQ exchanges. */
    public static final String RABBITMQ = "rabbitmq";
    /** Prefix of every topic name that stands for a RabbitMQ exchange. */
    public static final String RABBITMQ_PREFIX = "rabbitmq:";
    /** The name RabbitMQ's management UI gives the default (nameless) exchange. */
    public static final String DEFAULT_EXCHANGE = "amq.default";
    /**
     * The whole name of a topic or queue that holds dead letters, in Java and RE2 (ClickHouse) syntax alike: a part
     * {@code dlt}, {@code dlq}, {@code dead-letter(s)} or {@code deadletter(s)}, any case, alone or between {@code .},
     * {@code _} or {@code -} ({@code payments.DLT}, {@code orders_dlq}, {@code dead-letters}, {@code dlq.billing.v2}).
     */
    public static final String DEAD_LETTER_REGEX = "(?i)(^|.*[._-])(dlt|dlq|dead[._-]?letters?|deadletters?)([._-].*|$)";
    private static final java.util.regex.Pattern DEAD_LETTER = java.util.regex.Pattern.compile(DEAD_LETTER_REGEX);

    private Topics() {
    }

    /** The topic name of an exchange ({@code ""}, the default exchange, becomes {@value #DEFAULT_EXCHANGE}). */
    public static String rabbitMq(String vhost, String exchange) {
        String x = exchange == null || exchange.isEmpty() ? DEFAULT_EXCHANGE : exchange;
        if (vhost == null || vhost.equals("/")) {
            return x.indexOf(':') < 0 ? RABBITMQ_PREFIX + x : RABBITMQ_PREFIX + "%2F:" + x;
        }
        return RABBITMQ_PREFIX + vhost.replace("%", "%25").replace(":", "%3A") + ":" + x;
    }

    /**
     * The virtual host of a name made by {@link #rabbitMq} (or of a queue named the same way, {@code rabbitmq:[vhost:]queue}):
     * what comes before the first {@code :} after the prefix, its {@code %25}, {@code %3A} and {@code %2F} read back,
     * else {@code /}; null for a Kafka topic.
     */
    public static String rabbitMqVhost(String topic) {
        if (topic == null || !topic.startsWith(RABBITMQ_PREFIX)) {
            return null;
        }
        int colon = topic.indexOf(':', RABBITMQ_PREFIX.length());
        return colon < 0 ? "/" : unescape(topic.substring(RABBITMQ_PREFIX.length(), colon));
    }

    /** What follows the virtual host in a name made by {@link #rabbitMq}: the exchange (or queue); null for Kafka. */
    public static String rabbitMqName(String topic) {
        if (topic == null || !topic.startsWith(RABBITMQ_PREFIX)) {
            return null;
        }
        int colon = topic.indexOf(':', RABBITMQ_PREFIX.length());
        return topic.substring(colon < 0 ? RABBITMQ_PREFIX.length() : colon + 1);
    }

    /**
     * How people read a name made by {@link #rabbitMq}: the exchange (or queue), then {@code on vhost <vhost>} when
     * that is not {@code /}; a Kafka topic as it is.
     */
    public static String rabbitMqLabel(String topic) {
        String name = rabbitMqName(topic);
        if (name == null) {
            return topic;
        }
        String vhost = rabbitMqVhost(topic);
        return vhost.equals("/") ? name : name + " on vhost " + vhost;
    }

    /**
     * A stored topic name as the UI shows it: a Kafka topic as it is; a RabbitMQ exchange (or queue) as
     * {@code rabbitmq:<name>}, followed by {@code on vhost <vhost>} when that is not {@code /} ({@link #rabbitMqLabel}),
     * so that no escaped form ({@code rabbitmq:%2F:orders:dlq}) is shown.
     */
    public static String displayName(String topic) {
        return topic == null || !topic.startsWith(RABBITMQ_PREFIX) ? topic : RABBITMQ_PREFIX + rabbitMqLabel(topic);
    }

    /** {@code %25}, {@code %3A} and {@code %2F} (any case) read back; any other {@code %} is left as it is. */
    private static String unescape(String s) {
        if (s.indexOf('%') < 0) {
            return s;
        }
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            String code = c == '%' && i + 3 <= s.length() ? s.substring(i + 1, i + 3).toUpperCase(java.util.Locale.ROOT) : "";
            char decoded = switch (code) {
                case "25" -> '%';
                case "3A" -> ':';
                case "2F" -> '/';
                default -> 0;
            };
            if (decoded != 0) {
                b.append(decoded);
                i += 2;
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    /** Whether a topic's or queue's name says it holds dead letters ({@link #DEAD_LETTER_REGEX}). */
    public static boolean looksLikeDeadLetter(String name) {
        return name != null && DEAD_LETTER.matcher(name).matches();
    }

    /** {@value #RABBITMQ} for a topic that stands for an exchange, else {@value #KAFKA}. */
    public static String bus(String topic) {
        return topic != null && topic.startsWith(RABBITMQ_PREFIX) ? RABBITMQ : KAFKA;
    }
}
