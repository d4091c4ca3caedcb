package dev.facepipe.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.facepipe.core.config.Config;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The service over real HTTP on loopback: keys, rate, audit, answers, health, metrics, the description. */
class ApiServerTest {
    private static final String KEY = "alice-key-0123456789";
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newHttpClient();

    private HttpResponse<String> post(int port, String path, String key, byte[] body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (key != null) b.header("Authorization", "Bearer " + key);
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> get(int port, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static byte[] embeddingBody(float[] v, int k) {
        ObjectNode o = JSON.createObjectNode();
        ArrayNode a = o.putArray("embedding");
        for (float f : v) a.add(f);
        o.put("k", k);
        return o.toString().getBytes();
    }

    @Test
    void searchesOverHttpWithKeysRateAuditHealthAndMetrics(@TempDir Path tmp) throws Exception {
        TestIndex.publish(tmp.resolve("index"), "v-20260101-000000-000", 20, 2);
        Config cfg = Config.builder().set("optout.store=" + tmp.resolve("optout"))
                .set("serve.cache_dir=" + tmp.resolve("cache")).set("serve.audit_dir=" + tmp.resolve("audit"))
                .set("serve.port=0").set("serve.follow_seconds=0").set("serve.warmup_queries=1")
                .set("serve.api_keys=alice:" + KEY).set("serve.rate_per_key=5").build();
        ServeSettings settings = ServeSettings.fromConfig(cfg);
        try (SearchService s = new SearchService(cfg, settings, tmp.resolve("index").toString(), null);
                ApiServer api = new ApiServer(s, settings)) {
            s.start();
            api.start();
            int port = api.port();
            assertEquals(200, get(port, "/readyz").statusCode());
            assertEquals(401, post(port, "/v1/search/embedding", null, embeddingBody(TestIndex.vector(3), 2)).statusCode());
            assertEquals(401, post(port, "/v1/search/embedding", "wrong-key-0123456789", embeddingBody(
                    TestIndex.vector(3), 2)).statusCode());

            HttpResponse<String> r = post(port, "/v1/search/embedding", KEY, embeddingBody(TestIndex.vector(3), 2));
            assertEquals(200, r.statusCode(), r.body());
            JsonNode a = JSON.readTree(r.body());
            JsonNode top = a.get("hits").get(0);
            assertEquals(TestIndex.faceId(3), top.get("face_id").asText());
            assertTrue(top.get("match").asBoolean());
            JsonNode ev = top.get("evidence");
            assertEquals("http://site/3.jpg", ev.get("source_url").asText());
            assertEquals("http://site/page3.html", ev.get("page_url").asText());
            assertEquals("2023-11-14T22:13:20.003Z", ev.get("crawled_at").asText());
            assertEquals(TestIndex.MODEL, ev.get("model_id").asText());
            assertEquals("v-20260101-000000-000", ev.get("index_version").asText());
            assertEquals(0.6, ev.get("threshold").asDouble(), 1e-9);
            assertFalse(a.get("partial").asBoolean());
            assertEquals(2, a.get("hits").size());

            assertEquals(400, post(port, "/v1/search/embedding", KEY, embeddingBody(new float[3], 2)).statusCode(),
                    "wrong dimension");
            assertEquals(413, post(port, "/v1/search/embedding", KEY, new byte[2 << 20]).statusCode());
            int limited = 0;
            for (int i = 0; i < 8; i++) {
                HttpResponse<String> x = post(port, "/v1/search/embedding", KEY, embeddingBody(TestIndex.vector(1), 1));
                if (x.statusCode() == 429) {
                    limited++;
                    assertEquals("1", x.headers().firstValue("Retry-After").orElse(""));
                }
            }
            assertTrue(limited > 0, "5 a second, 8 sent at once");

            Thread.sleep(1100); // a fresh second of rate budget
            HttpResponse<String> trail = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                    + "/v1/faces/" + TestIndex.faceId(5))).header("X-Api-Key", KEY).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, trail.statusCode(), trail.body());
            assertEquals("http://site/5.jpg", JSON.readTree(trail.body()).get("evidence").get("source_url").asText());
            HttpResponse<String> byFace = post(port, "/v1/search/face", KEY, ("{\"k\":3,\"face_id\":\""
                    + TestIndex.faceId(5) + "\"}").getBytes());
            assertEquals(200, byFace.statusCode(), byFace.body());
            assertEquals(TestIndex.faceId(5), JSON.readTree(byFace.body()).get("hits").get(0).get("face_id").asText());
            assertEquals(404, post(port, "/v1/search/face", KEY, ("{\"face_id\":\"" + TestIndex.faceId(999)
                    + "\"}").getBytes()).statusCode());

            String audit = Files.readString(tmp.resolve("audit/audit.jsonl"));
            assertTrue(audit.contains("\"key\":\"alice\"") && audit.contains("\"face_id\":\"" + TestIndex.faceId(3) + "\""), audit);
            assertFalse(audit.contains(KEY), "the key itself is never written");

            String metrics = get(port, "/metrics").body();
            assertTrue(metrics.contains("facepipe_shard_seconds_bucket{shard=\"1\""), metrics);
            assertTrue(metrics.contains("facepipe_requests_total{code=\"200\",route=\"/v1/search/embedding\"}"), metrics);
            assertTrue(metrics.contains("facepipe_index_vectors 20.0"), metrics);
            JsonNode health = JSON.readTree(get(port, "/healthz").body());
            assertEquals("v-20260101-000000-000", health.get("index_version").asText());
            assertEquals(404, get(port, "/v2/nothing").statusCode());
        }
    }

    @Test
    void theOpenApiDescriptionListsExactlyTheRoutesServed(@TempDir Path tmp) throws Exception {
        TestIndex.publish(tmp.resolve("index"), "v-20260101-000000-000", 4, 1);
        Config cfg = TestIndex.config(tmp);
        ServeSettings settings = ServeSettings.fromConfig(cfg);
        try (SearchService s = new SearchService(cfg, settings, tmp.resolve("index").toString(), null);
                ApiServer api = new ApiServer(s, settings)) {
            s.start();
            api.start();
            JsonNode spec = JSON.readTree(get(api.port(), "/openapi.json").body());
            Set<String> paths = new HashSet<>();
            for (Iterator<String> it = spec.get("paths").fieldNames(); it.hasNext(); ) paths.add(it.next());
            assertEquals(new HashSet<>(ApiServer.ROUTES), paths);
            for (String p : ApiServer.ROUTES) {
                boolean post = spec.get("paths").get(p).has("post");
                String path = p.replace("{face_id}", TestIndex.faceId(1)).replace("{person_id}", "1");
                String body = post ? post(api.port(), path, null, new byte[0]).body() : get(api.port(), path).body();
                assertFalse(body.contains("no such route"), p + " is described but not served");
            }
        }
    }
}
