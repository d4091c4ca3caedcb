package dev.facepipe.ingest;

import dev.facepipe.core.config.Config;
import dev.facepipe.core.model.ModelSpec;
import dev.facepipe.storage.HadoopFiles;
import dev.facepipe.storage.IngestLayout;
import dev.facepipe.storage.JobLease;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The nightly ingest: new images (by sha256) through the face engine into the images and faces
 * tables, partitioned by run. Re-running a run id replaces that run's partitions in one commit
 * (Spark's dynamic partition overwrite), so a killed run leaves nothing half-written behind.
 * The steps: {@link Inputs}, {@link EngineStage}, {@link ImageTable} beside {@link FaceTable} and
 * {@link ReportSamples}, the live view ({@link SourcesTable}), then the run's manifest, drift check
 * and report.
 */
public final class IngestJob {
    private static final Logger LOG = LoggerFactory.getLogger(IngestJob.class);

    private IngestJob() {}

    public static RunManifest run(SparkSession spark, Config cfg, String input, String out, String runId) {
        long t0 = System.currentTimeMillis();
        RunContext ctx = RunContext.of(spark, cfg, out, runId);
        if (ctx.files().exists(ctx.layout().reembedManifest(runId))
                || ctx.files().exists(ctx.layout().reembeds() + "/run_id=" + runId)) {
            throw new IllegalArgumentException("run id " + runId + " is a re-embedding run under " + out
                    + ": give the ingest a run id of its own");
        }
        // gc deletes no original of a crawl root while this run reads it.
        try (JobLease lease = JobLease.onCrawl(ctx.files(), cfg, input, "ingest run " + runId)) {
            return steps(ctx, cfg, input, runId, t0);
        }
    }

    private static RunManifest steps(RunContext ctx, Config cfg, String input, String runId, long t0) {
        SparkSession spark = ctx.spark();
        Phases phases = new Phases();
        // In local mode the executor is this JVM: load the models while the inputs are listed and hashed.
        if (spark.sparkContext().isLocal()) EngineHolder.preload(ctx.shipped());
        Inputs.Listed inputs = Inputs.read(ctx, input);
        ctx = ctx.withPartitions(ctx.partitionsFor(inputs.count()));
        phases.lap("prepare");
        EngineStage.Output engine = EngineStage.run(ctx, inputs);
        phases.lap("engine");
        RunReport.Samples samples = tables(ctx, engine, phases);
        phases.lap("tables");
        SourcesTable.write(ctx, input, inputs);
        phases.lap("sources");
        RunManifest m = manifest(cfg, runId, input, inputs, engine.stats(), t0, phases.copy());
        report(ctx, m, samples);
        inputs.unpersist();
        engine.unpersist();
        phases.lap("report");
        LOG.info("run {}: {}; phases (s) {}", runId, m.summary(), phases.seconds);
        return m;
    }

    /**
     * The two tables, written side by side (each leaves cores idle while the driver plans and
     * commits); the faces side also renders the report's crops once its groups are known.
     */
    private static RunReport.Samples tables(RunContext ctx, EngineStage.Output engine, Phases phases) {
        AtomicLong facesNanos = new AtomicLong();
        CompletableFuture<RunReport.Samples> faceSide = CompletableFuture.supplyAsync(() -> {
            long f0 = System.nanoTime();
            List<ReportSamples.Member> grouped = FaceTable.write(ctx, engine);
            RunReport.Samples samples = engine.stats().faceRows > 0
                    ? ReportSamples.pick(ctx, engine.stats(), grouped, engine.outcomes()) : RunReport.Samples.none();
            facesNanos.set(System.nanoTime() - f0);
            return samples;
        }, r -> new Thread(r, "facepipe-ingest-faces").start());
        long i0 = System.nanoTime();
        try {
            ImageTable.write(ctx, engine);
        } catch (RuntimeException e) {
            faceSide.handle((x, t) -> null).join(); // nothing of this run goes on writing after it failed
            throw e;
        }
        long imagesNanos = System.nanoTime() - i0;
        RunReport.Samples samples;
        try {
            samples = faceSide.join();
        } catch (CompletionException e) {
            throw e.getCause() instanceof RuntimeException re ? re : e;
        }
        phases.put("images", imagesNanos);
        phases.put("faces", facesNanos.get());
        return samples;
    }

    /** The run's manifest, its drift check against earlier runs, and the report. */
    private static void report(RunContext ctx, RunManifest m, RunReport.Samples samples) {
        HadoopFiles files = ctx.files();
        files.writeSmall(ctx.layout().manifest(ctx.runId()), m.toJson().getBytes(StandardCharsets.UTF_8));
        List<DriftCheck.Alarm> alarms = DriftCheck.check(m, previousRuns(files, ctx.layout(), ctx.runId(), ctx.cfg()),
                ctx.cfg());
        RunReport.write(files, ctx.layout().runFolder(ctx.runId()), m, alarms, samples);
        for (DriftCheck.Alarm a : alarms) LOG.warn("run {}: drift alarm: {}", ctx.runId(), a.describe());
    }

    /** The most recent earlier runs' manifests (report.drift_window of them), oldest first. */
    static List<RunManifest> previousRuns(HadoopFiles files, IngestLayout layout, String runId, Config cfg) {
        List<RunManifest> out = new ArrayList<>();
        String runs = layout.runs();
        if (!files.exists(runs)) return out;
        try {
            for (FileStatus st : files.fs(runs).listStatus(new Path(runs))) {
                String name = st.getPath().getName();
                if (!name.startsWith("run_id=") || name.equals("run_id=" + runId)) continue;
                String mf = runs + "/" + name + "/manifest.json";
                if (files.exists(mf)) out.add(RunManifest.fromJson(files.readString(mf)));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        out.sort(Comparator.comparingLong(RunManifest::finishedAt));
        int w = cfg.getInt("report.drift_window");
        return out.subList(Math.max(0, out.size() - w), out.size());
    }

    /** Seconds spent in each named phase, in order (laps, and phases that ran side by side). */
    private static final class Phases {
        final Map<String, Double> seconds = new LinkedHashMap<>();
        private long last = System.nanoTime();

        synchronized void lap(String name) {
            long now = System.nanoTime();
            seconds.put(name, Math.round((now - last) / 1e7) / 100.0);
            last = now;
        }

        synchronized void put(String name, long nanos) {
            seconds.put(name, Math.round(nanos / 1e7) / 100.0);
        }

        synchronized Map<String, Double> copy() {
            return new LinkedHashMap<>(seconds);
        }
    }

    private static RunManifest manifest(Config cfg, String runId, String input, Inputs.Listed listed, RunStats st,
            long t0, Map<String, Double> phases) {
        int inputs = listed.count();
        Map<String, String> models = new LinkedHashMap<>();
        for (String key : new String[] {"embed.model", "landmarks.model"}) {
            ModelSpec s = ModelSpec.fromConfig(cfg, cfg.getString(key));
            models.put(s.id(), s.sha256());
        }
        ModelSpec det = ModelSpec.fromConfig(cfg,
                cfg.getString("detector.name").equals("ultraface") ? "fr_detect" : "blazeface256");
        models.put(det.id(), det.sha256());
        if (!cfg.getString("detector.confirm").equals("none")) {
            ModelSpec confirm = ModelSpec.fromConfig(cfg, cfg.getString("detector.confirm"));
            models.put(confirm.id(), confirm.sha256());
        }
        double secs = (System.currentTimeMillis() - t0) / 1000.0;
        return new RunManifest(runId, input, inputs, inputs - st.inputs, st.inputs - st.imageRows, st.imageRows,
                st.imagesOk, st.imageReasons, st.faceRows, st.facesOk, st.faceReasons, models, st.meanQuality(),
                st.quality, st.detScore, st.bytesIn, secs, System.currentTimeMillis(), phases, listed.hidden().size(),
                st.engineTime(cfg.getString("onnx.device")));
    }
}
