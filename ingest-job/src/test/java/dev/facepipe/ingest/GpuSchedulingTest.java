package dev.facepipe.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.facepipe.core.config.Config;
import dev.facepipe.core.engine.FaceEngine;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.resource.ResourceInformation;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * GPU scheduling on a real Spark standalone cluster (master and worker started from the project's
 * jars on loopback), with a discovery script that reports two fake GPUs: tasks that run at the same
 * time on an executor get different device ids from Spark, and without CUDA the engine falls back to
 * the CPU and says so in the executor's log.
 */
class GpuSchedulingTest {
    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** SPARK_HOME/jars holding this test's whole classpath (directories packed as jars). */
    private static Path sparkHome(Path dir) throws IOException {
        Path jars = dir.resolve("jars");
        Files.createDirectories(jars);
        int i = 0;
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            Path p = Path.of(entry);
            if (Files.isDirectory(p)) {
                try (OutputStream o = Files.newOutputStream(jars.resolve("dir-" + (i++) + ".jar"));
                        JarOutputStream jar = new JarOutputStream(o); Stream<Path> files = Files.walk(p)) {
                    for (Path f : files.filter(Files::isRegularFile).toList()) {
                        jar.putNextEntry(new java.util.jar.JarEntry(p.relativize(f).toString().replace('\\', '/')));
                        jar.write(Files.readAllBytes(f));
                        jar.closeEntry();
                    }
                }
            } else if (entry.endsWith(".jar") && Files.exists(p)) {
                Files.createSymbolicLink(jars.resolve(i++ + "-" + p.getFileName()), p);
            }
        }
        return dir;
    }

    private static Process java(Path home, Path log, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(System.getProperty("java.home") + "/bin/java", "-Xmx512m", "-cp",
                home.resolve("jars") + "/*"));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("SPARK_HOME", home.toString());
        pb.environment().put("SPARK_SCALA_VERSION", "2.13");
        pb.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
        return pb.start();
    }

    @Test
    void concurrentTasksGetDistinctGpusAndFallBackToCpuWithALogLine(@TempDir Path tmp) throws Exception {
        Path home = sparkHome(tmp.resolve("spark"));
        Path gpus = tmp.resolve("gpus.sh");
        Files.writeString(gpus, "#!/bin/sh\necho '{\"name\":\"gpu\",\"addresses\":[\"0\",\"1\"]}'\n");
        gpus.toFile().setExecutable(true);
        int masterPort = freePort();
        Process master = java(home, tmp.resolve("master.log"), "org.apache.spark.deploy.master.Master", "--host",
                "127.0.0.1", "--port", String.valueOf(masterPort), "--webui-port", String.valueOf(freePort()));
        Process worker = null;
        SparkSession spark = null;
        try {
            Thread.sleep(3000);
            worker = java(home, tmp.resolve("worker.log"), "-Dspark.worker.resource.gpu.amount=2",
                    "-Dspark.worker.resource.gpu.discoveryScript=" + gpus, "org.apache.spark.deploy.worker.Worker",
                    "--host", "127.0.0.1", "--cores", "2", "--memory", "2g", "--webui-port", String.valueOf(freePort()),
                    "--work-dir", tmp.resolve("work").toString(), "spark://127.0.0.1:" + masterPort);
            Thread.sleep(3000);
            spark = SparkSession.builder().appName("gpu-scheduling-test").master("spark://127.0.0.1:" + masterPort)
                    .config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1")
                    .config("spark.ui.enabled", false).config("spark.executor.cores", 2)
                    .config("spark.executor.memory", "1g")
                    .config("spark.executor.resource.gpu.amount", 2)
                    .config("spark.executor.resource.gpu.discoveryScript", gpus.toString())
                    .config("spark.task.resource.gpu.amount", 1).getOrCreate();
            // (No static state in this class: executors load it to run the lambda below.)
            Path root = Path.of(System.getProperty("facepipe.root"));
            Config cfg = Config.builder().set("models.dir", root.resolve("models").toString(), "t")
                    .set("onnx.device", "cuda", "t").build();
            List<String> seen = spark.createDataset(List.of(1, 2, 3, 4, 5, 6), Encoders.INT()).repartition(6)
                    .mapPartitions((MapPartitionsFunction<Integer, String>) it -> {
                        ResourceInformation gpu = TaskContext.get().resources().get("gpu").get();
                        long start = System.currentTimeMillis();
                        FaceEngine e = EngineHolder.forTask(cfg);
                        Thread.sleep(1500); // make tasks overlap
                        return List.of(gpu.addresses()[0] + "|" + e.device() + "|" + start + "|"
                                + System.currentTimeMillis()).iterator();
                    }, Encoders.STRING()).collectAsList();
            assertEquals(6, seen.size());
            for (int a = 0; a < seen.size(); a++) {
                String[] x = seen.get(a).split("\\|");
                assertEquals("cpu", x[1], "no CUDA here: the CPU fallback was taken");
                for (int b = a + 1; b < seen.size(); b++) {
                    String[] y = seen.get(b).split("\\|");
                    boolean overlap = Long.parseLong(x[2]) < Long.parseLong(y[3]) && Long.parseLong(y[2]) < Long.parseLong(x[3]);
                    if (overlap) assertTrue(!x[0].equals(y[0]), "concurrent tasks shared GPU " + x[0] + ": " + seen);
                }
            }
            assertTrue(seen.stream().map(s -> s.split("\\|")[0]).distinct().count() == 2, "both GPUs used: " + seen);
            spark.stop();
            spark = null;
            try (Stream<Path> logs = Files.walk(tmp.resolve("work"))) {
                String executorLogs = String.join("\n", logs.filter(p -> p.getFileName().toString().matches("stderr|stdout"))
                        .map(p -> {
                            try {
                                return Files.readString(p);
                            } catch (IOException e) {
                                return "";
                            }
                        }).toList());
                assertTrue(executorLogs.contains("running models on CPU"), "fallback logged by the executor");
            }
        } finally {
            if (spark != null) spark.stop();
            if (worker != null) worker.destroy();
            master.destroy();
            if (worker != null) worker.waitFor(10, TimeUnit.SECONDS);
            master.waitFor(10, TimeUnit.SECONDS);
        }
    }
}
