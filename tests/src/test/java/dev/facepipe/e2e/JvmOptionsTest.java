package dev.facepipe.e2e;

import static dev.facepipe.testing.Fixtures.ROOT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.facepipe.testing.LocalCluster;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * conf's job.jvm_options (JIT thresholds, JavaCPP's limits) reach every JVM the launchers start, and a user's
 * FACEPIPE_JAVA_OPTS still win; so does conf's job.native_env (OPENBLAS_THREAD_TIMEOUT), where a variable the user
 * already set keeps its value.
 */
class JvmOptionsTest {
    /** The -XX:Name=value flags of job.jvm_options in the defaults file, by name. */
    private static Map<String, String> confFlags() throws Exception {
        Map<String, String> flags = new LinkedHashMap<>();
        Matcher m = Pattern.compile("-XX:(\\w+)=(\\S+)").matcher(LocalCluster.jvmOptions());
        while (m.find()) flags.put(m.group(1), m.group(2));
        return flags;
    }

    /** The -Dname=value system properties of job.jvm_options in the defaults file, by name. */
    private static Map<String, String> confProperties() throws Exception {
        Map<String, String> props = new LinkedHashMap<>();
        Matcher m = Pattern.compile("-D([\\w.]+)=(\\S+)").matcher(LocalCluster.jvmOptions());
        while (m.find()) props.put(m.group(1), m.group(2));
        return props;
    }

    private static String run(List<String> cmd, String... env) throws Exception {
        return run(0, cmd, env);
    }

