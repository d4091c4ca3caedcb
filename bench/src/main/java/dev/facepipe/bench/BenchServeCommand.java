package dev.facepipe.bench;

import dev.facepipe.core.config.Config;
import dev.facepipe.core.engine.FaceEngine;
import dev.facepipe.core.model.Machine;
import dev.facepipe.index.IndexLayout;
import dev.facepipe.index.IndexManifest;
import dev.facepipe.serve.ApiServer;
import dev.facepipe.serve.SearchService;
import dev.facepipe.serve.ServeSettings;
import dev.facepipe.storage.HadoopFiles;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import javax.imageio.ImageIO;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

@Command(name = "serve", mixinStandardHelpOptions = true,
        description = "The search service on loopback over a synthetic index (the default layout for --faces):"
                + " start to ready, the first 100 queries cold against after warm-up, embedding queries with"
                + " --clients concurrent clients (p50, p99, QPS), photo queries (<= 1 MP), and a version swap under"
                + " load (failed queries).")
final class BenchServeCommand implements Callable<Integer> {
    @ParentCommand
    BenchCommand bench;

    @Option(names = "--faces", description = "Indexed faces (default: ${DEFAULT-VALUE}).")
    int n = 1_000_000;

    @Option(names = "--dim", description = "Embedding dimension (default: ${DEFAULT-VALUE}).")
    int dim = 512;

    @Option(names = "--clients", description = "Concurrent clients for embedding queries (default: ${DEFAULT-VALUE}).")
    int clients = 4;

    @Option(names = "--seconds", description = "Length of each load phase (default: ${DEFAULT-VALUE}).")
    int seconds = 15;

    @Option(names = "--photo", paramLabel = "FILE", description = "Photo for image queries (repeatable; larger ones"
            + " are scaled to 1 MP); default: the fixture photos with faces.")
    List<Path> photos = new ArrayList<>();

