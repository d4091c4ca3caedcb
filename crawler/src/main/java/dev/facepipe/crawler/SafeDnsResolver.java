package dev.facepipe.crawler;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Locale;
import org.apache.http.conn.DnsResolver;

/**
 * Resolves names for every connection the crawler makes (pages, robots.txt, redirects) and refuses
 * private, loopback, link-local and other non-public addresses, so a page cannot point the crawler
 * at an internal service, not even through DNS rebinding: the connection goes to exactly the
 * addresses checked here. Hosts in the allow-list (conf crawler.allow_private_hosts) are exempt.
 */
public final class SafeDnsResolver implements DnsResolver {
    private final List<String> allowed;

    public SafeDnsResolver(List<String> allowedPrivateHosts) {
        this.allowed = allowedPrivateHosts.stream().map(h -> h.toLowerCase(Locale.ROOT)).toList();
    }

    @Override
    public InetAddress[] resolve(String host) throws UnknownHostException {
        InetAddress[] all = InetAddress.getAllByName(host);
        if (allowed.contains(host.toLowerCase(Locale.ROOT))) return all;
        for (InetAddress a : all) {
            if (!isPublic(a)) {
                throw new UnknownHostException("refused: " + host + " resolves to non-public address "
                        + a.getHostAddress() + " (add it to crawler.allow_private_hosts to allow it)");
            }
        }
        return all;
    }

    static boolean isPublic(InetAddress a) {
        if (a.isLoopbackAddress() || a.isAnyLocalAddress() || a.isLinkLocalAddress() || a.isSiteLocalAddress()
                || a.isMulticastAddress()) {
            return false;
        }
        byte[] b = a.getAddress();
        if (b.length == 4) {
            int x = b[0] & 0xFF, y = b[1] & 0xFF;
            if (x == 100 && y >= 64 && y <= 127) return false; // carrier-grade NAT
            if (x == 0 || x >= 240) return false; // "this network", reserved
            if (x == 192 && y == 0 && (b[2] & 0xFF) == 0) return false; // IETF protocol assignments
            if (x == 198 && (y == 18 || y == 19)) return false; // benchmarking
        } else if ((b[0] & 0xFE) == 0xFC) {
            return false; // IPv6 unique local
        }
        return true;
    }
}
