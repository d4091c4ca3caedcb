package dev.facepipe.e2e;

import static dev.facepipe.testing.Fixtures.IDENTITIES;
import static dev.facepipe.testing.Fixtures.DEBIAN;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.facepipe.testing.LocalCluster;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * GPU scheduling on a standalone cluster whose worker reports two (fake) GPUs: an executor with two
 * cores and two GPUs runs two tasks at once, each on the device id Spark gave it, and with no CUDA
 * on this machine each device falls back to the CPU, saying so once.
 */
class GpuSchedulingTest {
    @Test
    void concurrentTasksGetDistinctDevicesAndFallBackToCpuLoudly(@TempDir Path tmp) throws Exception {
        Path input = Files.createDirectories(tmp.resolve("photos"));
        for (Path p : List.of(IDENTITIES.resolve("obama_1.jpg"), IDENTITIES.resolve("obama_2.jpg"), IDENTITIES.resolve("biden_1.jpg"),
                DEBIAN.resolve("grace_hopper.jpg"), DEBIAN.resolve("astronaut.png"), DEBIAN.resolve("chelsea.png"))) {
            Files.copy(p, input.resolve(p.getFileName()));
        }
        try (LocalCluster cluster = LocalCluster.start(tmp.resolve("cluster"), 1, 2, "3g", 2)) {
            String out = cluster.run(tmp.resolve("ingest.log"), Map.of("FACEPIPE_ONNX_DEVICE", "cuda",
                    "FACEPIPE_INGEST_IMAGES_PER_PARTITION", "1"), List.of("spark.executor.cores=2",
                    "spark.executor.resource.gpu.amount=2", "spark.task.resource.gpu.amount=1"), 3,
                    "ingest", "--input", input.toString(), "--out", tmp.resolve("data").toString(), "--run-id", "g");
            String logs = cluster.executorLogs();
            assertTrue(out.contains("6 images"), out);
            assertTrue(logs.contains("loading the face engine on cuda:0"), logs);
            assertTrue(logs.contains("loading the face engine on cuda:1"), "two concurrent tasks, two devices:\n" + logs);
            assertTrue(logs.contains("CUDA device 0 unavailable") && logs.contains("CUDA device 1 unavailable")
                    && logs.contains("running models on CPU"), "the CPU fallback is logged:\n" + logs);
            // and the run says it: its summary, and an alarm (exit 3) naming the images the CPU took
            assertTrue(out.contains(", 6 on the CPU instead of CUDA)"), out);
            assertTrue(out.contains("alarm: images_on_cpu_instead_of_cuda 6 (any is an alarm)"), out);
        }
    }

    /**
     * Stage-level scheduling: no task asks for a GPU by default (spark.task.resource.gpu.amount is
     * unset), only the engine stage's task resource profile does (ingest.engine_task_gpus=1); its
     * two concurrent tasks still get GPUs 0 and 1, and hashing ran without any.
     */
    @Test
    void onlyTheEngineStageTakesGpusThroughItsResourceProfile(@TempDir Path tmp) throws Exception {
        Path input = Files.createDirectories(tmp.resolve("photos"));
        for (Path p : List.of(IDENTITIES.resolve("obama_1.jpg"), IDENTITIES.resolve("obama_2.jpg"), IDENTITIES.resolve("biden_1.jpg"),
                DEBIAN.resolve("grace_hopper.jpg"))) {
            Files.copy(p, input.resolve(p.getFileName()));
        }
        try (LocalCluster cluster = LocalCluster.start(tmp.resolve("cluster"), 1, 2, "3g", 2)) {
            String out = cluster.run(tmp.resolve("ingest.log"), Map.of("FACEPIPE_ONNX_DEVICE", "cuda",
                    "FACEPIPE_INGEST_IMAGES_PER_PARTITION", "1", "FACEPIPE_INGEST_ENGINE_TASK_GPUS", "1"),
                    List.of("spark.executor.cores=2", "spark.executor.resource.gpu.amount=2"), 3,
                    "ingest", "--input", input.toString(), "--out", tmp.resolve("data").toString(), "--run-id", "p");
            String logs = cluster.executorLogs();
            assertTrue(out.contains("4 images"), out);
            assertTrue(logs.contains("loading the face engine on cuda:0"), logs);
            assertTrue(logs.contains("loading the face engine on cuda:1"), "the profile's GPUs reach the tasks:\n" + logs);
        }
    }
}
