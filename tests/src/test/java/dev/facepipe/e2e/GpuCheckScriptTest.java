package dev.facepipe.e2e;

import static dev.facepipe.testing.Fixtures.DEBIAN;
import static dev.facepipe.testing.Fixtures.ROOT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * scripts/gpu-check.sh (issue 26's GPU check) on a machine without CUDA, as CI's is: it says in one line what is
 * missing and stops at once; with --allow-cpu it runs the whole check on the CPU and prints its table and verdict;
 * its time bound holds.
 */
class GpuCheckScriptTest {
    private static boolean cudaHere() {
        return Files.exists(Path.of("/dev/nvidia0"));
    }

    private static String[] run(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("bash", ROOT.resolve("scripts/gpu-check.sh").toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(false);
        pb.redirectError(ProcessBuilder.Redirect.DISCARD); // ORT's own log of the failed CUDA load
        pb.environment().put("FACEPIPE_MODELS_DIR", ROOT.resolve("models").toString());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(3, TimeUnit.MINUTES), "timed out: " + cmd);
        return new String[] {String.valueOf(p.exitValue()), out};
    }

    @Test
    void withoutCudaItNamesWhatIsMissingAndStopsBeforeLoadingAnything() throws Exception {
        if (cudaHere()) return; // a GPU machine runs the check for real
        String[] r = run("--images", DEBIAN.toString());
        assertEquals("3", r[0], r[1]);
        assertTrue(r[1].contains("java: ") && r[1].contains("onnxruntime jar: onnxruntime_gpu-"), r[1]);
        String last = r[1].strip().lines().reduce((a, b) -> b).orElseThrow();
        assertTrue(last.startsWith("gpu-check: ") && last.contains("missing: ") && last.contains("libcublasLt.so.12"),
                last);
        assertTrue(!r[1].contains("machine: "), "the engine was not started:\n" + r[1]);
    }

    @Test
    void onTheCpuItRunsEveryStepAndSaysTheResultIsNotTheGpus() throws Exception {
        String[] r = run("--images", DEBIAN.toString(), "--allow-cpu", "--batch-sizes", "2,4", "--threads", "1",
                "--seconds", "1");
        assertEquals("0", r[0], r[1]);
        String out = r[1];
        assertTrue(out.contains("cpu engine, "), out);
        assertTrue(Pattern.compile("(?m)^cpu at onnx.opt_level=basic against the reference \\(for scale\\): \\d+ compared")
                .matcher(out).find(), out);
        // the embedder alone and the engine at each batch size, with their agreement
        for (int b : new int[] {2, 4}) {
            assertTrue(Pattern.compile("(?m)^batch +" + b + ": +[0-9.]+ faces/s \\(model only\\), first run [0-9.]+ ms;"
                    + " \\d+ compared").matcher(out).find(), "embedder alone at batch " + b + ":\n" + out);
            Matcher row = Pattern.compile("(?m)^ +" + b + " +8 +1 +([0-9.]+) +[0-9.]+ +([0-9.]+) +(\\d+) compared, .*"
                    + " 0 over 1e-04$").matcher(out);
            assertTrue(row.find(), "engine row at batch " + b + ":\n" + out);
            assertTrue(Double.parseDouble(row.group(1)) > 0, row.group());
            assertTrue(Double.parseDouble(row.group(2)) <= b, "a run holds at most the batch: " + row.group());
            assertTrue(Integer.parseInt(row.group(3)) >= 3, "the fixtures' faces were compared: " + row.group());
        }
        // the embedder again with the other choice of TF32 and of cuDNN's algorithm search, not counted
        assertTrue(out.contains("onnx.cuda_tf32=true, onnx.cuda_conv_algo_search=exhaustive, not counted"), out);
        assertTrue(out.contains("onnx.cuda_tf32=false, onnx.cuda_conv_algo_search=heuristic, not counted"), out);
        assertTrue(out.contains("same photos twice on "), out);
        if (!cudaHere()) {
            assertTrue(out.contains("verdict: AGREES with the CPU; NOT a GPU result"), out);
        }
    }

    @Test
    void itStopsAtItsTimeout() throws Exception {
        String[] r = run("--images", DEBIAN.toString(), "--allow-cpu", "--timeout", "2");
        assertEquals("124", r[0], r[1]);
        assertTrue(r[1].contains("gpu-check: stopped after 2 s"), r[1]);
    }
}
