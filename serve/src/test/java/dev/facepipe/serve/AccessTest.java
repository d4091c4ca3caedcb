package dev.facepipe.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.facepipe.core.config.Config;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AccessTest {
    private static final String KEY = "k-0123456789abcdef";

    @Test
    void aKnownKeyIsNamedAndAnUnknownOrMissingOneRefused() {
        Access a = new Access(ServeSettings.keys("alice:" + KEY + ", bob:k-fedcba9876543210"), 100);
        assertEquals("alice", a.check(KEY).name());
        assertEquals("bob", a.check("k-fedcba9876543210").name());
        assertEquals(401, a.check("k-0123456789abcdeX").status());
        assertEquals(401, a.check(null).status());
        assertFalse(a.check(null).error().contains(KEY));
    }

    @Test
    void eachKeyHasItsOwnRate() {
        Access a = new Access(ServeSettings.keys("alice:" + KEY + ",bob:k-fedcba9876543210"), 3);
        for (int i = 0; i < 3; i++) assertTrue(a.check(KEY).allowed());
        Access.Verdict over = a.check(KEY);
        assertEquals(429, over.status());
        assertTrue(over.error().contains("alice"), over.error());
        assertTrue(a.check("k-fedcba9876543210").allowed(), "bob's budget is his own");
    }

    @Test
    void withoutKeysEveryoneIsAnonymousAndTheServiceStaysOnLoopback() {
        assertEquals(Access.ANONYMOUS, new Access(Map.of(), 10).check(null).name());
        Config open = Config.builder().set("serve.bind=0.0.0.0").build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ServeSettings.fromConfig(open));
        assertTrue(e.getMessage().contains("serve.api_keys"), e.getMessage());
        ServeSettings.fromConfig(Config.builder().set("serve.bind=0.0.0.0").set("serve.api_keys=a:" + KEY).build());
    }

    @Test
    void aShortOrMalformedKeyIsRefusedWithoutShowingIt() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ServeSettings.keys("a:short1"));
        assertFalse(e.getMessage().contains("short1"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ServeSettings.keys(KEY));
        assertTrue(Config.isSecret("serve.api_keys"), "the keys never print");
    }
}
