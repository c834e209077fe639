package io.choreoscope.launcher;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import io.micronaut.runtime.Micronaut;

/**
 * Starts choreoscope in one or more roles. {@code --roles=all} (the default) runs everything in one
 * process, live inference included; {@code --roles=collector} runs the Kafka tap and OTLP receiver and
 * publishes normalised observations to {@code choreoscope.observations} (keyed by correlation ID);
 * {@code --roles=inference} runs an inference worker consuming that topic as group
 * {@code choreoscope-inference}; {@code --roles=api} only the query side (the REST API reads ClickHouse
 * only, so it works the same in every layout). The role can also come from {@code CHOREOSCOPE_ROLES}.
 */
public final class Application {
    /** Roles understood by {@code --roles}. */
    public static final Set<String> ROLES = Set.of("all", "collector", "inference", "api", "ui");

    private Application() {
    }

    public static void main(String[] args) {
        String roles = System.getenv().getOrDefault("CHOREOSCOPE_ROLES", "all");
        for (String a : args) {
            if (a.startsWith("--roles=")) {
                roles = a.substring("--roles=".length());
            }
        }
        Micronaut.build(args)
                .mainClass(Application.class)
                .properties(roleProperties(roles))
                .banner(false)
                .start();
    }

    /** Properties that switch parts on or off for a comma-separated role list. */
    static Map<String, Object> roleProperties(String roleList) {
        Set<String> roles = new java.util.HashSet<>();
        for (String r : roleList.toLowerCase(Locale.ROOT).split(",")) {
            String role = r.strip();
            if (!ROLES.contains(role)) {
                throw new IllegalArgumentException("unknown role '" + r + "': use one or more of " + ROLES);
            }
            roles.add(role);
        }
        boolean all = roles.contains("all");
        Map<String, Object> p = new HashMap<>();
        p.put("choreoscope.roles", String.join(",", roles));
        if (!all && !roles.contains("collector")) {
            p.put("choreoscope.tap.enabled", false);
            p.put("choreoscope.otlp.enabled", false);
        }
        if (!all && !roles.contains("ui")) {
            p.put("choreoscope.ui.enabled", false);
        }
        if (!all) {
            p.put("choreoscope.inference.embedded", false);
            p.put("choreoscope.inference.publish", roles.contains("collector"));
            p.put("choreoscope.inference.worker", roles.contains("inference"));
        }
        return p;
    }
}
