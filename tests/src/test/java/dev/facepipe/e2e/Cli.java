package dev.facepipe.e2e;

import static dev.facepipe.testing.Fixtures.ROOT;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.facepipe.cli.Main;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.stream.Stream;

/** A facepipe command run in this JVM as a user types it, with the test's settings added; its output, or a failure. */
final class Cli {
    private Cli() {}

    /** Runs args, then each of sets as --set KEY=VALUE (models.dir always); fails unless it exits 0. */
    static String run(String[] args, String... sets) {
        Stream<String> extra = Stream.concat(Stream.of("models.dir=" + ROOT.resolve("models")), Arrays.stream(sets))
                .flatMap(s -> Stream.of("--set", s));
        String[] all = Stream.concat(Arrays.stream(args), extra).toArray(String[]::new);
        PrintStream old = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            assertEquals(0, Main.run(all), String.join(" ", all) + "\n" + out.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(old);
        }
        return out.toString(StandardCharsets.UTF_8);
    }
}
