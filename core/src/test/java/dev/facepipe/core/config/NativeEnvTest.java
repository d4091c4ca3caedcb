package dev.facepipe.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

class NativeEnvTest {
    private static Config conf(String value) {
        return Config.builder().set("job.native_env", value, "test").build();
    }

    @Test
    void confsPairsInOrder() {
        assertEquals(Map.of("A", "1", "B_2", "x=y"), NativeEnv.effective(conf(" A=1  B_2=x=y "), Map.of()));
        assertEquals("[A, B_2]", NativeEnv.effective(conf("A=1 B_2=x=y"), Map.of()).keySet().toString());
    }

    @Test
    void theEnvironmentsValueWins() {
        assertEquals(Map.of("A", "7", "B", "2"), NativeEnv.effective(conf("A=1 B=2"), Map.of("A", "7", "C", "3")));
    }

    @Test
    void emptyMeansNone() {
        assertTrue(NativeEnv.effective(conf(""), Map.of("A", "1")).isEmpty());
    }

    @Test
    void anEntryThatIsNotNameEqualsValueIsRefusedNamingIt() {
        for (String bad : new String[] {"4", "=4", "1A=4", "A-B=4"}) {
            ConfigException e = assertThrows(ConfigException.class, () -> NativeEnv.effective(conf(bad), Map.of()));
            assertEquals("job.native_env: '" + bad + "' is not NAME=VALUE", e.getMessage());
        }
    }

    @Test
    void missingAreThoseTheEnvironmentLacksOrHoldsOtherwise() {
        Map<String, String> want = Map.of("A", "1", "B", "2");
        assertEquals(Map.of("B", "2"), NativeEnv.missing(want, Map.of("A", "1", "B", "3")));
        assertTrue(NativeEnv.missing(want, want).isEmpty());
    }

    @Test
    void theDefaultsSetOpenBlasThreadTimeout() {
        assertTrue(NativeEnv.effective(Config.defaults(), Map.of()).containsKey("OPENBLAS_THREAD_TIMEOUT"));
    }
}
