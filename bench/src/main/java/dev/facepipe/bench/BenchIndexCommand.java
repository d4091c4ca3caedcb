package dev.facepipe.bench;

import dev.facepipe.core.config.Config;
import dev.facepipe.core.config.NativeEnv;
import dev.facepipe.faiss.FaissIndex;
import dev.facepipe.faiss.Metric;
import dev.facepipe.faiss.SearchResult;
import dev.facepipe.index.IndexChooser;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

@Command(name = "index", mixinStandardHelpOptions = true,
        description = "Synthetic clustered unit vectors: train, add (vectors/s), recall@10 against exact search, QPS,"
                + " p50/p99 single-query ms, bytes per vector against process growth; then the same factory and"
                + " vectors with Debian's python3-faiss, and the Java/Python time ratio.")
final class BenchIndexCommand implements Callable<Integer> {
    @ParentCommand
    BenchCommand bench;

    @Option(names = "--vectors", description = "Database size (default: ${DEFAULT-VALUE}).")
    int n = 100_000;

    @Option(names = "--dim", description = "Dimension (default: ${DEFAULT-VALUE}).")
    int dim = 512;

    @Option(names = "--queries", description = "Queries (default: ${DEFAULT-VALUE}).")
    int nq = 500;

    @Option(names = "--factory", description = "FAISS factory (default: chosen by the index.* rules).")
    String factory = "";

    // A plain flag: picocli toggles a negatable option that defaults to true, so --no-python ran it anyway.
    @Option(names = "--no-python", description = "Skip the same build in python3-faiss.")
    boolean noPython;

    @Option(names = "--sweep", split = ",", paramLabel = "NPROBE",
            description = "Also measure recall@10 and latency at these nprobe values on the same index.")
    List<Integer> sweep = List.of();

    @Option(names = "--rounds", description = "Timed builds on each side, alternating java and python; the ratio"
            + " compares the medians (default: ${DEFAULT-VALUE}). One round swung the ratio by 0.1 on a shared machine.")
    int rounds = 3;

    private static final int ADD_BATCH = 65536;

