package dev.facepipe.core;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;

/** Where tests find the repository, the fetched models and the photos. A missing one fails the test. */
public final class TestPaths {
    private TestPaths() {}

    public static Path root() {
        String r = System.getProperty("facepipe.root");
        Path p = r != null ? Path.of(r) : Path.of("..");
        return p.toAbsolutePath().normalize();
    }

    public static Path models() {
        return existing(root().resolve("models"), "models are fetched by scripts/setup.sh");
    }

    /** Debian test photos (scripts/setup.sh fetches them). */
    public static Path debianPhoto(String name) {
        return existing(root().resolve("fixtures/debian").resolve(name), "scripts/setup.sh fetches the Debian photos");
    }

    /** ../shared/testdata/identities, or FACEPIPE_IDENTITIES_DIR. */
    public static Path identity(String name) {
        String env = System.getenv("FACEPIPE_IDENTITIES_DIR");
        Path dir = env != null ? Path.of(env) : root().resolveSibling("shared").resolve("testdata/identities");
        return existing(dir.resolve(name), "set FACEPIPE_IDENTITIES_DIR to the identities folder");
    }

    private static Path existing(Path p, String hint) {
        assertTrue(Files.exists(p), p + " is missing: " + hint);
        return p;
    }
}
