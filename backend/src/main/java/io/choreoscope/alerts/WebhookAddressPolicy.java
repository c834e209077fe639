package io.choreoscope.alerts;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Decides whether a webhook URL may be called: every address its host resolves to must be public.
 * Refused unless allowed: loopback (127/8, ::1), private (10/8, 172.16/12, 192.168/16, fc00::/7),
 * link-local (169.254/16 with the cloud metadata address 169.254.169.254, fe80::/10), unspecified
 * (0.0.0.0, ::), multicast, and IPv4 in IPv6 (::ffff:a.b.c.d) of any of these. The allow-list names
 * host names (exact, case-insensitive) or CIDR blocks ({@code 127.0.0.1/32}, {@code fd00::/8}); a host
 * listed by name is allowed whatever it resolves to, an address is allowed when it lies in a listed block.
 * The check resolves the host each time it is called (so a name rebound to an internal address after the
 * rule was saved is refused at send time). Bad allow-list entries are refused when the policy is built.
 */
public final class WebhookAddressPolicy {
    private final List<String> hosts = new ArrayList<>();
    private final List<byte[][]> blocks = new ArrayList<>();

    /** @param allowed host names or CIDR blocks; null or empty allows only public addresses */
    public WebhookAddressPolicy(List<String> allowed) {
        for (String raw : allowed == null ? List.<String>of() : allowed) {
            String a = raw.strip().toLowerCase(Locale.ROOT);
            if (a.isEmpty()) {
                continue;
            }
            if (a.contains("/")) {
                blocks.add(cidr(a));
            } else {
                hosts.add(a);
            }
        }
    }

    public static WebhookAddressPolicy from(AlertsConfig.Webhook c) {
        return new WebhookAddressPolicy(c.getAllowedHosts());
    }

    /**
     * Resolves {@code url}'s host and checks every address.
     *
     * @return null when every address may be called, else the reason it may not (one sentence)
     */
    public String refusal(String url) {
        URI uri;
        try {
            uri = URI.create(url);
        } catch (IllegalArgumentException e) {
            return "webhookUrl is not a valid URL";
        }
        String host = uri.getHost();
        if (host == null || host.isBlank()) {
            return "webhookUrl has no host";
        }
        String name = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        if (hosts.contains(name.toLowerCase(Locale.ROOT))) {
            return null;
        }
        InetAddress[] addresses;
        try {
            addresses = InetAddress.getAllByName(name);
        } catch (UnknownHostException e) {
            return "webhookUrl host " + host + " does not resolve";
        }
        for (InetAddress a : addresses) {
            String kind = internalKind(a);
            if (kind != null && !inAllowedBlock(a)) {
                return "webhookUrl host " + host + " resolves to " + a.getHostAddress() + ", a " + kind
                        + " address; webhooks may only call public addresses unless "
                        + AlertsConfig.PREFIX + ".webhook.allowed-hosts lists the host or its network";
            }
        }
        return null;
    }

    /** What kind of non-public address {@code a} is, or null when it is public. */
    static String internalKind(InetAddress a) {
        if (a instanceof Inet6Address) {
            byte[] b = a.getAddress();
            boolean v4Mapped = true;
            for (int i = 0; i < 10; i++) {
                v4Mapped &= b[i] == 0;
            }
            if (v4Mapped && b[10] == (byte) 0xff && b[11] == (byte) 0xff) {
                try {
                    return internalKind(InetAddress.getByAddress(java.util.Arrays.copyOfRange(b, 12, 16)));
                } catch (UnknownHostException e) {
                    throw new IllegalStateException(e);
                }
            }
            if ((b[0] & 0xfe) == 0xfc) {
                return "private (unique local)";
            }
        }
        if (a.isLoopbackAddress()) {
            return "loopback";
        }
        if (a.isAnyLocalAddress()) {
            return "unspecified";
        }
        if (a.isLinkLocalAddress()) {
            return "link-local (cloud metadata lives here)";
        }
        if (a.isSiteLocalAddress()) {
            return "private";
        }
        if (a.isMulticastAddress()) {
            return "multicast";
        }
        if (a instanceof Inet4Address && (a.getAddress()[0] == 0)) {
            return "unspecified (0.0.0.0/8)";
        }
        return null;
    }

    private boolean inAllowedBlock(InetAddress a) {
        byte[] b = a.getAddress();
        for (byte[][] block : blocks) {
            byte[] net = block[0];
            int bits = block[1][0] & 0xff;
            if (net.length != b.length) {
                continue;
            }
            boolean in = true;
            for (int i = 0; i < bits && in; i++) {
                int mask = 0x80 >>> (i % 8);
                in = (net[i / 8] & mask) == (b[i / 8] & mask);
            }
            if (in) {
                return true;
            }
        }
        return false;
    }

    private static byte[][] cidr(String s) {
        int slash = s.indexOf('/');
        String addr = s.substring(0, slash);
        try {
            if (!addr.matches("[0-9.]+|[0-9a-f:.\\[\\]]*:[0-9a-f:.\\[\\]]*")) {
                throw new IllegalArgumentException("not an IP address");
            }
            byte[] net = InetAddress.getByName(addr.replace("[", "").replace("]", "")).getAddress();
            int bits = Integer.parseInt(s.substring(slash + 1));
            if (bits < 0 || bits > net.length * 8) {
                throw new IllegalArgumentException("prefix length out of range");
            }
            return new byte[][] {net, {(byte) bits}};
        } catch (UnknownHostException | IllegalArgumentException e) {
            throw new IllegalArgumentException(AlertsConfig.PREFIX + ".webhook.allowed-hosts entry '" + s
                    + "' is not a CIDR block such as 10.0.0.0/8 or fd00::/8", e);
        }
    }
}