    @Override
    public Integer call() throws Exception {
        BenchCommand.printMachine();
        Config cfg = bench.main.config();
        String f = factory.isBlank() ? IndexChooser.fromConfig(cfg).factory(n) : factory;
        int lists = IndexChooser.listsOf(f);
        int nprobe = lists == 0 ? 0 : Math.min(lists, cfg.getInt("index.nprobe"));
        int ef = cfg.getInt("index.ef_search");
        int train = lists == 0 ? 0 : (int) Math.min(n, Math.max((long) lists * cfg.getInt("index.train_min_per_list"),
                Math.min((long) lists * 256, cfg.getLong("index.train_max_vectors"))));
        float[] x = SyntheticVectors.clustered(n, dim, Math.max(10, n / 100), 1, 1);
        float[] q = SyntheticVectors.clustered(nq, dim, Math.max(10, n / 100), 1, 2); // same centres, new points
        System.out.printf(Locale.ROOT, "%d vectors x %d, %d queries, %s, nprobe %d, efSearch %d, training sample %d%n",
                n, dim, nq, f, nprobe, ef, train);
        System.out.println("java blas: " + dev.facepipe.faiss.NativeMath.describe().line());
        long rss0 = rssKb();
        long t0 = System.nanoTime();
        FaissIndex idx = FaissIndex.create(dim, f, Metric.INNER_PRODUCT);
        if (train > 0) idx.train(Arrays.copyOf(x, train * dim)); // x is in random order: the head is a uniform sample
        long t1 = System.nanoTime();
        long[] ids = new long[n];
        for (int i = 0; i < n; i++) ids[i] = i;
        // In batches: each call copies its rows to native memory once, as a shard's fill does.
        for (int from = 0; from < n; from += ADD_BATCH) idx.add(x, ids, from, Math.min(n, from + ADD_BATCH));
        long t2 = System.nanoTime();
        SearchResult approx = idx.search(q, 10, nprobe, ef);
        long t3 = System.nanoTime();
        long rss1 = rssKb();
        double[] lat = new double[Math.min(nq, 200)];
        for (int i = 0; i < lat.length; i++) {
            long s = System.nanoTime();
            idx.search(Arrays.copyOfRange(q, i * dim, (i + 1) * dim), 10, nprobe, ef);
            lat[i] = (System.nanoTime() - s) / 1e6;
        }
        Arrays.sort(lat);
        Path tmp = Files.createTempFile("bench-", ".faiss");
        idx.write(tmp);
        long fileBytes = Files.size(tmp);
        // What a search process pays to hold the index: a fresh process (no freed memory to reuse,
        // as this one has plenty) reads the file, not memory-mapped, and reports its RSS growth.
        double loadedPerVector = freshProcessBytesPerVector(tmp);
        SearchResult exact;
        try (FaissIndex flat = FaissIndex.create(dim, "IDMap,Flat", Metric.INNER_PRODUCT)) {
            flat.add(x, ids);
            exact = flat.search(q, 10, 0, 0);
        }
        for (int np : sweep) {
            double[] l = new double[Math.min(nq, 200)];
            for (int i = 0; i < l.length; i++) {
                long st = System.nanoTime();
                idx.search(Arrays.copyOfRange(q, i * dim, (i + 1) * dim), 10, np, Math.max(ef, np));
                l[i] = (System.nanoTime() - st) / 1e6;
            }
            Arrays.sort(l);
            System.out.printf(Locale.ROOT, "sweep: nprobe %d efSearch %d: recall@10 %.4f, p50 %.2f ms, p99 %.2f ms%n", np,
                    Math.max(ef, np), recall(exact, idx.search(q, 10, np, Math.max(ef, np))), l[l.length / 2],
                    l[(int) Math.ceil(0.99 * l.length) - 1]);
        }
        idx.close();
        double recall = recall(exact, approx);
        double trainS = (t1 - t0) / 1e9, addS = (t2 - t1) / 1e9, searchS = (t3 - t2) / 1e9;
        System.out.printf(Locale.ROOT, "java:   train %.2f s, add %.2f s (%.0f vectors/s), search %.3f s (%.0f QPS),"
                + " recall@10 %.4f, single query p50 %.2f ms p99 %.2f ms%n", trainS, addS, n / addS, searchS,
                nq / searchS, recall, lat[lat.length / 2], lat[(int) Math.ceil(0.99 * lat.length) - 1]);
        System.out.printf(Locale.ROOT, "memory: index file (the manifest's bytes/vector) %.0f bytes/vector; reading it"
                + " grew a fresh process by %.0f bytes/vector (%+.1f %%); building grew this one by %.0f bytes/vector%n",
                (double) fileBytes / n, loadedPerVector, 100.0 * (loadedPerVector * n - fileBytes) / fileBytes,
                (rss1 - rss0) * 1024.0 / n);
        Files.deleteIfExists(tmp);
        List<double[]> java = new ArrayList<>();
        java.add(new double[] {trainS, addS, searchS});
        List<double[]> py = new ArrayList<>();
        Python side = noPython ? null : new Python(x, q, f, train, nprobe, ef);
        try {
            for (int r = 0; r < rounds; r++) {
                if (r > 0) java.add(timedBuild(x, q, f, train, nprobe, ef));
                if (side != null) py.add(side.round(exact, r == 0));
                if (side != null && py.get(r) == null) return 0;
            }
        } finally {
            if (side != null) side.close();
        }
        if (rounds > 1) System.out.println("rounds (train+add+search, s): java " + totals(java) + "; python " + totals(py));
        if (!py.isEmpty()) {
            System.out.printf(Locale.ROOT, "java/python time ratio %.3f (train+add+search, median of %d rounds each)%n",
                    median(java) / median(py), rounds);
        }
        return 0;
    }

