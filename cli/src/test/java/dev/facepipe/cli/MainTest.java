package dev.facepipe.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class MainTest {

    private record Outcome(int code, String out, String err) {}

    private static Outcome run(String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            int code = Main.run(args);
            return new Outcome(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    @Test
    void configShowsOverridesWithTheirOrigin() {
        Outcome o = run("config", "--prefix", "onnx.", "--set", "onnx.intra_op_threads=2");
        assertEquals(0, o.code(), o.err());
        assertTrue(o.out().contains("onnx.intra_op_threads=2    # command line"), o.out());
        assertTrue(o.out().contains("onnx.device=cpu    # defaults"), o.out());
        assertTrue(!o.out().contains("models.dir"), "prefix filters: " + o.out());
    }

    @Test
    void anUnknownKeyIsAUsageErrorNamingTheKey() {
        Outcome o = run("config", "--set", "onnx.devise=cuda");
        assertEquals(2, o.code());
        assertTrue(o.err().contains("onnx.devise"), o.err());
    }

    @Test
    void modelsAreListedAndVerified() {
        Outcome o = run("models", "--set", "models.dir=" + System.getProperty("facepipe.root") + "/models");
        assertEquals(0, o.code(), o.out() + o.err());
        assertTrue(o.out().contains("fr_feature-87aacdfe") && o.out().contains(" ok"), o.out());
    }

    @Test
    void everySubcommandHasHelp() {
        for (String sub : new String[] {"config", "models"}) {
            Outcome o = run(sub, "--help");
            assertEquals(0, o.code());
            assertTrue(o.out().contains("Usage: facepipe " + sub), o.out());
        }
    }
}
