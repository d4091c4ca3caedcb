package dev.facepipe.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.facepipe.core.engine.FaceResult;
import dev.facepipe.index.Sidecars;
import dev.facepipe.storage.ContentHash;
import io.undertow.Handlers;
import io.undertow.Undertow;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.RoutingHandler;
import io.undertow.util.Headers;
import io.undertow.util.HttpString;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Deque;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP face of {@link SearchService} (Undertow): JSON search routes behind API keys, rate
 * limits and the audit log, plus health, readiness, metrics and the OpenAPI description
 * (src/main/resources/facepipe/serve/openapi.json, which a test keeps in step with the routes).
 */
public final class ApiServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ApiServer.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    static final String OPENAPI = "facepipe/serve/openapi.json";
    /** serve.api_keys_file and serve.tls_keystore are looked at for changes no more often than this. */
    static final long RECHECK_MS = 1000;
    /** Every route, as openapi.json lists them (a test holds the two together). */
    static final String PAGE = "facepipe/serve/page.html";
    static final java.util.List<String> ROUTES = java.util.List.of("/", "/healthz", "/readyz", "/metrics", "/openapi.json",
            "/v1/search/embedding", "/v1/search/image", "/v1/search/face", "/v1/faces/{face_id}",
            "/v1/faces/{face_id}/crop", "/v1/persons/{person_id}");
    private final SearchService service;
    private final ServeSettings settings;
    private final Access access;
    private final AuditLog audit;
    private final Undertow server;

    /** A request refused with a status and one line saying why. */
    private static final class Refusal extends RuntimeException {
        final int status;

        Refusal(int status, String message) {
            super(message);
            this.status = status;
        }
    }

    public ApiServer(SearchService service, ServeSettings settings) {
        this.service = service;
        this.settings = settings;
        javax.net.ssl.SSLContext tls = settings.tls() == null ? null : TlsKeys.context(settings.tls(), RECHECK_MS);
        this.access = new Access(new KeyRing(settings.keyNames(), settings.keysFile(), RECHECK_MS), settings.ratePerKey());
        this.audit = new AuditLog(settings.auditDir(), settings.auditMaxBytes(), settings.auditSyncMs());
        RoutingHandler routes = Handlers.routing()
                .get("/", plain("/", this::page))
                .get("/healthz", plain("/healthz", this::health))
                .get("/readyz", plain("/readyz", this::readiness))
                .get("/metrics", plain("/metrics", this::metrics))
                .get("/openapi.json", plain("/openapi.json", this::openapi))
                .post("/v1/search/embedding", guarded("/v1/search/embedding", this::searchEmbedding))
                .post("/v1/search/image", guarded("/v1/search/image", this::searchImage))
                .post("/v1/search/face", guarded("/v1/search/face", this::searchFace))
                .get("/v1/faces/{face_id}", guarded("/v1/faces/{face_id}", this::faceEvidence))
                .get("/v1/faces/{face_id}/crop", guarded("/v1/faces/{face_id}/crop", this::faceCrop))
                .get("/v1/persons/{person_id}", guarded("/v1/persons/{person_id}", this::person))
                .setFallbackHandler(ex -> send(ex, 404, error("no such route: " + ex.getRequestMethod() + " "
                        + ex.getRequestPath() + " (see /openapi.json)")));
        Undertow.Builder b = Undertow.builder();
        if (settings.tls() == null) b.addHttpListener(settings.port(), settings.bind());
        else b.addHttpsListener(settings.port(), settings.bind(), tls);
        this.server = b.setHandler(routes).build();
    }

    public void start() {
        server.start();
    }

    /** The port actually bound (serve.port=0 picks a free one). */
    public int port() {
        return ((InetSocketAddress) server.getListenerInfo().get(0).getAddress()).getPort();
    }

    @FunctionalInterface
    private interface Route {
        void handle(HttpServerExchange ex, String keyName) throws Exception;
    }

    @FunctionalInterface
    private interface Step {
        void handle(HttpServerExchange ex) throws Exception;
    }

    /** An open route: no key, no rate limit, no audit (health, metrics, the description). */
    private HttpHandler plain(String name, Route r) {
        return timed(name, ex -> r.handle(ex, null));
    }

    /** A search route: a known key within its rate, then the handler on a worker thread (it blocks). */
    private HttpHandler guarded(String name, Route r) {
        return timed(name, ex -> {
            Access.Verdict v = access.check(apiKey(ex));
            if (!v.allowed()) {
                if (v.status() == 429) ex.getResponseHeaders().put(Headers.RETRY_AFTER, "1");
                throw new Refusal(v.status(), v.error());
            }
            r.handle(ex, v.name());
        });
    }

    private HttpHandler timed(String name, Step r) {
        return new HttpHandler() {
            @Override
            public void handleRequest(HttpServerExchange ex) {
                if (ex.isInIoThread()) {
                    ex.dispatch(this);
                    return;
                }
                long t0 = System.nanoTime();
                ex.startBlocking();
                try {
                    r.handle(ex);
                } catch (Refusal e) {
                    send(ex, e.status, error(e.getMessage()));
                } catch (IllegalArgumentException e) {
                    send(ex, 400, error(e.getMessage()));
                } catch (IllegalStateException e) {
                    send(ex, 503, error(e.getMessage()));
                } catch (Exception e) {
                    LOG.warn("{} failed", name, e);
                    send(ex, 500, error(name + " failed: " + e));
                } finally {
                    service.metrics.requests.labelValues(name, String.valueOf(ex.getStatusCode())).inc();
                    service.metrics.requestSeconds.labelValues(name).observe((System.nanoTime() - t0) / 1e9);
                }
            }
        };
    }

    private void health(HttpServerExchange ex, String unused) {
        ObjectNode o = JSON.createObjectNode();
        o.put("status", "up");
        o.put("ready", service.ready());
        o.put("index_version", service.version());
        o.put("model_id", service.modelId());
        o.put("vectors", service.vectors());
        o.put("last_swap_error", service.lastSwapError());
        send(ex, 200, o);
    }

    private void readiness(HttpServerExchange ex, String unused) {
        ObjectNode o = JSON.createObjectNode();
        o.put("ready", service.ready());
        o.put("index_version", service.version());
        send(ex, service.ready() ? 200 : 503, o);
    }

    private void metrics(HttpServerExchange ex, String unused) {
        ex.getResponseHeaders().put(Headers.CONTENT_TYPE, ServeMetrics.contentType());
        ex.getResponseSender().send(service.metrics.scrape());
    }

    private void openapi(HttpServerExchange ex, String unused) throws IOException {
        resource(ex, OPENAPI, "application/json");
    }

    /** The search page: plain HTML and script, calling the same API (it builds the DOM from text, never markup). */
    private void page(HttpServerExchange ex, String unused) throws IOException {
        ex.getResponseHeaders().put(new HttpString("Content-Security-Policy"), "default-src 'self'; img-src * data: blob:;"
                + " style-src 'unsafe-inline'; script-src 'unsafe-inline'; connect-src *");
        resource(ex, PAGE, "text/html; charset=utf-8");
    }

    private static void resource(HttpServerExchange ex, String name, String type) throws IOException {
        try (InputStream in = ApiServer.class.getClassLoader().getResourceAsStream(name)) {
            ex.getResponseHeaders().put(Headers.CONTENT_TYPE, type);
            ex.getResponseSender().send(ByteBuffer.wrap(in.readAllBytes()));
        }
    }

    private void searchEmbedding(HttpServerExchange ex, String key) throws IOException {
        JsonNode body;
        byte[] raw = body(ex, 1 << 20);
        try {
            body = JSON.readTree(raw);
        } catch (IOException e) {
            throw new IllegalArgumentException("the body is not JSON: " + e.getMessage());
        }
        JsonNode e = body == null ? null : body.get("embedding");
        if (e == null || !e.isArray() || e.isEmpty()) {
            throw new IllegalArgumentException("the body needs \"embedding\": an array of numbers");
        }
        float[] q = new float[e.size()];
        for (int i = 0; i < q.length; i++) {
            if (!e.get(i).isNumber()) throw new IllegalArgumentException("embedding[" + i + "] is not a number");
            q[i] = e.get(i).floatValue();
        }
        String model = body.path("model_id").asText(null);
        if (model != null && !model.equals(service.modelId())) {
            throw new IllegalArgumentException("the index holds " + service.modelId() + " embeddings, not " + model
                    + "; they cannot be compared");
        }
        int k = body.path("k").asInt(10);
        SearchService.Answer a = service.search(q, k);
        String hash = ContentHash.sha256Hex(floatBytes(q));
        audit.record(key, "/v1/search/embedding", hash, a, null);
        ObjectNode out = JSON.createObjectNode();
        out.put("query_sha256", hash);
        answer(out, a);
        send(ex, 200, out);
    }

    private void searchImage(HttpServerExchange ex, String key) throws Exception {
        String faces = param(ex, "faces", "main");
        if (!faces.equals("main") && !faces.equals("all")) {
            throw new IllegalArgumentException("faces must be main or all, not " + faces);
        }
        int k = Integer.parseInt(param(ex, "k", "10"));
        boolean crops = param(ex, "crops", "false").equals("true");
        byte[] photo = body(ex, settings.maxUploadBytes());
        if (photo.length == 0) throw new IllegalArgumentException("the body must be the photo's bytes");
        String hash = ContentHash.sha256Hex(photo);
        SearchService.ImageAnswer a = service.searchImage(photo, "upload " + hash.substring(0, 12),
                faces.equals("all"), k, crops);
        ObjectNode out = JSON.createObjectNode();
        out.put("query_sha256", hash);
        out.put("faces_requested", faces);
        if (!a.image().ok()) {
            audit.refused(key, "/v1/search/image", hash, a.image().reason().code());
            out.put("status", a.image().reason().code());
            out.put("message", a.image().message());
            send(ex, 422, out);
            return;
        }
        out.put("status", "ok");
        out.put("faces_found", a.image().faces().size());
        ArrayNode arr = out.putArray("faces");
        for (SearchService.FaceAnswer fa : a.faces()) {
            ObjectNode o = arr.addObject();
            FaceResult f = fa.face();
            o.put("face", fa.number());
            o.put("main", fa.main());
            o.put("status", f.accepted() ? "ok" : f.reason().code());
            ArrayNode box = o.putArray("box");
            for (float v : new float[] {f.x1(), f.y1(), f.x2(), f.y2()}) box.add(Math.round(v));
            o.put("det_score", round(f.detScore(), 1000));
            if (f.quality() != null) o.put("quality", round(f.quality().overall(), 1000));
            if (fa.crop() != null) o.put("crop_jpeg_base64", java.util.Base64.getEncoder().encodeToString(fa.crop()));
            if (fa.answer() == null) {
                o.putNull("search");
                continue;
            }
            audit.record(key, "/v1/search/image", hash, fa.answer(), fa.number());
            answer(o.putObject("search"), fa.answer());
        }
        if (a.faces().isEmpty()) audit.refused(key, "/v1/search/image", hash, "no accepted face");
        send(ex, 200, out);
    }

    private void searchFace(HttpServerExchange ex, String key) throws IOException {
        JsonNode body;
        try {
            body = JSON.readTree(body(ex, 1 << 16));
        } catch (IOException e) {
            throw new IllegalArgumentException("the body is not JSON: " + e.getMessage());
        }
        String faceId = body == null ? null : body.path("face_id").asText(null);
        if (faceId == null) throw new IllegalArgumentException("the body needs \"face_id\"");
        String hash = ContentHash.sha256Hex(faceId.getBytes(StandardCharsets.UTF_8));
        SearchService.Answer a = service.searchFace(faceId, body.path("k").asInt(10));
        if (a == null) {
            audit.refused(key, "/v1/search/face", hash, "not served");
            throw new Refusal(404, "face " + faceId + " is not in the served index");
        }
        audit.record(key, "/v1/search/face", hash, a, null);
        ObjectNode out = JSON.createObjectNode();
        out.put("query_face_id", faceId);
        answer(out, a);
        send(ex, 200, out);
    }

    /** A face's evidence trail: where it came from, in which version, under which model and threshold. */
    private void faceEvidence(HttpServerExchange ex, String key) {
        String faceId = ex.getQueryParameters().get("face_id").getFirst();
        SearchService.Answer a = service.face(faceId);
        if (a == null) throw new Refusal(404, "face " + faceId + " is not in the served index");
        SearchService.Match m = a.hits().get(0);
        ObjectNode out = JSON.createObjectNode();
        out.put("face_id", faceId);
        out.put("image_id", m.face().imageId());
        ObjectNode ev = out.putObject("evidence");
        ev.put("source_url", m.face().source());
        ev.put("page_url", m.face().pageUrl());
        if (m.face().crawledAt() != null) ev.put("crawled_at", java.time.Instant.ofEpochMilli(m.face().crawledAt()).toString());
        else ev.putNull("crawled_at");
        if (m.face().quality() != null) ev.put("quality", round(m.face().quality(), 1000));
        else ev.putNull("quality");
        ev.put("model_id", a.modelId());
        ev.put("index_version", a.version());
        ev.put("shard", m.shard());
        send(ex, 200, out);
    }

    /** A person (facepipe cluster): its faces the served version holds and does not withhold, best linked first. */
    private void person(HttpServerExchange ex, String key) {
        String raw = ex.getQueryParameters().get("person_id").getFirst();
        long id;
        try {
            id = Long.parseLong(raw);
        } catch (NumberFormatException e) {
            throw new Refusal(400, "not a person id: " + raw + " (a number, as person_id in a search answer)");
        }
        java.util.Deque<String> limit = ex.getQueryParameters().get("faces");
        int max = Math.max(1, Math.min(settings.maxK(), limit == null ? 50 : parseInt(limit.getFirst(), "faces")));
        SearchService.Person p = service.person(id, max);
        // A person's faces are a disclosure like a search's: each lookup is audited with what it returned.
        String hash = ContentHash.sha256Hex(("person " + id).getBytes(StandardCharsets.UTF_8));
        if (p == null) {
            audit.refused(key, "/v1/persons/{person_id}", hash, "no such person served");
            throw new Refusal(404, "no person " + id + " in the served identities (none yet, or every face"
                    + " of it is withheld or no longer served)");
        }
        audit.record(key, "/v1/persons/{person_id}", hash, new SearchService.Answer(service.version(),
                service.modelId(), Double.NaN, "", p.faces().stream().map(e -> new SearchService.Match(e.faceKey(), -1,
                        Float.NaN, false, e, id)).toList(), java.util.List.of(), p.withheld()), null);
        ObjectNode out = JSON.createObjectNode();
        out.put("person_id", id);
        out.put("identities_version", p.identitiesVersion());
        out.put("size", p.size());
        if (p.cohesion() == null) out.putNull("cohesion");
        else out.put("cohesion", round(p.cohesion(), 10000));
        out.put("withheld", p.withheld());
        ArrayNode faces = out.putArray("faces");
        for (Sidecars.Entry e : p.faces()) {
            ObjectNode f = faces.addObject();
            f.put("face_id", e.faceId());
            f.put("image_id", e.imageId());
            f.put("source_url", e.source());
            f.put("page_url", e.pageUrl());
        }
        send(ex, 200, out);
    }

    private static int parseInt(String raw, String name) {
        try {
            return Integer.parseInt(raw);
        } catch (NumberFormatException e) {
            throw new Refusal(400, name + " must be a number, got " + raw);
        }
    }

    /** An indexed face's aligned crop (JPEG), cut again from its image's blob. */
    private void faceCrop(HttpServerExchange ex, String key) throws Exception {
        String faceId = ex.getQueryParameters().get("face_id").getFirst();
        byte[] jpeg = service.faceCrop(faceId);
        if (jpeg == null) {
            throw new Refusal(404, "no crop of face " + faceId + ": not in the served index, or its image is in none of"
                    + " serve.crawl_roots");
        }
        ex.getResponseHeaders().put(Headers.CONTENT_TYPE, "image/jpeg");
        ex.getResponseHeaders().put(Headers.CACHE_CONTROL, "private, max-age=300");
        ex.getResponseSender().send(ByteBuffer.wrap(jpeg));
    }

    /** An answer's JSON: version, model, threshold, what was left out, and each hit with its evidence. */
    private static void answer(ObjectNode out, SearchService.Answer a) {
        out.put("index_version", a.version());
        out.put("model_id", a.modelId());
        out.put("threshold", round(a.threshold(), 10000));
        out.put("threshold_method", a.thresholdMethod());
        out.put("partial", !a.missedShards().isEmpty());
        ArrayNode missed = out.putArray("missed_shards");
        a.missedShards().forEach(missed::add);
        out.put("withheld", a.withheld());
        ArrayNode hits = out.putArray("hits");
        for (SearchService.Match m : a.hits()) {
            ObjectNode h = hits.addObject();
            Sidecars.Entry e = m.face();
            h.put("face_id", e == null ? null : e.faceId());
            h.put("image_id", e == null ? null : e.imageId());
            h.put("score", round(m.score(), 10000));
            h.put("match", m.match());
            if (m.personId() != null) h.put("person_id", m.personId()); // facepipe cluster's identities, when there are
            ObjectNode ev = h.putObject("evidence");
            ev.put("source_url", e == null ? null : e.source());
            ev.put("page_url", e == null ? null : e.pageUrl());
            if (e != null && e.crawledAt() != null) {
                ev.put("crawled_at", java.time.Instant.ofEpochMilli(e.crawledAt()).toString());
            } else {
                ev.putNull("crawled_at");
            }
            if (e != null && e.quality() != null) ev.put("quality", round(e.quality(), 1000));
            else ev.putNull("quality");
            ev.put("model_id", a.modelId());
            ev.put("index_version", a.version());
            ev.put("shard", m.shard());
            ev.put("score", round(m.score(), 10000));
            ev.put("threshold", round(a.threshold(), 10000));
        }
    }

    private static double round(double v, int scale) {
        return Math.round(v * scale) / (double) scale;
    }

    private static byte[] body(HttpServerExchange ex, long max) throws IOException {
        long declared = ex.getRequestContentLength();
        if (declared > max) throw new Refusal(413, "the body is " + declared + " bytes; at most " + max + " are taken");
        try (InputStream in = ex.getInputStream()) {
            byte[] b = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, max + 1));
            if (b.length > max) throw new Refusal(413, "the body is over " + max + " bytes");
            return b;
        }
    }

    private static String param(HttpServerExchange ex, String name, String dflt) {
        Deque<String> v = ex.getQueryParameters().get(name);
        return v == null || v.isEmpty() ? dflt : v.getFirst().toLowerCase(Locale.ROOT);
    }

    private static String apiKey(HttpServerExchange ex) {
        String auth = ex.getRequestHeaders().getFirst(Headers.AUTHORIZATION);
        if (auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7)) return auth.substring(7).strip();
        return ex.getRequestHeaders().getFirst(new HttpString("X-Api-Key"));
    }

    private static byte[] floatBytes(float[] q) {
        ByteBuffer b = ByteBuffer.allocate(4 * q.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : q) b.putFloat(f);
        return b.array();
    }

    private static ObjectNode error(String message) {
        ObjectNode o = JSON.createObjectNode();
        o.put("error", message);
        return o;
    }

    private static void send(HttpServerExchange ex, int status, JsonNode body) {
        ex.setStatusCode(status);
        ex.getResponseHeaders().put(Headers.CONTENT_TYPE, "application/json");
        try {
            ex.getResponseSender().send(ByteBuffer.wrap(JSON.writeValueAsBytes(body)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        server.stop();
        audit.close();
    }
}
