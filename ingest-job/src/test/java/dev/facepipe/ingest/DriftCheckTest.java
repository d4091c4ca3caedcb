package dev.facepipe.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.facepipe.core.config.Config;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DriftCheckTest {
    private static final Config CFG = Config.defaults();

    private static RunManifest run(String id, long images, long ok, Map<String, Long> rejected, long facesOk,
            Map<String, Long> facesRejected, double quality, long bytes) {
        return new RunManifest(id, "in", images, 0, 0, images, ok, rejected, facesOk, facesOk, facesRejected, Map.of(),
                quality, new long[10], new long[10], bytes, 1.0, 0, java.util.Map.of(), 0, null);
    }

    private static RunManifest normal(String id) {
        return run(id, 100, 90, Map.of("no_face", 10L), 120, Map.of(), 0.8, 100 * 200_000);
    }

    @Test
    void aNormalRunRaisesNothing() {
        assertEquals(List.of(), DriftCheck.check(normal("r4"), List.of(normal("r1"), normal("r2"), normal("r3")), CFG));
    }

    @Test
    void movedFiguresAndBadEmbeddingsRaiseAlarms() {
        // Most images suddenly truncated, almost no faces, lower quality.
        RunManifest broken = run("r4", 100, 30, Map.of("no_face", 10L, "truncated", 60L), 10,
                Map.of("bad_embedding", 2L), 0.5, 100 * 200_000);
        List<String> metrics = DriftCheck.check(broken, List.of(normal("r1"), normal("r2"), normal("r3")), CFG).stream()
                .map(DriftCheck.Alarm::metric).toList();
        assertTrue(metrics.containsAll(List.of("bad_embeddings", "faces_per_image", "rejection_rate",
                "rejection_rate.truncated", "mean_quality")), metrics.toString());
        assertTrue(!metrics.contains("rejection_rate.no_face"), metrics.toString());
    }

    @Test
    void noBaselineYetOnlyBadEmbeddingsCount() {
        RunManifest odd = run("r2", 100, 10, Map.of("truncated", 90L), 5, Map.of("bad_embedding", 1L), 0.1, 1);
        assertEquals(List.of("bad_embeddings"), DriftCheck.check(odd, List.of(normal("r1")), CFG).stream()
                .map(DriftCheck.Alarm::metric).toList());
    }

    @Test
    void aSmallRunIsNotComparedButBadEmbeddingsStillCount() {
        // Three new images, none with a face: far from the earlier runs' rates, but three images prove nothing.
        RunManifest small = run("r4", 3, 0, Map.of("no_face", 3L), 0, Map.of(), 0, 3 * 200_000);
        List<RunManifest> before = List.of(normal("r1"), normal("r2"), normal("r3"));
        assertEquals(List.of(), DriftCheck.check(small, before, CFG));
        RunManifest bad = run("r5", 3, 3, Map.of(), 3, Map.of("bad_embedding", 1L), 0.8, 3 * 200_000);
        assertEquals(List.of("bad_embeddings"), DriftCheck.check(bad, before, CFG).stream().map(DriftCheck.Alarm::metric)
                .toList());
    }

    @Test
    void aRunThatReadNothingIsAnAlarmFromTheFirstRunOn() {
        RunManifest none = run("r2", 0, 0, Map.of(), 0, Map.of(), 0, 0);
        assertEquals(List.of("inputs"), DriftCheck.check(none, List.of(), CFG).stream().map(DriftCheck.Alarm::metric)
                .toList());
        List<DriftCheck.Alarm> a = DriftCheck.check(none, List.of(normal("r1")), CFG);
        assertEquals("inputs 0.0000 against 100.0000 in earlier runs (limit 0.0000)", a.get(0).describe());
    }

    private static RunManifest engineOn(String asked, Map<String, Long> devices) {
        RunManifest n = normal("r2");
        return new RunManifest(n.runId(), n.input(), n.inputs(), 0, 0, n.imageRows(), n.imagesOk(), n.rejectedByReason(),
                n.faceRows(), n.facesOk(), n.facesRejectedByReason(), Map.of(), n.meanQuality(), new long[10],
                new long[10], n.bytesIn(), 1.0, 0, Map.of(), 0, new RunManifest.EngineTime(100, 0, Map.of(), Map.of(),
                        asked, devices));
    }

    @Test
    void aGpuRunWithImagesOnTheCpuIsAnAlarmFromTheFirstRunOn() {
        RunManifest fellBack = engineOn("cuda", Map.of("cpu", 30L, "cuda:0", 70L));
        List<DriftCheck.Alarm> a = DriftCheck.check(fellBack, List.of(), CFG);
        assertEquals(List.of("images_on_cpu_instead_of_cuda"), a.stream().map(DriftCheck.Alarm::metric).toList());
        assertEquals(30, a.get(0).value());
        assertEquals("images_on_cpu_instead_of_cuda 30 (any is an alarm)", a.get(0).describe());
        assertTrue(fellBack.summary().contains("(0 of 100 decoded twice, 30 on the CPU instead of CUDA)"),
                fellBack.summary());
        assertEquals(List.of(), DriftCheck.check(engineOn("cuda", Map.of("cuda:0", 60L, "cuda:1", 40L)), List.of(), CFG));
        assertEquals(List.of(), DriftCheck.check(engineOn("cpu", Map.of("cpu", 100L)), List.of(), CFG));
        // a manifest written before engine_time knew devices
        assertEquals(List.of(), DriftCheck.check(engineOn(null, null), List.of(), CFG));
    }

    @Test
    void theHtmlReportIsSelfContainedAndShowsTheAlarms() {
        RunManifest m = normal("r9");
        String html = RunReport.html(m, List.of(new DriftCheck.Alarm("rejection_rate", 0.1, 0.7, 0.2)));
        assertTrue(html.contains("<svg id=quality") && html.contains("<svg id=det_score"), html);
        assertTrue(html.contains("rejection_rate 0.7000 against 0.1000"), html);
        assertTrue(!html.contains("http://") || html.indexOf("http://") == html.indexOf("http://www.w3.org/2000/svg"),
                "no network references");
    }
}
