package dev.facepipe.testing;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where every module's tests find the repository, the fetched models and the photos, declared once.
 * The repository comes from the facepipe.root system property (the parent pom sets it for every
 * module's tests); the identities from FACEPIPE_IDENTITIES_DIR, or ../shared/testdata/identities
 * beside the repository (read in place, never copied). A missing file fails the test that asks, with
 * the step that provides it.
 */
public final class Fixtures {
    /** The repository. */
    public static final Path ROOT = root();
    /** Photos of the same people (the shared identities set). */
    public static final Path IDENTITIES = identities();
    /** Debian's test photos (scripts/setup.sh fetches them). */
    public static final Path DEBIAN = ROOT.resolve("fixtures/debian");

    private Fixtures() {}

    private static Path root() {
        String r = System.getProperty("facepipe.root");
        Path p = r != null && !r.isBlank() ? Path.of(r) : Path.of("..");
        return p.toAbsolutePath().normalize();
    }

    private static Path identities() {
        String env = System.getenv("FACEPIPE_IDENTITIES_DIR");
        return env != null && !env.isBlank() ? Path.of(env)
                : ROOT.resolveSibling("shared").resolve("testdata/identities");
    }

    /** The fetched models folder. */
    public static Path models() {
        return existing(ROOT.resolve("models"), "models are fetched by scripts/setup.sh");
    }

    /** One of Debian's test photos. */
    public static Path debianPhoto(String name) {
        return existing(DEBIAN.resolve(name), "scripts/setup.sh fetches the Debian photos");
    }

    /** One photo of the identities set. */
    public static Path identity(String name) {
        return existing(IDENTITIES.resolve(name), "set FACEPIPE_IDENTITIES_DIR to the identities folder");
    }

    private static Path existing(Path p, String hint) {
        if (!Files.exists(p)) throw new AssertionError(p + " is missing: " + hint);
        return p;
    }
}
