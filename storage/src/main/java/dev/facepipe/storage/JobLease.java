package dev.facepipe.storage;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running job's claim on a crawl root: ROOT/_running/ID.BEAT.lease (what runs, where, since when,
 * its last heartbeat). Crawl, fetch, recrawl, ingest and reembed hold one while they run. Each
 * heartbeat writes the next file before it deletes the last, so the lease is never absent while the
 * job runs (a rewrite in place would leave a gap, or a torn file, on some stores); the files go when
 * the job ends. gc defers deleting originals while a root has a lease whose heartbeat is fresh, so
 * an ingest or re-embedding never finds the blob it is about to read gone, and a crawl never relies
 * on a stored blob being deleted under it. A job that died leaves its lease behind: it stops counting
 * once its heartbeat is older than the stale age. gc holds a lease of its own kind while it deletes,
 * taken before it reads the jobs' leases; a job waits for a fresh gc lease to go after taking its own.
 * Each writes before it reads the other's, so of a job and a gc that start together at least one
 * sees the other: gc defers, or the job waits (object stores list what was written, strongly).
 * Written by hand: a file a job keeps renewing is all a lock needs to be on object storage, which
 * has no locks (the leading "_" keeps Spark's readers away from the folder).
 */
public final class JobLease implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(JobLease.class);

    /** Who holds a lease: a job that reads or writes the root, or gc deleting from it. */
    public enum Kind { JOB, GC }

    /** A lease as read back: what holds it, since and last seen (epoch ms). */
    public record Held(String path, Kind kind, String what, String host, long since, long heartbeat) {
        public String describe() {
            return what + " on " + host + " since " + java.time.Instant.ofEpochMilli(since);
        }
    }

    private final HadoopFiles files;
    private final String id;
    private String path;
    private final Kind kind;
    private final String what;
    private final long since;
    private final ScheduledExecutorService beat;

    private JobLease(HadoopFiles files, String id, Kind kind, String what, long heartbeatMs) {
        this.files = files;
        this.id = id;
        this.kind = kind;
        this.what = what;
        this.since = System.currentTimeMillis();
        write();
        beat = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "facepipe-lease");
            t.setDaemon(true);
            return t;
        });
        beat.scheduleAtFixedRate(this::beat, heartbeatMs, heartbeatMs, TimeUnit.MILLISECONDS);
    }

    /** The folder of a root's leases. */
    public static String folder(String root) {
        return root + "/_running";
    }

    /**
     * Takes a lease on root for what (e.g. "ingest run r7"), its heartbeat every heartbeatMs until
     * {@link #close()}.
     */
    public static JobLease hold(HadoopFiles files, String root, String what, long heartbeatMs) {
        return new JobLease(files, folder(root) + "/" + UUID.randomUUID(), Kind.JOB, what, heartbeatMs);
    }

    /**
     * A job's lease on root (heartbeat and staleness from retention.*), taken once no gc is deleting
     * from root: it waits, polling every pollMs, while a fresh gc lease is there.
     */
    public static JobLease forJob(HadoopFiles files, dev.facepipe.core.config.Config cfg, String root, String what) {
        JobLease lease = hold(files, root, what, cfg.getLong("retention.lease_heartbeat_s") * 1000);
        try {
            awaitNoGc(files, root, cfg.getLong("retention.lease_stale_s") * 1000, 1000, what);
        } catch (RuntimeException e) {
            lease.close();
            throw e;
        }
        return lease;
    }

    /** A job's lease on a crawl root ({@link #forJob}); null when root is no crawl. */
    public static JobLease onCrawl(HadoopFiles files, dev.facepipe.core.config.Config cfg, String root, String what) {
        if (!new CrawlLayout(root).isCrawl(files)) return null;
        return forJob(files, cfg, root, what);
    }

    /** gc's lease on root while it deletes (taken before it reads the jobs' leases). */
    public static JobLease forGc(HadoopFiles files, dev.facepipe.core.config.Config cfg, String root, String what) {
        return new JobLease(files, folder(root) + "/" + UUID.randomUUID(), Kind.GC, what,
                cfg.getLong("retention.lease_heartbeat_s") * 1000);
    }

    /** Returns once root has no fresh gc lease; says once what it waits for. */
    static void awaitNoGc(HadoopFiles files, String root, long staleMs, long pollMs, String what) {
        boolean said = false;
        while (true) {
            List<Held> gc = held(files, root, System.currentTimeMillis(), staleMs).stream()
                    .filter(h -> h.kind() == Kind.GC).toList();
            if (gc.isEmpty()) return;
            if (!said) {
                LOG.warn("{} waits: {} is deleting originals from {}", what, gc.get(0).describe(), root);
                said = true;
            }
            try {
                Thread.sleep(pollMs);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(what + ": interrupted while waiting for gc on " + root, e);
            }
        }
    }

    /** The fresh leases of jobs (not gc) on root. */
    public static List<Held> jobs(HadoopFiles files, String root, long now, long staleMs) {
        return held(files, root, now, staleMs).stream().filter(h -> h.kind() == Kind.JOB).toList();
    }

    /** The leases on root whose heartbeat is younger than staleMs at now (one a holder, its latest beat). */
    public static List<Held> held(HadoopFiles files, String root, long now, long staleMs) {
        java.util.Map<String, Held> byJob = new java.util.TreeMap<>();
        if (!files.exists(folder(root))) return new ArrayList<>();
        for (String f : files.listFiles(folder(root))) {
            String name = new org.apache.hadoop.fs.Path(f).getName();
            if (!name.endsWith(".lease") || name.indexOf('.') < 0) continue;
            Held h;
            try {
                h = parse(f, files.readString(f));
            } catch (RuntimeException e) { // deleted by the next beat between listing and reading
                continue;
            }
            byJob.merge(name.substring(0, name.indexOf('.')), h, (a, b) -> a.heartbeat() >= b.heartbeat() ? a : b);
        }
        List<Held> out = new ArrayList<>();
        for (Held h : byJob.values()) if (now - h.heartbeat() < staleMs) out.add(h);
        return out;
    }

    static Held parse(String path, String text) {
        String what = "?", host = "?";
        Kind kind = Kind.JOB;
        long since = 0, heartbeat = 0;
        for (String line : text.split("\n")) {
            int eq = line.indexOf('=');
            if (eq < 0) continue;
            String k = line.substring(0, eq), v = line.substring(eq + 1);
            switch (k) {
                case "what" -> what = v;
                case "kind" -> kind = "gc".equals(v) ? Kind.GC : Kind.JOB;
                case "host" -> host = v;
                case "since" -> since = Long.parseLong(v);
                case "heartbeat" -> heartbeat = Long.parseLong(v);
                default -> { }
            }
        }
        return new Held(path, kind, what, host, since, heartbeat);
    }

    /** The next beat's file, written whole; then the last one goes. */
    private void write() {
        String host;
        try {
            host = java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.net.UnknownHostException e) {
            host = "?";
        }
        long at = System.currentTimeMillis();
        String text = String.format(Locale.ROOT, "kind=%s\nwhat=%s\nhost=%s pid %d\nsince=%d\nheartbeat=%d\n",
                kind.name().toLowerCase(Locale.ROOT), what.replace('\n', ' '), host, ProcessHandle.current().pid(), since,
                at);
        String next = id + "." + at + ".lease";
        if (next.equals(path)) return;
        files.writeSmall(next, text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        if (path != null) files.delete(path);
        path = next;
    }

    private synchronized void beat() {
        try {
            write();
        } catch (RuntimeException e) { // storage away for a moment: the next beat tries again
            LOG.warn("lease {}: heartbeat not written: {}", path, e.getMessage());
        }
    }

    @Override
    public void close() {
        beat.shutdownNow();
        try {
            beat.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        synchronized (this) {
            try {
                files.delete(path);
            } catch (RuntimeException e) { // storage away: the lease goes stale on its own, the job's outcome stands
                LOG.warn("lease {}: not deleted ({}); it stops counting after retention.lease_stale_s", path,
                        e.getMessage());
            }
        }
    }
}
