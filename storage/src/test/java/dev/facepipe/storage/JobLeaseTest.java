package dev.facepipe.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
}
