package dev.facepipe.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A running job's lease: seen while it beats, gone when the job ends, ignored once stale. */
class JobLeaseTest {
    private final HadoopFiles files = new HadoopFiles(new org.apache.hadoop.conf.Configuration());

    @Test
    void aLeaseIsHeldWhileItsJobRunsAndStopsCountingWhenStale(@TempDir Path tmp) throws Exception {
        String root = tmp.toString();
        assertEquals(List.of(), JobLease.held(files, root, System.currentTimeMillis(), 60_000), "no folder yet");
        List<JobLease.Held> seen;
        try (JobLease lease = JobLease.hold(files, root, "ingest run r7", 50)) {
            long t0 = System.currentTimeMillis();
            seen = JobLease.held(files, root, t0, 60_000);
            assertEquals(1, seen.size());
            assertEquals("ingest run r7", seen.get(0).what());
            assertTrue(seen.get(0).describe().startsWith("ingest run r7 on "), seen.get(0).describe());
            Thread.sleep(300);
            long beat = JobLease.held(files, root, System.currentTimeMillis(), 60_000).get(0).heartbeat();
            assertTrue(beat > seen.get(0).heartbeat(), "the heartbeat moves on while the job runs");
            assertEquals(List.of(), JobLease.held(files, root, beat + 3_600_000, 60_000), "stale: its job died");
        }
        assertEquals(List.of(), JobLease.held(files, root, System.currentTimeMillis(), 60_000), "released at the end");
        try (var left = Files.list(tmp.resolve("_running"))) {
            assertEquals(0, left.filter(f -> !f.getFileName().toString().startsWith(".")).count());
        }
    }

    private static dev.facepipe.core.config.Config conf() {
        return dev.facepipe.core.config.Config.builder().set("retention.lease_heartbeat_s=1")
                .set("retention.lease_stale_s=60").build();
    }

    @Test
    void aJobThatStartsWhileGcDeletesWaitsUntilGcEnds(@TempDir Path tmp) throws Exception {
        String root = tmp.toString();
        java.util.concurrent.CompletableFuture<JobLease> job;
        try (JobLease gc = JobLease.forGc(files, conf(), root, "gc")) {
            assertEquals(List.of(), JobLease.jobs(files, root, System.currentTimeMillis(), 60_000),
                    "gc's own lease is no job");
            job = java.util.concurrent.CompletableFuture.supplyAsync(
                    () -> JobLease.forJob(files, conf(), root, "ingest run r8"));
            Thread.sleep(1500);
            assertFalse(job.isDone(), "the job went on while gc was deleting");
            List<JobLease.Held> seen = JobLease.held(files, root, System.currentTimeMillis(), 60_000);
            assertEquals(2, seen.size(), "the waiting job's lease is there already: " + seen);
            assertEquals(1, JobLease.jobs(files, root, System.currentTimeMillis(), 60_000).size(),
                    "so a gc starting now would defer");
        }
        try (JobLease lease = job.get(10, java.util.concurrent.TimeUnit.SECONDS)) {
            assertEquals("ingest run r8", JobLease.jobs(files, root, System.currentTimeMillis(), 60_000).get(0).what());
        }
    }

    @Test
    void aGcThatDiedHoldsNoJobPastTheStaleAge(@TempDir Path tmp) throws Exception {
        String root = tmp.toString();
        Files.createDirectories(tmp.resolve("_running"));
        Files.writeString(tmp.resolve("_running/dead.1.lease"), "kind=gc\nwhat=gc\nhost=h pid 1\nsince=1\nheartbeat=1\n");
        assertEquals(JobLease.Kind.GC, JobLease.held(files, root, 2, 60_000).get(0).kind());
        long t0 = System.currentTimeMillis();
        try (JobLease lease = JobLease.forJob(files, conf(), root, "crawl run c1")) {
            assertTrue(System.currentTimeMillis() - t0 < 5_000, "waited on a gc lease 56 years stale");
        }
    }
}
