package dev.facepipe.testing;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A Spark standalone cluster on loopback, started from the project's own jars: a master and N
 * workers (separate JVMs), each worker launching executor JVMs as on a real cluster; jobs go in
 * through SparkSubmit in client mode, as scripts/submit.sh does. SPARK_HOME is a folder whose
 * jars/ links every jar of the facepipe command line (Spark included), which is what a worker puts
 * on an executor's class path.
 */
public final class LocalCluster implements AutoCloseable {
    private final Path home;
    private final Path dir;
    private final int port;
    private final List<Process> daemons = new ArrayList<>();

    private LocalCluster(Path dir, int workers, int cores, String memory, int fakeGpus) throws Exception {
        this.dir = dir;
        home = dir.resolve("spark-home");
        Path jars = Files.createDirectories(home.resolve("jars"));
        for (Path jar : appJars()) Files.createSymbolicLink(jars.resolve(jar.getFileName()), jar);
        // Daemons log at INFO (readiness is read from their logs); jobs keep facepipe's own log settings.
        Files.writeString(dir.resolve("log4j2-daemon.properties"), "rootLogger.level = info\n"
                + "rootLogger.appenderRef.out.ref = out\nappender.out.type = Console\nappender.out.name = out\n"
                + "appender.out.layout.type = PatternLayout\nappender.out.layout.pattern = %d{HH:mm:ss} %p %c{1}: %m%n\n");
        port = freePort();
        daemons.add(daemon("master", List.of("org.apache.spark.deploy.master.Master", "--host", "127.0.0.1",
                "--port", Integer.toString(port), "--webui-port", Integer.toString(freePort())), List.of()));
        waitForLog(dir.resolve("master.log"), "I have been elected leader", 60);
        Path discovery = dir.resolve("fake-gpus.sh");
        StringBuilder ids = new StringBuilder();
        for (int g = 0; g < fakeGpus; g++) ids.append(g == 0 ? "" : ",").append('"').append(g).append('"');
        Files.writeString(discovery, "#!/bin/sh\necho '{\"name\":\"gpu\",\"addresses\":[" + ids + "]}'\n");
        discovery.toFile().setExecutable(true);
        for (int w = 0; w < workers; w++) {
            List<String> props = fakeGpus == 0 ? List.of() : List.of("-Dspark.worker.resource.gpu.amount=" + fakeGpus,
                    "-Dspark.worker.resource.gpu.discoveryScript=" + discovery);
            daemons.add(daemon("worker-" + w, List.of("org.apache.spark.deploy.worker.Worker", "--host", "127.0.0.1",
                    "--cores", Integer.toString(cores), "--memory", memory, "--webui-port", Integer.toString(freePort()),
                    "--work-dir", dir.resolve("work-" + w).toString(), masterUrl()), props));
        }
        for (int w = 0; w < workers; w++) waitForLog(dir.resolve("worker-" + w + ".log"), "Successfully registered", 60);
    }

    /** Starts a master and the workers (cores and memory each; fakeGpus > 0 makes each report that many GPUs). */
    public static LocalCluster start(Path dir, int workers, int cores, String memory, int fakeGpus) throws Exception {
        return new LocalCluster(dir, workers, cores, memory, fakeGpus);
    }

    public String masterUrl() {
        return "spark://127.0.0.1:" + port;
    }

    /** The command line's jar and everything on its class path. */
    public static List<Path> appJars() throws IOException {
        List<Path> out = new ArrayList<>();
        try (Stream<Path> s = Files.list(Fixtures.ROOT.resolve("cli/target"))) {
            out.add(s.filter(p -> p.getFileName().toString().matches("facepipe-cli-.*[0-9T]\\.jar")).findFirst()
                    .orElseThrow(() -> new IllegalStateException("cli jar not built")));
        }
        for (String e : Files.readString(Fixtures.ROOT.resolve("cli/target/classpath.txt")).strip().split(":")) {
            if (e.endsWith(".jar")) out.add(Path.of(e));
        }
        return out;
    }

    private static List<String> opens() throws IOException {
        String pom = Files.readString(Fixtures.ROOT.resolve("pom.xml"));
        String o = pom.substring(pom.indexOf("<spark.opens>") + 13, pom.indexOf("</spark.opens>"));
        return List.of(o.split("\\s+"));
    }

    /** conf's job.jvm_options, which scripts/submit.sh gives the driver and every executor. */
    public static String jvmOptions() throws IOException {
        return Files.readAllLines(Fixtures.ROOT.resolve("conf/facepipe-defaults.properties")).stream()
                .filter(l -> l.startsWith("job.jvm_options=")).findFirst()
                .map(l -> l.substring("job.jvm_options=".length()).strip()).orElse("");
    }