    /** cmd's output, after it exited with exit; env's pairs replace the test's own (a null value removes it). */
    private static String run(int exit, List<String> cmd, String... env) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().remove("OPENBLAS_THREAD_TIMEOUT");
        for (int i = 0; i < env.length; i += 2) pb.environment().put(env[i], env[i + 1]);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(2, TimeUnit.MINUTES), "timed out: " + cmd);
        assertEquals(exit, p.exitValue(), out);
        return out;
    }

    /** The defaults file's job.native_env: NAME=VALUE pairs. */
    private static String confNativeEnv() throws Exception {
        return Files.readAllLines(ROOT.resolve("conf/facepipe-defaults.properties")).stream()
                .filter(l -> l.startsWith("job.native_env=")).findFirst().orElseThrow()
                .substring("job.native_env=".length()).strip();
    }

    /** The OPENBLAS_THREAD_TIMEOUT the defaults set. */
    private static String confThreadTimeout() throws Exception {
        Matcher m = Pattern.compile("\\bOPENBLAS_THREAD_TIMEOUT=(\\S+)").matcher(confNativeEnv());
        assertTrue(m.find(), "job.native_env sets OPENBLAS_THREAD_TIMEOUT: " + confNativeEnv());
        return m.group(1);
    }

    /** A small bench index run: its BLAS line says what OpenBLAS read from the JVM's environment as it loaded. */
    private static List<String> benchIndex(String... launcher) {
        List<String> cmd = new ArrayList<>(List.of(launcher));
        cmd.addAll(List.of("bench", "index", "--vectors", "2000", "--queries", "50", "--no-python", "--rounds", "1"));
        return cmd;
    }

    /** The run's BLAS line says this. */
    private static void assertBlasSays(String out, String text) {
        String line = out.lines().filter(l -> l.startsWith("java blas: ")).findFirst()
                .orElseThrow(() -> new AssertionError("no BLAS line in:\n" + out));
        assertTrue(line.contains(text), "not '" + text + "' in: " + line);
    }

    /** The value the JVM ran with, from -XX:+PrintFlagsFinal's table. */
    private static String finalValue(String out, String flag) {
        Matcher m = Pattern.compile("\\b" + flag + "\\s+=\\s+(\\S+)").matcher(out);
        assertTrue(m.find(), flag + " not in the JVM's flag table:\n" + out.substring(0, Math.min(out.length(), 2000)));
        return m.group(1);
    }

    private static void assertLauncherApplies(List<String> cmd, String... env) throws Exception {
        Map<String, String> flags = confFlags();
        assertTrue(flags.size() >= 2, "job.jvm_options sets " + flags);
        List<String> withFlags = new ArrayList<>(List.of(env));
        withFlags.addAll(List.of("FACEPIPE_JAVA_OPTS", "-Xmx512m -XX:+PrintFlagsFinal -XshowSettings:properties"));
        String out = run(cmd, withFlags.toArray(String[]::new));
        for (var f : flags.entrySet()) assertEquals(f.getValue(), finalValue(out, f.getKey()), f.getKey());
        // JavaCPP reads its limits once, from system properties: the JVM must start with them.
        Map<String, String> props = confProperties();
        assertEquals("0", props.get("org.bytedeco.javacpp.maxPhysicalBytes"), "job.jvm_options sets " + props);
        for (var p : props.entrySet()) {
            assertTrue(out.contains("    " + p.getKey() + " = " + p.getValue() + "\n"),
                    p.getKey() + " not " + p.getValue() + " in the JVM's properties");
        }
        assertTrue(out.contains("facepipe 0.1.0"), "the command itself ran:\n" + out.substring(out.length() - 300));

        // A flag the user sets again wins over conf's; the others stay.
        String first = flags.keySet().iterator().next();
        String mine = String.valueOf(Long.parseLong(flags.get(first)) + 1);
        List<String> overridden = new ArrayList<>(List.of(env));
        overridden.addAll(List.of("FACEPIPE_JAVA_OPTS", "-Xmx512m -XX:+PrintFlagsFinal -XX:" + first + "=" + mine));
        String out2 = run(cmd, overridden.toArray(String[]::new));
        assertEquals(mine, finalValue(out2, first));
        for (var f : flags.entrySet()) {
            if (!f.getKey().equals(first)) assertEquals(f.getValue(), finalValue(out2, f.getKey()), f.getKey());
        }
    }

    @Test
    void binFacepipeStartsItsJvmWithConfsOptions() throws Exception {
        assertLauncherApplies(List.of(ROOT.resolve("bin/facepipe").toString(), "--version"));
    }

    /** The launchers read the effective job.jvm_options, as the JVM's Config does: a user file, the environment, --set. */
    @Test
    void aUsersValueOfJobJvmOptionsReachesTheLaunchedJvm(@org.junit.jupiter.api.io.TempDir Path tmp) throws Exception {
        String facepipe = ROOT.resolve("bin/facepipe").toString();
        Path user = Files.writeString(tmp.resolve("user.properties"),
                "job.jvm_options = -XX:Tier4InvocationThreshold=11111\n");
        String viaFile = run(List.of(facepipe, "--conf", user.toString(), "--version"),
                "FACEPIPE_JAVA_OPTS", "-Xmx512m -XX:+PrintFlagsFinal");
        assertEquals("11111", finalValue(viaFile, "Tier4InvocationThreshold"));
        String viaEnv = run(List.of(facepipe, "--conf", user.toString(), "--version"),
                "FACEPIPE_JAVA_OPTS", "-Xmx512m -XX:+PrintFlagsFinal",
                "FACEPIPE_JOB_JVM_OPTIONS", "-XX:Tier4InvocationThreshold=22222");
        assertEquals("22222", finalValue(viaEnv, "Tier4InvocationThreshold"));
        String viaSet = run(List.of(facepipe, "--set", "job.jvm_options=-XX:Tier4InvocationThreshold=33333",
                "--version"), "FACEPIPE_JAVA_OPTS", "-Xmx512m -XX:+PrintFlagsFinal",
                "FACEPIPE_JOB_JVM_OPTIONS", "-XX:Tier4InvocationThreshold=22222");
        assertEquals("33333", finalValue(viaSet, "Tier4InvocationThreshold"));
        String out = run(List.of("bash", ROOT.resolve("scripts/submit.sh").toString(), "--profile", "standalone",
                "--master", "spark://m:7077", "--dry-run", "--", "ingest", "--set",
                "job.jvm_options=-XX:Tier4InvocationThreshold=44444", "--input", "in", "--out", "out"),
                "FACEPIPE_JAR", "/opt/facepipe/lib/facepipe-all.jar");
        assertTrue(out.contains("spark.executor.extraJavaOptions=-XX:Tier4InvocationThreshold=44444"), out);
    }

    /** The built cli jar and its dependencies, as the image's self-contained jar holds them. */
    private static String cliClasspath() throws Exception {
        Path target = ROOT.resolve("cli/target");
        String jar;
        try (var s = Files.list(target)) {
            jar = s.filter(p -> p.getFileName().toString().matches("facepipe-cli-.*[0-9T]\\.jar")).findFirst()
                    .orElseThrow().toString();
        }
        return jar + ":" + Files.readString(target.resolve("classpath.txt")).strip();
    }

    @Test
    void theImagesEntrypointStartsItsJvmWithConfsOptions() throws Exception {
        String cp = cliClasspath();
        assertLauncherApplies(List.of("bash", ROOT.resolve("docker/entrypoint.sh").toString(), "--version"),
                "FACEPIPE_CLASSPATH", cp, "FACEPIPE_HOME", ROOT.toString());
    }

    /**
     * OpenBLAS reads OPENBLAS_THREAD_TIMEOUT once, as it loads, from the process's environment: bin/facepipe exports
     * conf's value, a user's own value wins, and --set job.native_env= leaves it unset.
     */
    @Test
    void binFacepipeGivesItsJvmConfsNativeEnvironment() throws Exception {
        String facepipe = ROOT.resolve("bin/facepipe").toString();
        String timeout = confThreadTimeout();
        assertBlasSays(run(benchIndex(facepipe)), "(OPENBLAS_THREAD_TIMEOUT=" + timeout + ")");
        String mine = String.valueOf(Integer.parseInt(timeout) + 3);
        assertBlasSays(run(benchIndex(facepipe), "OPENBLAS_THREAD_TIMEOUT", mine),
                "(OPENBLAS_THREAD_TIMEOUT=" + mine + ")");
        assertBlasSays(run(benchIndex(facepipe, "--set", "job.native_env=")), "OPENBLAS_THREAD_TIMEOUT unset");
        String bad = run(1, List.of(facepipe, "--set", "job.native_env=4", "--version"));
        assertTrue(bad.contains("job.native_env: '4' is not NAME=VALUE"), bad);
    }

    @Test
    void theImagesEntrypointGivesItsJvmConfsNativeEnvironment() throws Exception {
        String cp = cliClasspath();
        String out = run(benchIndex("bash", ROOT.resolve("docker/entrypoint.sh").toString()), "FACEPIPE_CLASSPATH", cp,
                "FACEPIPE_HOME", ROOT.toString());
        assertBlasSays(out, "(OPENBLAS_THREAD_TIMEOUT=" + confThreadTimeout() + ")");
    }

    /** Every executor gets the variables, and so does a driver that spark-submit starts on YARN or Kubernetes. */
    @Test
    void submitGivesTheDriverAndEveryExecutorConfsNativeEnvironment() throws Exception {
        String submit = ROOT.resolve("scripts/submit.sh").toString();
        String pair = "OPENBLAS_THREAD_TIMEOUT=" + confThreadTimeout();
        String standalone = run(List.of("bash", submit, "--profile", "standalone", "--master", "spark://m:7077",
                "--dry-run", "--", "build-index"), "FACEPIPE_JAR", "/opt/facepipe/lib/facepipe-all.jar");
        assertTrue(standalone.contains("spark.executorEnv." + pair), standalone);
        assertFalse(standalone.contains("appMasterEnv") || standalone.contains("driverEnv"), standalone);
        String yarn = run(List.of("bash", submit, "--profile", "yarn", "--dry-run", "--", "build-index"),
                "FACEPIPE_JAR", "/opt/facepipe/lib/facepipe-all.jar", "OPENBLAS_THREAD_TIMEOUT", "9");
        assertTrue(yarn.contains("spark.executorEnv.OPENBLAS_THREAD_TIMEOUT=9"), yarn);
        assertTrue(yarn.contains("spark.yarn.appMasterEnv.OPENBLAS_THREAD_TIMEOUT=9"), yarn);
        String k8s = run(List.of("bash", submit, "--profile", "k8s", "--master", "k8s://https://h:443", "--dry-run",
                "--", "build-index"), "FACEPIPE_JAR", "/opt/facepipe/lib/facepipe-all.jar");
        assertTrue(k8s.contains("spark.kubernetes.driverEnv." + pair), k8s);
        String none = run(List.of("bash", submit, "--profile", "standalone", "--master", "spark://m:7077", "--dry-run",
                "--", "build-index", "--set", "job.native_env="), "FACEPIPE_JAR", "/opt/facepipe/lib/facepipe-all.jar");
        assertFalse(none.contains("executorEnv"), none);
    }

    @Test
    void submitPassesConfsOptionsToTheDriverAndEveryExecutor() throws Exception {
        String value = LocalCluster.jvmOptions();
        assertFalse(value.isBlank());
        String out = run(List.of("bash", ROOT.resolve("scripts/submit.sh").toString(), "--profile", "standalone",
                "--master", "spark://m:7077", "--dry-run", "--", "ingest", "--input", "in", "--out", "out"),
                "FACEPIPE_JAR", "/opt/facepipe/lib/facepipe-all.jar");
        // printf %q escapes the spaces: compare with them unescaped.
        String cmd = out.replace("\\ ", " ");
        assertTrue(cmd.contains("spark.driver.extraJavaOptions=" + value), out);
        assertTrue(cmd.contains("spark.executor.extraJavaOptions=" + value), out);
    }
}
