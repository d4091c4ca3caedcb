package dev.facepipe.crawler;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.InetAddress;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Which addresses the crawler may connect to, pinned: every private range, in every IPv6 form that embeds it. */
class SafeDnsResolverTest {
    private static boolean pub(String literal) throws Exception {
        return SafeDnsResolver.isPublic(InetAddress.getByName(literal));
    }

    @Test
    void theMatrix() throws Exception {
        Map<String, Boolean> want = new LinkedHashMap<>();
        for (String a : new String[] {"127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254", "0.0.0.0",
            "100.64.0.1", "192.0.0.1", "198.18.0.1", "224.0.0.1", "255.255.255.255", "::1", "::", "fe80::1", "fc00::1",
            "fd12:3456::1", "fec0::1", "::127.0.0.1", "::10.0.0.1", "::ffff:127.0.0.1", "::ffff:169.254.169.254",
            "64:ff9b::a9fe:a9fe", "64:ff9b::7f00:1", "64:ff9b:1::1", "2002:7f00:1::", "2002:a9fe:a9fe::1",
            "2002:c0a8:101::", "2001:0:4136:e378:8000:63bf:3fff:fdd2", "2001:db8::1", "ff02::1"}) {
            want.put(a, false);
        }
        for (String a : new String[] {"93.184.216.34", "8.8.8.8", "2606:4700::1111", "::ffff:8.8.8.8", "64:ff9b::808:808",
            "2002:808:808::1"}) {
            want.put(a, true);
        }
        Map<String, Boolean> got = new LinkedHashMap<>();
        for (String a : want.keySet()) got.put(a, pub(a));
        assertEquals(want, got);
    }
}
