package dev.facepipe.e2e;

import static dev.facepipe.testing.Fixtures.ROOT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What can be checked of docker/ and the submit wrapper on a machine without Docker or a cluster. */
class OperationsFilesTest {
    private static String[] run(List<String> cmd, String... env) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        for (int i = 0; i < env.length; i += 2) pb.environment().put(env[i], env[i + 1]);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return new String[] {String.valueOf(p.waitFor()), out};
    }

    @Test
    void dockerFilesPassTheirChecks() throws Exception {
        String[] r = run(List.of("bash", ROOT.resolve("scripts/check-docker.sh").toString()));
        assertEquals("0", r[0], r[1]);
        assertTrue(r[1].contains("check-docker: ok"), r[1]);
    }

    @Test
    void theGpuProfileAsksSparkForGpusAndTheJobForCuda() throws Exception {
        String[] r = run(List.of("bash", ROOT.resolve("scripts/submit.sh").toString(), "--profile", "gpu", "--master",
                "spark://m:7077", "--dry-run", "--", "ingest", "--input", "in", "--out", "out"),
                "FACEPIPE_JAR", "/opt/facepipe/lib/facepipe-all.jar");
        assertEquals("0", r[0], r[1]);
        assertTrue(r[1].contains("spark.executor.resource.gpu.amount=1") && r[1].contains("spark.task.resource.gpu.amount")
                && r[1].contains("--class dev.facepipe.cli.Main") && r[1].contains("onnx.device=cuda"), r[1]);
        // Stage-level: executors hold the GPU, no task asks for one by default, the engine stage's profile does.
        String[] staged = run(List.of("bash", ROOT.resolve("scripts/submit.sh").toString(), "--profile", "gpu-staged",
                "--master", "spark://m:7077", "--dry-run", "--", "ingest", "--input", "in", "--out", "out"),
                "FACEPIPE_JAR", "/opt/facepipe/lib/facepipe-all.jar");
        assertEquals("0", staged[0], staged[1]);
        assertTrue(staged[1].contains("spark.executor.resource.gpu.amount=1")
                && !staged[1].contains("spark.task.resource.gpu.amount") && staged[1].contains("ingest.engine_task_gpus=0.25")
                && staged[1].contains("onnx.device=cuda"), staged[1]);
        // ingest hands the engine ingest.batch_images photos a call: fewer than embed.batch_size never fill a run
        for (String[] out : List.of(r, staged)) {
            java.util.regex.Matcher batch = java.util.regex.Pattern.compile("embed\\.batch_size=(\\d+)").matcher(out[1]);
            java.util.regex.Matcher images = java.util.regex.Pattern.compile("ingest\\.batch_images=(\\d+)")
                    .matcher(out[1]);
            assertTrue(batch.find() && images.find(), out[1]);
            assertTrue(Integer.parseInt(images.group(1)) > Integer.parseInt(batch.group(1)), out[1]);
        }
        String[] bad = run(List.of("bash", ROOT.resolve("scripts/submit.sh").toString(), "--profile", "mainframe",
                "--dry-run", "--", "ingest"), "FACEPIPE_JAR", "/x.jar");
        assertEquals("1", bad[0]);
        assertTrue(bad[1].contains("unknown profile mainframe"), bad[1]);
    }
}
