package io.choreoscope.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.Reader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

import javax.xml.parsers.DocumentBuilderFactory;

import io.choreoscope.harness.clickhouse.EmbeddedClickHouse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;
import org.yaml.snakeyaml.Yaml;

/**
 * docker-compose.cluster.yml (two ClickHouse shards under docker-compose.yml) is wired as it says: the cluster that
 * choreoscope is told to use is the one deploy/clickhouse-cluster/remote-servers.xml defines, its shards are the
 * compose services that mount that file, choreoscope creates the schema on exactly those, and the shards reach each
 * other with the servers' password. A real engine loads the file and lists the two shards.
 */
class ComposeClusterTest {
    private static final Path COMPOSE = Path.of("..", "docker-compose.yml");
    private static final Path CLUSTER = Path.of("..", "docker-compose.cluster.yml");
    private static final Path SERVERS = Path.of("..", "deploy", "clickhouse-cluster", "remote-servers.xml");
    private static final String MOUNT = "./deploy/clickhouse-cluster/remote-servers.xml:/etc/clickhouse-server/config.d/remote-servers.xml:ro";

    @SuppressWarnings("unchecked")
    private static Map<String, Map<String, Object>> services(Path file) throws Exception {
        try (Reader r = Files.newBufferedReader(file)) {
            Map<String, Object> doc = new Yaml().load(r);
            return (Map<String, Map<String, Object>>) doc.get("services");
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, String> env(Map<String, Object> service) {
        Map<String, String> out = new LinkedHashMap<>();
        ((Map<String, Object>) service.getOrDefault("environment", Map.of())).forEach((k, v) -> out.put(k, String.valueOf(v)));
        return out;
    }

    @SuppressWarnings("unchecked")
    private static List<String> volumes(Map<String, Object> service) {
        return (List<String>) service.getOrDefault("volumes", List.of());
    }

    @Test
    void theClusterChoreoscopeUsesIsTheOneTheShardsLoad() throws Exception {
        Map<String, Map<String, Object>> base = services(COMPOSE);
        Map<String, Map<String, Object>> over = services(CLUSTER);
        Document xml = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(SERVERS.toFile());
        Element servers = (Element) xml.getElementsByTagName("remote_servers").item(0);
        List<Element> clusters = new ArrayList<>();
        for (int i = 0; i < servers.getChildNodes().getLength(); i++) {
            if (servers.getChildNodes().item(i) instanceof Element e) {
                clusters.add(e);
            }
        }
        assertThat(clusters).hasSize(1);
        String clusterName = clusters.get(0).getTagName();

        Map<String, String> appEnv = new LinkedHashMap<>(env(base.get("choreoscope")));
        appEnv.putAll(env(over.get("choreoscope")));
        assertThat(appEnv.get("CHOREOSCOPE_CLICKHOUSE_CLUSTER_NAME")).isEqualTo(clusterName);

        TreeSet<String> shardHosts = new TreeSet<>();
        NodeList replicas = clusters.get(0).getElementsByTagName("replica");
        for (int i = 0; i < replicas.getLength(); i++) {
            Element r = (Element) replicas.item(i);
            String host = r.getElementsByTagName("host").item(0).getTextContent();
            shardHosts.add(host);
            Map<String, String> serverEnv = new LinkedHashMap<>(env(base.getOrDefault(host, Map.of())));
            serverEnv.putAll(env(over.getOrDefault(host, Map.of())));
            assertThat(serverEnv.get("CLICKHOUSE_PASSWORD")).as("password of shard %s", host)
                    .isEqualTo(r.getElementsByTagName("password").item(0).getTextContent());
            assertThat(r.getElementsByTagName("port").item(0).getTextContent()).isEqualTo("9000");
        }
        assertThat(shardHosts).hasSize(2);

        TreeSet<String> mounting = new TreeSet<>();
        over.forEach((name, def) -> {
            if (volumes(def).contains(MOUNT)) {
                mounting.add(name);
            }
        });
        assertThat(mounting).as("services that load the cluster definition").isEqualTo(shardHosts);

        TreeSet<String> nodeHosts = new TreeSet<>();
        for (String url : appEnv.get("CHOREOSCOPE_CLICKHOUSE_CLUSTER_NODES").split(",")) {
            URI u = URI.create(url.strip());
            assertThat(u.getPort()).isEqualTo(8123);
            nodeHosts.add(u.getHost());
        }
        assertThat(nodeHosts).as("nodes choreoscope creates the schema on").isEqualTo(shardHosts);
        assertThat(URI.create(appEnv.get("CHOREOSCOPE_CLICKHOUSE_URL")).getHost()).isIn(shardHosts);
    }

    @Test
    void aRealEngineLoadsTheClusterDefinition(@TempDir Path dir) throws Exception {
        String file = Files.readString(SERVERS, StandardCharsets.UTF_8);
        String inner = file.substring(file.indexOf("<clickhouse>") + "<clickhouse>".length(), file.lastIndexOf("</clickhouse>"));
        try (EmbeddedClickHouse engine = EmbeddedClickHouse.start(dir, 0,
                EmbeddedClickHouse.Options.defaults().withMaxServerMemoryBytes(1L << 30).withConfigXml(inner))) {
            assertThat(engine.query("SELECT shard_num, host_name, port FROM system.clusters WHERE cluster = 'choreoscope' "
                    + "ORDER BY shard_num FORMAT TSV")).isEqualTo("1\tclickhouse\t9000\n2\tclickhouse-2\t9000\n");
        }
    }
}