    /** Create, train, add and search once; the times of each, seconds. */
    private double[] timedBuild(float[] x, float[] q, String f, int train, int nprobe, int ef) {
        long[] ids = new long[n];
        for (int i = 0; i < n; i++) ids[i] = i;
        long t0 = System.nanoTime();
        try (FaissIndex idx = FaissIndex.create(dim, f, Metric.INNER_PRODUCT)) {
            if (train > 0) idx.train(Arrays.copyOf(x, train * dim));
            long t1 = System.nanoTime();
            for (int from = 0; from < n; from += ADD_BATCH) idx.add(x, ids, from, Math.min(n, from + ADD_BATCH));
            long t2 = System.nanoTime();
            idx.search(q, 10, nprobe, ef);
            long t3 = System.nanoTime();
            return new double[] {(t1 - t0) / 1e9, (t2 - t1) / 1e9, (t3 - t2) / 1e9};
        }
    }

    private static String totals(List<double[]> rs) {
        StringBuilder b = new StringBuilder();
        for (double[] r : rs) b.append(String.format(Locale.ROOT, "%s%.2f", b.isEmpty() ? "" : " ", r[0] + r[1] + r[2]));
        return b.toString();
    }

    private static double median(List<double[]> rs) {
        double[] t = rs.stream().mapToDouble(r -> r[0] + r[1] + r[2]).sorted().toArray();
        return t.length % 2 == 1 ? t[t.length / 2] : (t[t.length / 2 - 1] + t[t.length / 2]) / 2;
    }

    /** The same build in python3-faiss (Debian's, on the same libfaiss version), one process a round. */
    private final class Python implements AutoCloseable {
        private final Path dir;
        private final Path script;
        private final Path labels;

        Python(float[] x, float[] q, String f, int train, int nprobe, int ef) throws IOException {
            dir = Files.createTempDirectory("bench-py");
            write(dir.resolve("x.f32"), x);
            write(dir.resolve("q.f32"), q);
            script = dir.resolve("bench.py");
            labels = dir.resolve("i.i64");
            Files.writeString(script, String.join("\n",
                    "import sys, time, faiss, numpy as np",
                    "d=" + dim + "; x=np.fromfile(sys.argv[1], dtype='<f4').reshape(-1,d); q=np.fromfile(sys.argv[2],"
                            + " dtype='<f4').reshape(-1,d)",
                    "t0=time.time(); idx=faiss.index_factory(d, '" + f + "', faiss.METRIC_INNER_PRODUCT)",
                    train > 0 ? "idx.train(x[:" + train + "])" : "pass",
                    "t1=time.time(); idx.add_with_ids(x, np.arange(len(x), dtype='int64')); t2=time.time()",
                    "ps=faiss.ParameterSpace()",
                    nprobe > 0 ? "ps.set_index_parameter(idx, 'nprobe', " + nprobe + ")" : "pass",
                    f.contains("HNSW") ? "ps.set_index_parameter(idx, 'quantizer_efSearch', " + ef + ")" : "pass",
                    "D, I = idx.search(q, 10); t3=time.time()",
                    "import ctypes",
                    "libs=sorted({l.split()[-1] for l in open('/proc/self/maps') if 'openblas' in l.split()[-1]},"
                            + " key=lambda p: 'lapack' in p)",
                    "try:",
                    "    b=ctypes.CDLL(libs[0]); b.openblas_get_config.restype=ctypes.c_char_p;"
                            + " b.openblas_get_corename.restype=ctypes.c_char_p",
                    "    par={0:'sequential',1:'pthreads',2:'OpenMP'}.get(b.openblas_get_parallel(), '?')",
                    "    import os; tt=os.environ.get('OPENBLAS_THREAD_TIMEOUT')",
                    "    print('blas %s (core %s, %s, %d threads, %s; %s); OpenMP %d threads' % (b.openblas_get_config()"
                            + ".decode().strip(), b.openblas_get_corename().decode().strip(), par,"
                            + " b.openblas_get_num_threads(), 'OPENBLAS_THREAD_TIMEOUT unset' if tt is None else"
                            + " 'OPENBLAS_THREAD_TIMEOUT=' + tt, libs[0], faiss.omp_get_max_threads()))",
                    "except Exception as e:",
                    "    print('blas ? (%s)' % e)",
                    "print(t1-t0, t2-t1, t3-t2)",
                    "np.asarray(I, dtype='<i8').tofile(sys.argv[3])", ""));
        }

