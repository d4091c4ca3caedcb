package dev.facepipe.e2e;

import static dev.facepipe.testing.Fixtures.ROOT;
import static dev.facepipe.testing.Fixtures.IDENTITIES;
import static dev.facepipe.testing.Fixtures.DEBIAN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.facepipe.core.config.Config;
import dev.facepipe.core.engine.FaceEngine;
import dev.facepipe.crawler.DemoSite;
import dev.facepipe.serve.ApiServer;
import dev.facepipe.serve.SearchService;
import dev.facepipe.serve.ServeSettings;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The search service on a real index: crawl the demo site, ingest, build the index, serve it, and
 * search by photo over HTTP. A forget is withheld at once, before the service swaps in the version
 * the forget published; the evidence trail carries the page and crawl time from the crawl.
 */
class ServeTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static void run(Path tmp, String... args) {
        Cli.run(args, "optout.store=" + tmp.resolve("optout"), "job.spark_master=local[2]");
    }

    @Test
    void aPhotoFindsThePersonWithEvidenceAndAForgetIsWithheldAtOnce(@TempDir Path tmp) throws Exception {
        List<Path> photos = List.of(IDENTITIES.resolve("obama_1.jpg"), IDENTITIES.resolve("biden_1.jpg"),
                DEBIAN.resolve("grace_hopper.jpg"), DEBIAN.resolve("astronaut.png"), DEBIAN.resolve("camera.png"),
                DEBIAN.resolve("chelsea.png"), IDENTITIES.resolve("obama_2.jpg"));
        try (DemoSite site = DemoSite.start(photos)) {
            run(tmp, "crawl", "--seed", site.baseUrl() + "/", "--out", tmp.resolve("crawl").toString(), "--run-id", "c",
                    "--set", "crawler.allow_private_hosts=127.0.0.1", "--set", "crawler.politeness_delay_ms=0");
            run(tmp, "ingest", "--input", tmp.resolve("crawl").toString(), "--out", tmp.resolve("data").toString(),
                    "--run-id", "i");
            Path index = tmp.resolve("index");
            run(tmp, "build-index", "--faces", tmp.resolve("data/faces").toString(), "--out", index.toString());
            run(tmp, "cluster", "--index", index.toString());

            Config cfg = Config.builder().set("models.dir=" + ROOT.resolve("models"))
                    .set("optout.store=" + tmp.resolve("optout")).set("serve.port=0").set("serve.follow_seconds=0")
                    .set("serve.cache_dir=" + tmp.resolve("cache")).set("serve.audit_dir=" + tmp.resolve("audit"))
                    .set("serve.crawl_roots=" + tmp.resolve("crawl")).build();
            ServeSettings settings = ServeSettings.fromConfig(cfg);
            try (SearchService service = new SearchService(cfg, settings, index.toString(), FaceEngine.fromConfig(cfg));
                    ApiServer api = new ApiServer(service, settings)) {
                service.start();
                api.start();
                String first = service.version();
                JsonNode answer = image(api.port(), IDENTITIES.resolve("obama_3.jpg"), "main");
                assertEquals("ok", answer.get("status").asText(), answer.toString());
                assertEquals(1, answer.get("faces").size(), "main: one face searched");
                JsonNode search = answer.get("faces").get(0).get("search");
                JsonNode top = search.get("hits").get(0);
                String url = top.get("evidence").get("source_url").asText();
                assertTrue(url.matches(site.baseUrl() + "/img/(copy-of-p0|p0|p6)\\.jpg"), search.toString());
                assertTrue(top.get("match").asBoolean(), top.toString());
                assertTrue(top.get("evidence").get("page_url").asText().startsWith(site.baseUrl() + "/"), top.toString());
                assertFalse(top.get("evidence").get("crawled_at").isNull(), "crawl time from the live view");
                assertFalse(top.get("evidence").get("quality").isNull());
                assertEquals(first, top.get("evidence").get("index_version").asText());
                String topFace = top.get("face_id").asText();
                // The person (facepipe cluster): obama_1 and obama_2 are two photos of one man.
                long person = top.get("person_id").asLong();
                JsonNode him = get(api.port(), "/v1/persons/" + person);
                assertEquals(2, him.get("size").asInt(), him.toString());
                assertEquals(0, him.get("withheld").asInt(), him.toString());
                assertTrue(him.get("faces").findValuesAsText("source_url").contains(url), him.toString());
                HttpResponse<byte[]> crop = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(
                        "http://127.0.0.1:" + api.port() + "/v1/faces/" + topFace + "/crop")).build(),
                        HttpResponse.BodyHandlers.ofByteArray());
                assertEquals(200, crop.statusCode());
                java.awt.image.BufferedImage cropped = javax.imageio.ImageIO.read(new java.io.ByteArrayInputStream(
                        crop.body()));
                assertEquals(112, cropped.getWidth(), "the aligned crop, cut again from the crawled blob");
                String other = him.get("faces").findValuesAsText("source_url").stream().filter(u -> !u.equals(url))
                        .findFirst().orElseThrow();
                assertPageShows(tmp, api.port(), url, "person " + person + ": 2 face(s)", other);

                // Forget the first hit's URL: gone from the very next answer, before any swap.
                run(tmp, "forget", "--index", index.toString(), "--url", url, "--reason", "test");
                Thread.sleep(1500); // the guard looks at the privacy store once a second
                JsonNode after = image(api.port(), IDENTITIES.resolve("obama_3.jpg"), "main").get("faces").get(0).get("search");
                assertEquals(first, after.get("index_version").asText(), "still the old version");
                for (JsonNode h : after.get("hits")) assertNotEquals(url, h.get("evidence").get("source_url").asText());
                assertTrue(after.get("withheld").asInt() >= 1, after.toString());
                JsonNode without = get(api.port(), "/v1/persons/" + person);
                assertEquals(1, without.get("withheld").asInt(), without.toString());
                assertEquals(1, without.get("size").asInt(), without.toString());
                assertFalse(without.get("faces").findValuesAsText("source_url").contains(url), without.toString());
                assertEquals(404, HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                        + api.port() + "/v1/faces/" + topFace + "/crop")).build(), HttpResponse.BodyHandlers.ofString())
                        .statusCode(), "a forgotten face's crop is gone too, cached or not");

                assertTrue(service.refresh());
                assertNotEquals(first, service.version(), "the forget's version is swapped in");
                JsonNode swapped = image(api.port(), IDENTITIES.resolve("obama_3.jpg"), "all").get("faces").get(0).get("search");
                for (JsonNode h : swapped.get("hits")) assertNotEquals(url, h.get("evidence").get("source_url").asText());

                HttpResponse<String> noFace = post(api.port(), "/v1/search/image?faces=all",
                        Files.readAllBytes(DEBIAN.resolve("camera.png")));
                assertTrue(noFace.statusCode() == 200 || noFace.statusCode() == 422, noFace.body());
                String audit = Files.readString(tmp.resolve("audit/audit.jsonl"));
                assertEquals(8, audit.lines().count(), "one line a search (5) and a person lookup (3; the page's included): "
                        + audit);
                assertServeCommandRunsAndStops(tmp, index);
                run(tmp, "audit", "--dir", tmp.resolve("audit").toString(), "--out", tmp.resolve("audit.html").toString());
                String page = Files.readString(tmp.resolve("audit.html"));
                assertTrue(page.contains("<p id=totals>5 searches and 3 person lookup(s) answered, 0 refused, 8 lines</p>"), page);
                assertTrue(page.contains("<td class=l>anonymous</td><td>8</td>"), page);
            }
        }
    }

    private static JsonNode get(int port, String path) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                + port + path)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        return new com.fasterxml.jackson.databind.ObjectMapper().readTree(r.body());
    }

    /**
     * `bin/facepipe serve` as a user starts it: refused on a public address without keys; on loopback
     * it says where it is ready, answers, and stops cleanly on SIGTERM.
     */
    private static void assertServeCommandRunsAndStops(Path tmp, Path index) throws Exception {
        String fp = ROOT.resolve("bin/facepipe").toString();
        Process open = new ProcessBuilder(fp, "serve", "--index", index.toString(), "--set", "serve.bind=0.0.0.0")
                .redirectErrorStream(true).start();
        String refused = new String(open.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(open.waitFor(60, java.util.concurrent.TimeUnit.SECONDS));
        assertEquals(2, open.exitValue(), refused);
        assertTrue(refused.contains("serve.api_keys and serve.api_keys_file are empty"), refused);

        Process p = new ProcessBuilder(fp, "serve", "--index", index.toString(), "--set", "serve.port=0",
                "--set", "models.dir=" + ROOT.resolve("models"), "--set", "optout.store=" + tmp.resolve("optout"),
                "--set", "serve.cache_dir=" + tmp.resolve("cache2"), "--set", "serve.audit_dir=" + tmp.resolve("audit2"))
                .redirectErrorStream(true).start();
        try (var out = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream(),
                StandardCharsets.UTF_8))) {
            String ready = null;
            for (String line; (line = out.readLine()) != null; ) {
                if (line.startsWith("facepipe serve: ready")) {
                    ready = line;
                    break;
                }
            }
            assertTrue(ready != null, "serve never said it was ready");
            String api = ready.replaceAll(".* on (http://[^ ]*) .*", "$1");
            HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(api + "/readyz"))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode(), r.body());
            p.destroy(); // SIGTERM: the shutdown hook stops the server and closes the audit log
            assertTrue(p.waitFor(30, java.util.concurrent.TimeUnit.SECONDS), "serve did not stop on SIGTERM");
        } finally {
            p.destroyForcibly();
        }
    }

    /**
     * The page in headless Chromium: given a photo by URL (served here with CORS, as any site could),
     * it searches it through the API and shows the faces, crops, matches and evidence, and the
     * person of a match with its other photos.
     */
    private static void assertPageShows(Path tmp, int port, String expectedSource, String personLine,
            String personElsewhere) throws Exception {
        byte[] photo = Files.readAllBytes(IDENTITIES.resolve("obama_3.jpg"));
        com.sun.net.httpserver.HttpServer photos = com.sun.net.httpserver.HttpServer.create(
                new java.net.InetSocketAddress("127.0.0.1", 0), 0);
        photos.createContext("/obama_3.jpg", ex -> {
            ex.getResponseHeaders().add("Access-Control-Allow-Origin", "*");
            ex.getResponseHeaders().add("Content-Type", "image/jpeg");
            ex.sendResponseHeaders(200, photo.length);
            ex.getResponseBody().write(photo);
            ex.close();
        });
        photos.start();
        try {
            String page = "http://127.0.0.1:" + port + "/?photo=http://127.0.0.1:" + photos.getAddress().getPort()
                    + "/obama_3.jpg";
            Process p = new ProcessBuilder("chromium", "--headless", "--no-sandbox", "--disable-gpu",
                    "--user-data-dir=" + tmp.resolve("chromium"), "--virtual-time-budget=30000", "--dump-dom", page)
                    .redirectError(tmp.resolve("chromium.log").toFile()).start();
            String dom = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(120, java.util.concurrent.TimeUnit.SECONDS));
            assertTrue(dom.contains("face(s) found in the photo"), dom + Files.readString(tmp.resolve("chromium.log")));
            assertTrue(dom.contains("<strong>Face 1 (main)</strong>"), dom);
            assertTrue(dom.contains("class=\"crop\" src=\"data:image/jpeg;base64,"), "the aligned crop is shown");
            assertTrue(dom.contains("class=\"hit match\""), "a match row");
            assertTrue(dom.contains("<td class=\"matchcrop\"><img class=\"crop\" src=\"blob:"), "a match's crop: " + dom);
            assertTrue(dom.contains(">" + expectedSource + "</a>"), "the evidence links the source: " + dom);
            assertTrue(dom.contains("<div class=\"person\">" + personLine + "<br>also at <a "), "the match's person: " + dom);
            assertTrue(dom.contains(">" + personElsewhere + "</a>"), "and the person's other photo: " + dom);
        } finally {
            photos.stop(0);
        }
    }

    private static HttpResponse<String> post(int port, String path, byte[] body) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .header("Content-Type", "application/octet-stream").POST(HttpRequest.BodyPublishers.ofByteArray(body))
                .build(), HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode image(int port, Path photo, String faces) throws Exception {
        HttpResponse<String> r = post(port, "/v1/search/image?faces=" + faces + "&k=5", Files.readAllBytes(photo));
        assertEquals(200, r.statusCode(), r.body());
        return JSON.readTree(r.body());
    }
}
