package dev.facepipe.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The run report as people see it: rendered by headless Chromium (installed by scripts/setup.sh). */
class RunReportTest {
    private static RunManifest manifest() {
        return new RunManifest("r7", "s3a://b/crawl", 10, 0, 1, 9, 8, Map.of("no_face", 1L), 12, 11,
                Map.of("low_quality", 1L), Map.of("embedding", "fr_feature@0123abcd"), 0.71,
                new long[] {0, 0, 0, 1, 2, 3, 4, 1, 0, 0}, new long[] {0, 0, 0, 0, 0, 0, 1, 2, 4, 5}, 123_456, 5.0, 0L, java.util.Map.of(), 0,
                new RunManifest.EngineTime(9, 1, Map.of("decode", 2.5, "full_decode", 0.4, "detect", 4.0),
                        Map.of("detect", 3.0), "cuda", new java.util.TreeMap<>(Map.of("cpu", 2L, "cuda:0", 7L))));
    }

    private static String chromium(Path tmp, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("chromium", "--headless", "--no-sandbox", "--disable-gpu",
                "--user-data-dir=" + tmp.resolve("profile")));
        cmd.addAll(List.of(args));
        Path log = tmp.resolve("chromium.log");
        Process p;
        try {
            p = new ProcessBuilder(cmd).redirectError(log.toFile()).start();
        } catch (java.io.IOException e) {
            throw new AssertionError("chromium is not installed: run scripts/setup.sh (it installs Debian's chromium)",
                    e);
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), Files.readString(log));
        return out;
    }

    /** A 112 px pure-blue JPEG standing in for a face crop. */
    private static byte[] blueJpeg() throws Exception {
        BufferedImage b = new BufferedImage(112, 112, BufferedImage.TYPE_INT_RGB);
        java.awt.Graphics2D g = b.createGraphics();
        g.setColor(new java.awt.Color(0, 0, 255));
        g.fillRect(0, 0, 112, 112);
        g.dispose();
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        ImageIO.write(b, "jpg", out);
        return out.toByteArray();
    }

    @Test
    void theReportRendersInHeadlessChromium(@TempDir Path tmp) throws Exception {
        Path html = tmp.resolve("report.html");
        byte[] blue = blueJpeg();
        RunReport.Samples samples = new RunReport.Samples(List.of(new RunReport.Crop("f1", blue),
                new RunReport.Crop("f2", blue)), List.of(List.of(new RunReport.Crop("f3", blue),
                new RunReport.Crop("f4", blue))));
        Files.writeString(html, RunReport.html(manifest(), List.of(new DriftCheck.Alarm("rejection_rate", 0.05, 0.2,
                0.1)), samples));
        String dom = chromium(tmp, "--dump-dom", html.toUri().toString());
        assertTrue(dom.contains("<h1>Run r7</h1>"), dom);
        assertTrue(dom.contains("rejection_rate"), "the alarm is on the page");
        assertTrue(dom.contains("<svg id=\"quality\"") && dom.contains("<svg id=\"det_score\""), dom);
        assertTrue(dom.contains("<table id=\"engine_time\">"), dom);
        assertTrue(dom.contains("<th>full_decode</th><td>0.40</td>"), dom);
        assertTrue(dom.contains("<th>detect</th><td>4.00</td><td>3.00</td>"), dom);
        assertTrue(dom.contains("<th>decoded twice (images)</th><td>1</td>"), dom);
        // a GPU run with images on the CPU says so, in the row of those images
        assertTrue(dom.contains("<tr class=\"alarm\"><th>on cpu (images)</th><td>2</td><td>onnx.device=cuda</td>"), dom);
        assertTrue(dom.contains("<tr><th>on cuda:0 (images)</th><td>7</td><td></td></tr>"), dom);
        assertEquals(20, dom.split("<rect ", -1).length - 1, "ten bars in each chart");

        Path png = tmp.resolve("report.png");
        chromium(tmp, "--screenshot=" + png, "--window-size=1000,1600", "--hide-scrollbars", html.toUri().toString());
        BufferedImage img = ImageIO.read(png.toFile());
        int bar = 0;
        int alarm = 0;
        int crops = 0;
        for (int y = 0; y < img.getHeight(); y++) {
            for (int x = 0; x < img.getWidth(); x++) {
                int rgb = img.getRGB(x, y) & 0xFFFFFF;
                if (rgb == 0x44AA77) bar++; // #4a7, the bars' fill
                if (rgb == 0xFFDDDD) alarm++; // #fdd, the alarm box
                int r = rgb >> 16 & 0xFF;
                int g = rgb >> 8 & 0xFF;
                int b = rgb & 0xFF;
                if (b > 200 && r < 40 && g < 40) crops++; // the blue test crops
            }
        }
        assertTrue(bar > 2000, "the histogram bars are drawn: " + bar + " px");
        assertTrue(alarm > 2000, "the alarm box is drawn: " + alarm + " px");
        assertTrue(crops > 4 * 80 * 80, "four crops drawn at 96 px: " + crops + " px");
        assertEquals(4, dom.split("<img ", -1).length - 1);
    }
}
