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
        } else {
            if ((b[0] & 0xFE) == 0xFC) return false; // IPv6 unique local
            byte[] v4 = embeddedIpv4(b);
            if (v4 != null) {
                try {
                    return isPublic(InetAddress.getByAddress(v4));
                } catch (UnknownHostException e) {
                    return false;
                }
            }
            int w0 = ((b[0] & 0xFF) << 8) | (b[1] & 0xFF);
            int w1 = ((b[2] & 0xFF) << 8) | (b[3] & 0xFF);
            if (w0 == 0x2001 && w1 == 0) return false; // Teredo: tunnels to an IPv4 address it hides
            if (w0 == 0x2001 && w1 == 0x0db8) return false; // documentation
            if (w0 == 0x0064 && w1 == 0xff9b) return false; // local-use NAT64 (64:ff9b:1::/48)
        }
        return true;
    }

    /**
     * The IPv4 address an IPv6 address carries, by the forms that reach it: IPv4-compatible
     * (::a.b.c.d), IPv4-mapped (::ffff:a.b.c.d), NAT64 (64:ff9b::/96) and 6to4 (2002::/16). Null for
     * other addresses.
     */
    static byte[] embeddedIpv4(byte[] b) {
        boolean zero10 = true;
        for (int i = 0; i < 10; i++) zero10 &= b[i] == 0;
        boolean compatible = zero10 && b[10] == 0 && b[11] == 0;
        boolean mapped = zero10 && b[10] == (byte) 0xFF && b[11] == (byte) 0xFF;
        boolean nat64 = b[0] == 0 && b[1] == 0x64 && b[2] == (byte) 0xFF && b[3] == (byte) 0x9B;
        for (int i = 4; i < 12 && nat64; i++) nat64 = b[i] == 0;
        if (compatible || mapped || nat64) return java.util.Arrays.copyOfRange(b, 12, 16);
        if (b[0] == 0x20 && b[1] == 0x02) return java.util.Arrays.copyOfRange(b, 2, 6); // 6to4
        return null;
    }
}
