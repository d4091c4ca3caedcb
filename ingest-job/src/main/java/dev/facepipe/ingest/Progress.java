package dev.facepipe.ingest;

import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.spark.util.LongAccumulator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A log line every few seconds while the engine runs: images/s, faces/s, rejects so far. */
final class Progress {
    private static final Logger LOG = LoggerFactory.getLogger(Progress.class);
    private final ScheduledExecutorService timer;

    private Progress(ScheduledExecutorService timer) {
        this.timer = timer;
    }

    static Progress start(String runId, int everySeconds, LongAccumulator images, LongAccumulator faces,
            LongAccumulator rejects) {
        ScheduledExecutorService t = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread th = new Thread(r, "ingest-progress");
            th.setDaemon(true);
            return th;
        });
        long t0 = System.nanoTime();
        if (everySeconds > 0) {
            t.scheduleAtFixedRate(() -> {
                double s = (System.nanoTime() - t0) / 1e9;
                LOG.info(String.format(Locale.ROOT, "run %s: %d images (%.1f/s), %d faces (%.1f/s), %d rejected",
                        runId, images.value(), images.value() / s, faces.value(), faces.value() / s, rejects.value()));
            }, everySeconds, everySeconds, TimeUnit.SECONDS);
        }
        return new Progress(t);
    }

    void stop() {
        timer.shutdownNow();
    }
}