    private ProcessBuilder java(List<String> jvm, List<String> main) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        cmd.addAll(opens());
        cmd.addAll(jvm);
        cmd.addAll(List.of("-cp", home.resolve("jars") + "/*"));
        cmd.addAll(main);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        Map<String, String> env = pb.environment();
        env.put("SPARK_HOME", home.toString());
        env.put("SPARK_SCALA_VERSION", "2.13"); // else executors look for a source build's class dirs
        env.put("SPARK_LOCAL_IP", "127.0.0.1");
        env.put("SPARK_PUBLIC_DNS", "127.0.0.1");
        env.put("FACEPIPE_HOME", Fixtures.ROOT.toString());
        return pb;
    }

    private Process daemon(String name, List<String> main, List<String> props) throws IOException {
        List<String> jvm = new ArrayList<>(List.of("-Xmx512m",
                "-Dlog4j2.configurationFile=" + dir.resolve("log4j2-daemon.properties")));
        jvm.addAll(props);
        return java(jvm, main).redirectOutput(dir.resolve(name + ".log").toFile()).start();
    }

    /**
     * Starts a facepipe command through SparkSubmit (client mode) on this cluster, output to log.
     * @param env extra environment (facepipe conf as FACEPIPE_* variables)
     * @param sparkConf --conf key=value pairs
     */
    public Process submit(Path log, Map<String, String> env, List<String> sparkConf, String... args) throws IOException {
        List<String> main = new ArrayList<>(List.of("org.apache.spark.deploy.SparkSubmit", "--master", masterUrl(),
                "--deploy-mode", "client", "--class", "dev.facepipe.cli.Main",
                "--conf", "spark.driver.host=127.0.0.1", "--conf", "spark.driver.bindAddress=127.0.0.1",
                "--conf", "spark.ui.enabled=false", "--conf", "spark.executor.memory=1g",
                "--conf", "spark.sql.shuffle.partitions=8"));
        String options = jvmOptions();
        if (!options.isEmpty()) main.addAll(List.of("--conf", "spark.executor.extraJavaOptions=" + options));
        for (String c : sparkConf) main.addAll(List.of("--conf", c));
        main.add(appJars().get(0).toString());
        main.addAll(List.of(args));
        // Client mode: this JVM is the driver, started with what spark-submit gives a driver.
        List<String> driver = new ArrayList<>(List.of("-Xmx2g"));
        if (!options.isEmpty()) driver.addAll(List.of(options.split("\\s+")));
        ProcessBuilder pb = java(driver, main).redirectOutput(log.toFile());
        pb.environment().putAll(env);
        return pb.start();
    }

    /** Runs a command to its end; fails with its log when it does not succeed. */
    public String run(Path log, Map<String, String> env, List<String> sparkConf, String... args) throws Exception {
        return run(log, env, sparkConf, 0, args);
    }

    /** Runs a command to its end; fails with its log unless it exits with exitCode (3: finished with alarms). */
    public String run(Path log, Map<String, String> env, List<String> sparkConf, int exitCode, String... args)
            throws Exception {
        Process p = submit(log, env, sparkConf, args);
        if (!p.waitFor(600, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("timed out: " + String.join(" ", args) + "\n" + Files.readString(log));
        }
        String out = Files.readString(log, StandardCharsets.UTF_8);
        if (p.exitValue() != exitCode) {
            throw new AssertionError("exit " + p.exitValue() + ", not " + exitCode + ": " + String.join(" ", args) + "\n"
                    + out);
        }
        return out;
    }

    /** The executor JVMs the workers have launched (and that are still alive). */
    public List<ProcessHandle> executors() {
        return ProcessHandle.allProcesses().filter(p -> p.info().commandLine().map(c ->
                c.contains("CoarseGrainedExecutorBackend") && c.contains(home.toString())).orElse(false)).toList();
    }

    /** The live executor whose log contains this text (by its --executor-id and log folder), if any. */
    public java.util.Optional<ProcessHandle> executorLogging(String text) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path f : s.filter(p -> p.getFileName().toString().equals("stderr")).toList()) {
                if (!Files.readString(f, StandardCharsets.UTF_8).contains(text)) continue;
                String id = f.getParent().getFileName().toString();
                String app = f.getParent().getParent().getFileName().toString();
                for (ProcessHandle e : executors()) {
                    String c = e.info().commandLine().orElse("");
                    if (c.contains("--executor-id " + id + " ") && c.contains(app)) return java.util.Optional.of(e);
                }
            }
        }
        return java.util.Optional.empty();
    }

    /** The daemons' logs (master, workers) as one text. */
    public String daemonLogs() throws IOException {
        StringBuilder sb = new StringBuilder();
        try (Stream<Path> s = Files.list(dir)) {
            for (Path f : s.filter(p -> p.getFileName().toString().matches("(master|worker-\\d+)\\.log")).sorted()
                    .toList()) {
                sb.append("==> ").append(f).append('\n').append(Files.readString(f, StandardCharsets.UTF_8));
            }
        }
        return sb.toString();
    }

    /** Executors' stderr (the workers keep it under work-N/APP/EXECUTOR/stderr). */
    public String executorLogs() throws IOException {
        StringBuilder sb = new StringBuilder();
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path f : s.filter(p -> p.getFileName().toString().equals("stderr")).sorted().toList()) {
                sb.append("==> ").append(f).append('\n').append(Files.readString(f, StandardCharsets.UTF_8));
            }
        }
        return sb.toString();
    }

    private static void waitForLog(Path log, String line, int seconds) throws Exception {
        long end = System.currentTimeMillis() + seconds * 1000L;
        while (System.currentTimeMillis() < end) {
            if (Files.exists(log) && Files.readString(log, StandardCharsets.UTF_8).contains(line)) return;
            Thread.sleep(200);
        }
        throw new AssertionError("no '" + line + "' in " + log + " after " + seconds + " s:\n"
                + (Files.exists(log) ? Files.readString(log) : "(no log)"));
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    @Override
    public void close() {
        for (ProcessHandle e : executors()) e.destroyForcibly();
        for (Process d : daemons) {
            d.descendants().forEach(ProcessHandle::destroyForcibly);
            d.destroyForcibly();
        }
        for (Process d : daemons) {
            try {
                d.waitFor(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