    @Option(names = "--work", paramLabel = "DIR", description = "Folder for the index and caches (default: a temp"
            + " folder, deleted after).")
    Path work;

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @Override
    public Integer call() throws Exception {
        Config base = bench.main.config();
        boolean temp = work == null;
        Path dir = temp ? Files.createTempDirectory("bench-serve") : work;
        System.out.printf(Locale.ROOT, "machine: %s, %d cores; %d faces x %d%n", Machine.cpu(),
                Runtime.getRuntime().availableProcessors(), n, dim);
        Path root = dir.resolve("index");
        String v1 = "v-20260101-000000-000";
        long t0 = System.nanoTime();
        IndexLayout layout = new IndexLayout(root.toString());
        if (!temp && Files.exists(Path.of(layout.manifest(v1)))
                && IndexManifest.fromJson(Files.readString(Path.of(layout.manifest(v1)))).vectors() == n) {
            Files.writeString(Path.of(layout.pointer()), v1);
            System.out.println("reusing the index built earlier under " + root);
        } else {
            String factory = build(base, root, v1);
            System.out.printf(Locale.ROOT, "built %s in %.1f s (not a service figure)%n", factory, secs(t0));
        }
        Config cfg = base.with("serve.port", "0", "bench").with("serve.follow_seconds", "0", "bench")
                .with("serve.cache_dir", dir.resolve("cache").toString(), "bench")
                .with("serve.audit_dir", dir.resolve("audit").toString(), "bench")
                .with("serve.rate_per_key", "1000000", "bench");
        ServeSettings settings = ServeSettings.fromConfig(cfg);
        float[] queries = new SyntheticVectors(dim, Math.max(10, n / 100), 1, 2).next(1000);

        for (String start : new String[] {"first start (face lookup built)", "restart (face lookup reused)"}) {
            System.out.printf(Locale.ROOT, "start to ready, %s: %.2f s (a new `facepipe serve` process: JVM, models,"
                    + " shards, warm-up)%n", start, startToReady(root, dir));
        }

        boolean dropped = dropPageCache();
        ServeSettings cold = ServeSettings.fromConfig(cfg.with("serve.warmup_queries", "-1", "bench"));
        try (SearchService s = new SearchService(cfg, cold, root.toString(), FaceEngine.fromConfig(cfg));
                ApiServer api = new ApiServer(s, cold)) {
            s.start();
            api.start();
            double[] c = sequential(api.port(), queries, 0, 100);
            s.warm();
            double[] w = sequential(api.port(), queries, 100, 100);
            System.out.printf(Locale.ROOT, "first 100 embedding queries, cold (no warm-up%s): p50 %.2f ms, p99 %.2f ms,"
                    + " mean %.2f ms; after warm-up: p50 %.2f ms, p99 %.2f ms, mean %.2f ms%n",
                    dropped ? ", page cache dropped" : "; page cache not dropped: not permitted here, files may be cached",
                    pct(c, 50), pct(c, 99), mean(c), pct(w, 50), pct(w, 99), mean(w));
        }

        try (SearchService s = new SearchService(cfg, settings, root.toString(), FaceEngine.fromConfig(cfg));
                ApiServer api = new ApiServer(s, settings)) {
            s.start();
            api.start();
            Load load = load(api.port(), queries, seconds, null);
            System.out.printf(Locale.ROOT, "embedding queries, %d clients, %d s: %d answered, %.0f QPS, p50 %.2f ms,"
                    + " p99 %.2f ms, failed %d (goal p99 <= 15 ms); inside the server %s%n", clients, seconds,
                    load.latencies.length, load.latencies.length / (double) seconds, pct(load.latencies, 50),
                    pct(load.latencies, 99), load.failed, serverShare(api.port()));
            List<byte[]> pics = photos();
            double[] img = new double[Math.max(20, pics.size() * 5)];
            for (int i = 0; i < img.length; i++) {
                long q0 = System.nanoTime();
                HttpResponse<String> r = post(api.port(), "/v1/search/image?faces=main&k=10", pics.get(i % pics.size()));
                img[i] = (System.nanoTime() - q0) / 1e6;
                if (r.statusCode() != 200) throw new IllegalStateException("image query failed: " + r.body());
            }
            Arrays.sort(img);
            System.out.printf(Locale.ROOT, "photo queries (%d photos <= 1 MP, main face, one client): %d, p50 %.1f ms,"
                    + " p99 %.1f ms (goal p99 <= 100 ms)%n", pics.size(), img.length, pct(img, 50), pct(img, 99));

            String v2 = IndexLayout.newVersion();
            copyVersion(HadoopFiles.fromConfig(cfg), root, v1, v2);
            long[] swapMs = {0};
            Load swap = load(api.port(), queries, Math.max(4, seconds / 3), () -> {
                long w0 = System.nanoTime();
                if (!s.refresh()) throw new IllegalStateException(s.lastSwapError());
                swapMs[0] = (System.nanoTime() - w0) / 1_000_000;
            });
            System.out.printf(Locale.ROOT, "version swap under load (%d clients): swapped to %s in %d ms (open and"
                    + " warm), %d queries answered, %d failed, p99 %.2f ms%s%n", clients, s.version(), swapMs[0],
                    swap.latencies.length, swap.failed, pct(swap.latencies, 99),
                    swap.failures.isEmpty() ? "" : "; first failures: " + swap.failures);
            if (!temp) deleteTree(Path.of(new IndexLayout(root.toString()).version(v2)));
        }
        if (temp) deleteTree(dir);
        return 0;
    }

    /** A published version of n synthetic faces in one shard per index.vectors_per_shard, as build-index lays it out. */
    private String build(Config cfg, Path root, String version) throws Exception {
        SyntheticIndex index = new SyntheticIndex(cfg, root, n, dim, new SyntheticVectors(dim, Math.max(10, n / 100), 1, 3));
        try {
            long perShard = cfg.getLong("index.vectors_per_shard");
            int shards = (int) Math.max(1, (n + perShard - 1) / perShard);
            SyntheticVectors gen = new SyntheticVectors(dim, Math.max(10, n / 100), 1, 1);
            List<IndexManifest.Shard> list = new ArrayList<>();
            long next = 0;
            for (int s = 0; s < shards; s++) {
                int count = (int) Math.min(perShard, n - next);
                list.add(index.shard(version, s, count, next, gen, 0.8, 0.8,
                        (key, person) -> String.format("face-%012d", key), null));
                next += count;
            }
            // The real embedding model's id, so photo queries are searched too (their vectors land among synthetic ones).
            index.publish(version, list);
            return index.factory;
        } finally {
            index.close();
        }
    }