        /** One timed build; the first prints its BLAS and times. Null when python3-faiss failed (said why). */
        double[] round(SearchResult exact, boolean first) throws IOException, InterruptedException {
            ProcessBuilder pb = new ProcessBuilder("/usr/bin/python3", script.toString(),
                    dir.resolve("x.f32").toString(), dir.resolve("q.f32").toString(), labels.toString());
            // python3-faiss as its users run it: not with the variables conf's job.native_env gives this JVM.
            pb.environment().keySet().removeAll(NativeEnv.effective(bench.main.config(), Map.of()).keySet());
            Process p = pb.redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (p.waitFor() != 0) {
                System.out.println("python3-faiss failed (scripts/setup.sh installs it): " + out);
                return null;
            }
            String[] t = out.lines().reduce((a, b) -> b).orElse("").split(" ");
            double tr = Double.parseDouble(t[0]), ad = Double.parseDouble(t[1]), se = Double.parseDouble(t[2]);
            if (first) {
                out.lines().filter(l -> l.startsWith("blas ")).findFirst()
                        .ifPresent(l -> System.out.println("python blas: " + l.substring("blas ".length())));
                ByteBuffer bb = ByteBuffer.wrap(Files.readAllBytes(labels)).order(ByteOrder.LITTLE_ENDIAN);
                long[] l = new long[bb.remaining() / 8];
                for (int i = 0; i < l.length; i++) l[i] = bb.getLong();
                double recall = recall(exact, new SearchResult(nq, 10, new float[l.length], l));
                System.out.printf(Locale.ROOT, "python: train %.2f s, add %.2f s, search %.3f s, recall@10 %.4f%n", tr,
                        ad, se, recall);
            }
            return new double[] {tr, ad, se};
        }

        @Override
        public void close() throws IOException {
            for (Path f2 : new Path[] {dir.resolve("x.f32"), dir.resolve("q.f32"), labels, script}) {
                Files.deleteIfExists(f2);
            }
            Files.deleteIfExists(dir);
        }
    }

    private static double recall(SearchResult exact, SearchResult approx) {
        int hit = 0;
        for (int i = 0; i < exact.n(); i++) {
            Set<Long> t = new HashSet<>();
            for (int j = 0; j < 10; j++) t.add(exact.label(i, j));
            for (int j = 0; j < 10; j++) if (t.contains(approx.label(i, j))) hit++;
        }
        return hit / (10.0 * exact.n());
    }

    private static void write(Path p, float[] v) throws IOException {
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.allocate(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
            for (float f : v) {
                if (!b.hasRemaining()) {
                    b.flip();
                    ch.write(b);
                    b.clear();
                }
                b.putFloat(f);
            }
            b.flip();
            ch.write(b);
        }
    }

    /** RSS growth per vector of a new python3-faiss process that reads the index file (the same libfaiss). */
    private static double freshProcessBytesPerVector(Path index) throws IOException, InterruptedException {
        String script = String.join("\n", "import sys, faiss",
                "def rss(): return int([l for l in open('/proc/self/status') if l.startswith('VmRSS')][0].split()[1])",
                "a = rss(); idx = faiss.read_index(sys.argv[1]); b = rss()", "print((b - a) * 1024.0 / idx.ntotal)", "");
        Process p = new ProcessBuilder("/usr/bin/python3", "-c", script, index.toString()).redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).trim();
        if (p.waitFor() != 0) throw new IOException("python3-faiss could not read " + index + ": " + out);
        String[] lines = out.split("\n");
        return Double.parseDouble(lines[lines.length - 1]);
    }

    private static long rssKb() throws IOException {
        for (String l : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (l.startsWith("VmRSS:")) return Long.parseLong(l.replaceAll("\\D", ""));
        }
        return 0;
    }
}
