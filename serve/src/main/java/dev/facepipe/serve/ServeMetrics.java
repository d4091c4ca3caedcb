package dev.facepipe.serve;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/** The service's metrics (Prometheus client_java), one registry per service, served as text at /metrics. */
final class ServeMetrics {
    private static final double[] SECONDS = {0.0005, 0.001, 0.002, 0.005, 0.01, 0.015, 0.025, 0.05, 0.1, 0.25, 0.5,
        1, 2.5};
    private final PrometheusRegistry registry = new PrometheusRegistry();
    final Counter requests = Counter.builder().name("facepipe_requests_total")
            .help("HTTP requests by route and status code").labelNames("route", "code").register(registry);
    final Histogram requestSeconds = Histogram.builder().name("facepipe_request_seconds")
            .help("Time to answer, by route").labelNames("route").classicOnly().classicUpperBounds(SECONDS)
            .register(registry);
    final Histogram shardSeconds = Histogram.builder().name("facepipe_shard_seconds")
            .help("Time of one shard's search, by shard").labelNames("shard").classicOnly()
            .classicUpperBounds(SECONDS).register(registry);
    final Counter shardMissed = Counter.builder().name("facepipe_shard_missed_total")
            .help("Answers that went without a shard (past serve.shard_deadline_ms, or it failed)")
            .labelNames("shard").register(registry);
    final Counter shardHedged = Counter.builder().name("facepipe_shard_hedged_total")
            .help("Hedged requests sent to another replica of a slow shard").labelNames("shard").register(registry);
    final Counter withheld = Counter.builder().name("facepipe_hits_withheld_total")
            .help("Hits not returned at query time, by why (forgotten, opted_out)").labelNames("why")
            .register(registry);
    final Counter swaps = Counter.builder().name("facepipe_index_swaps_total")
            .help("Index versions swapped in while serving").register(registry);
    final Gauge vectors = Gauge.builder().name("facepipe_index_vectors")
            .help("Vectors in the served index version").register(registry);
    final Gauge ready = Gauge.builder().name("facepipe_ready")
            .help("1 once an index version is open and warm").register(registry);

    String scrape() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            PrometheusTextFormatWriter.create().write(out, registry.scrape());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString(java.nio.charset.StandardCharsets.UTF_8);
    }

    static String contentType() {
        return PrometheusTextFormatWriter.CONTENT_TYPE;
    }
}