    /** Seconds from launching `bin/facepipe serve` until it prints that it is ready; the process is then stopped. */
    private static double startToReady(Path root, Path dir) throws Exception {
        long t0 = System.nanoTime();
        Process p = new ProcessBuilder(Config.root().resolve("bin/facepipe").toString(), "serve", "--index",
                root.toString(), "--set", "serve.port=0", "--set", "serve.follow_seconds=0", "--set",
                "serve.cache_dir=" + dir.resolve("cache"), "--set", "serve.audit_dir=" + dir.resolve("audit"))
                .redirectErrorStream(true).start();
        try (var out = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream()))) {
            StringBuilder seen = new StringBuilder();
            for (String line; (line = out.readLine()) != null; ) {
                if (line.startsWith("facepipe serve: ready")) return secs(t0);
                seen.append(line).append('\n');
            }
            throw new IllegalStateException("facepipe serve exited without becoming ready:\n" + seen);
        } finally {
            p.destroy();
            p.waitFor();
        }
    }

    /** The version copied under a new name (its own files, as a rebuild would write) and CURRENT moved to it. */
    private static void copyVersion(HadoopFiles files, Path root, String from, String to) throws Exception {
        IndexLayout layout = new IndexLayout(root.toString());
        IndexManifest m = IndexManifest.fromJson(files.readString(layout.manifest(from)));
        List<IndexManifest.Shard> shards = new ArrayList<>();
        for (IndexManifest.Shard sh : m.shards()) {
            Path f = Path.of(layout.shard(to, sh.shard()));
            Files.createDirectories(f.getParent());
            Files.copy(Path.of(sh.file()), f);
            Path side = Path.of(layout.sidecar(to, sh.shard()));
            Files.createDirectories(side);
            try (var ls = Files.list(Path.of(sh.sidecar()))) {
                for (Path p : ls.toList()) Files.copy(p, side.resolve(p.getFileName()));
            }
            shards.add(new IndexManifest.Shard(sh.shard(), sh.count(), f.toString(), sh.sha256(), sh.bytes(),
                    side.toString()));
        }
        IndexManifest next = new IndexManifest(to, m.modelId(), m.modelSha256(), m.dim(), m.metric(), m.factory(),
                m.lists(), m.trainingSample(), m.vectors(), shards, m.defaultNprobe(), m.defaultEfSearch(),
                0, 0, 0, 0, 0, 0, 0, m.threshold(), 1, from, 0, System.currentTimeMillis(), m.impostorTail(),
                m.openSetFpir(), null);
        Files.writeString(Path.of(layout.manifest(to)), next.toJson());
        Files.writeString(Path.of(layout.pointer()), to);
    }

    private record Load(double[] latencies, int failed, List<String> failures) {}

    /** clients threads querying for the given seconds; during mid-run, once, the given action. */
    private Load load(int port, float[] queries, int secs, ThrowingRunnable during) throws Exception {
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger failed = new AtomicInteger();
        List<Double> lat = Collections.synchronizedList(new ArrayList<>());
        List<String> reasons = Collections.synchronizedList(new ArrayList<>());
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        List<Future<?>> runs = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            int offset = c * 97;
            runs.add(pool.submit(() -> {
                for (int i = offset; !stop.get(); i++) {
                    byte[] body = embedding(queries, i % (queries.length / dim));
                    long q0 = System.nanoTime();
                    try {
                        HttpResponse<String> r = post(port, "/v1/search/embedding", body);
                        if (r.statusCode() != 200 || r.body().contains("\"partial\":true")) {
                            failed.incrementAndGet();
                            if (reasons.size() < 3) reasons.add(r.statusCode() + " " + r.body().substring(0,
                                    Math.min(200, r.body().length())));
                        } else {
                            lat.add((System.nanoTime() - q0) / 1e6);
                        }
                    } catch (Exception e) {
                        failed.incrementAndGet();
                        if (reasons.size() < 3) reasons.add(e.toString());
                    }
                }
                return null;
            }));
        }
        if (during != null) {
            Thread.sleep(secs * 1000L / 3);
            during.run();
            Thread.sleep(secs * 1000L * 2 / 3);
        } else {
            Thread.sleep(secs * 1000L);
        }
        stop.set(true);
        for (Future<?> f : runs) f.get();
        pool.shutdown();
        double[] l = lat.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return new Load(l, failed.get(), List.copyOf(reasons));
    }

    @FunctionalInterface
    private interface ThrowingRunnable {
        void run() throws Exception;
    }

    private double[] sequential(int port, float[] queries, int from, int count) throws Exception {
        double[] l = new double[count];
        for (int i = 0; i < count; i++) {
            byte[] body = embedding(queries, (from + i) % (queries.length / dim));
            long q0 = System.nanoTime();
            HttpResponse<String> r = post(port, "/v1/search/embedding", body);
            l[i] = (System.nanoTime() - q0) / 1e6;
            if (r.statusCode() != 200) throw new IllegalStateException("query failed: " + r.body());
        }
        Arrays.sort(l);
        return l;
    }

    private byte[] embedding(float[] queries, int i) {
        StringBuilder sb = new StringBuilder("{\"k\":10,\"embedding\":[");
        for (int j = 0; j < dim; j++) {
            if (j > 0) sb.append(',');
            sb.append(queries[i * dim + j]);
        }
        return sb.append("]}").toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    private HttpResponse<String> post(int port, String path, byte[] body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The photos as JPEG bytes of at most 1 MP (larger ones scaled down). */
    private List<byte[]> photos() throws Exception {
        List<Path> in = new ArrayList<>(photos);
        if (in.isEmpty()) {
            Path ids = Config.root().resolveSibling("shared").resolve("testdata/identities");
            for (String f : new String[] {"obama_1.jpg", "obama_2.jpg", "obama_3.jpg", "biden_1.jpg"}) {
                if (Files.exists(ids.resolve(f))) in.add(ids.resolve(f));
            }
            Path deb = Config.root().resolve("fixtures/debian");
            for (String f : new String[] {"astronaut.png", "grace_hopper.jpg"}) {
                if (Files.exists(deb.resolve(f))) in.add(deb.resolve(f));
            }
        }
        if (in.isEmpty()) throw new IllegalArgumentException("no photos: give --photo FILE (scripts/setup.sh fetches fixtures)");
        List<byte[]> out = new ArrayList<>();
        for (Path p : in) {
            BufferedImage img = ImageIO.read(p.toFile());
            if (img == null) continue;
            double scale = Math.min(1, Math.sqrt(1e6 / ((double) img.getWidth() * img.getHeight())));
            int w = (int) (img.getWidth() * scale), h = (int) (img.getHeight() * scale);
            BufferedImage small = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
            var g = small.createGraphics();
            g.setRenderingHint(java.awt.RenderingHints.KEY_INTERPOLATION,
                    java.awt.RenderingHints.VALUE_INTERPOLATION_BILINEAR);
            g.drawImage(img, 0, 0, w, h, null);
            g.dispose();
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            ImageIO.write(small, "jpg", b);
            out.add(b.toByteArray());
        }
        return out;
    }

    /** From the service's own histogram: the share of embedding queries it answered within 5 and 15 ms. */
    private String serverShare(int port) throws Exception {
        String m = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        double total = bucket(m, "+Inf"), in5 = bucket(m, "0.005"), in15 = bucket(m, "0.015");
        return String.format(Locale.ROOT, "%.1f%% within 5 ms and %.1f%% within 15 ms (the rest of the time is the"
                + " clients, which share the cores)", 100 * in5 / total, 100 * in15 / total);
    }

    private static double bucket(String metrics, String le) {
        for (String line : metrics.split("\n")) {
            if (line.startsWith("facepipe_request_seconds_bucket{") && line.contains("le=\"" + le + "\"")
                    && line.contains("route=\"/v1/search/embedding\"")) {
                return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return Double.NaN;
    }

    /** Asks the kernel to drop clean page cache (root only): a cold start that really reads the disk. */
    private static boolean dropPageCache() {
        try {
            new ProcessBuilder("sync").start().waitFor();
            Files.writeString(Path.of("/proc/sys/vm/drop_caches"), "1");
            return true;
        } catch (Exception e) {
            return false;
        }
    }

    private static void deleteTree(Path dir) throws Exception {
        try (var s = Files.walk(dir)) {
            for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }

    private static double secs(long t0) {
        return (System.nanoTime() - t0) / 1e9;
    }

    private static double mean(double[] a) {
        return Arrays.stream(a).average().orElse(Double.NaN);
    }

    private static double pct(double[] sorted, double p) {
        if (sorted.length == 0) return Double.NaN;
        return sorted[Math.max(0, (int) Math.ceil(p / 100 * sorted.length) - 1)];
    }
}
