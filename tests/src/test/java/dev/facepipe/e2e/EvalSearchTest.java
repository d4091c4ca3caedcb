package dev.facepipe.e2e;

import static dev.facepipe.testing.Fixtures.IDENTITIES;
import static dev.facepipe.testing.Fixtures.DEBIAN;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** eval search on real photos: people in the gallery are found first, a stranger is told no match, a cat fails to enrol. */
class EvalSearchTest {
    private static void put(Path dir, String identity, Path photo) throws Exception {
        Files.createDirectories(dir.resolve(identity));
        Files.copy(photo, dir.resolve(identity).resolve(photo.getFileName()));
    }

    @Test
    void openSetFiguresOnFoldersOfIdentities(@TempDir Path tmp) throws Exception {
        Path g = tmp.resolve("gallery"), p = tmp.resolve("probes");
        put(g, "obama", IDENTITIES.resolve("obama_1.jpg"));
        put(g, "biden", IDENTITIES.resolve("biden_1.jpg"));
        put(g, "hopper", DEBIAN.resolve("grace_hopper.jpg"));
        put(g, "astronaut", DEBIAN.resolve("astronaut.png"));
        put(p, "obama", IDENTITIES.resolve("obama_2.jpg"));
        put(p, "obama", IDENTITIES.resolve("obama_3.jpg"));
        put(p, "hopper", DEBIAN.resolve("grace_hopper_512x512.jpg"));
        put(p, "cameraman", DEBIAN.resolve("camera.png"));
        put(p, "cat", DEBIAN.resolve("chelsea.png"));
        // The same probes labelled by csv: biden's photo called obama's is a wrong top match.
        Files.writeString(tmp.resolve("probes.csv"), "photo,identity\nprobes/obama/obama_2.jpg,obama\n"
                + "gallery/biden/biden_1.jpg,obama\n");
        String dirs = run("eval", "search", "--gallery", g.toString(), "--probes", p.toString());
        assertTrue(dirs.contains("probes: 5 (mated 3, non-mated 2), failures to enrol 1"), dirs);
        assertTrue(dirs.contains("rank1_identification_rate 1.0000"), dirs);
        assertTrue(dirs.contains("no_match_rate 1.0000"), dirs);
        assertTrue(dirs.contains("cannot resolve it"), dirs);
        assertTrue(dirs.contains("failure to enrol: " + p.resolve("cat/chelsea.png")), dirs);
        String csv = run("eval", "search", "--gallery", g.toString(), "--probes", tmp.resolve("probes.csv").toString());
        assertTrue(csv.contains("rank1_identification_rate 0.5000"), csv);
    }

    private static String run(String... args) {
        return Cli.run(args);
    }
}
