package dev.facepipe.crawler;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A web of many hosts on loopback for fetch benchmarks and tests: host i at 127.0.1.1, 127.0.1.2, ...
 * (Linux routes all of 127/8 to loopback), each with a robots.txt, a page showing its images and the
 * images themselves, every one a distinct file (a JPEG comment names it), made when asked for. Counts
 * robots.txt reads per host and image answers.
 */
public final class ManyHostsWeb implements AutoCloseable {
    private final List<HttpServer> servers = new ArrayList<>();
    private final List<String> roots = new ArrayList<>();
    private final List<String> names = new ArrayList<>();
    private final Map<String, AtomicInteger> robotsReads = new ConcurrentHashMap<>();
    private final AtomicLong images = new AtomicLong();
    private final ExecutorService pool = Executors.newFixedThreadPool(16, r -> {
        Thread t = new Thread(r, "many-hosts-web");
        t.setDaemon(true);
        return t;
    });
    private final int imagesPerHost;

    private ManyHostsWeb(List<Path> photos, int hosts, int imagesPerHost) throws IOException {
        if (hosts < 1 || hosts > 250 * 250) throw new IllegalArgumentException("hosts: 1 to 62500, not " + hosts);
        System.setProperty("sun.net.httpserver.nodelay", "true"); // see DemoSite
        this.imagesPerHost = imagesPerHost;
        List<byte[]> bytes = new ArrayList<>();
        for (Path p : photos) bytes.add(Files.readAllBytes(p));
        for (int h = 0; h < hosts; h++) {
            String name = "127.0." + (1 + h / 250) + "." + (1 + h % 250);
            HttpServer s = HttpServer.create(new InetSocketAddress(InetAddress.getByName(name), 0), 0);
            s.createContext("/", ex -> answer(ex, name, bytes));
            s.setExecutor(pool);
            s.start();
            servers.add(s);
            names.add(name);
            roots.add("http://" + name + ":" + s.getAddress().getPort() + "/");
        }
    }

    public static ManyHostsWeb start(List<Path> photos, int hosts, int imagesPerHost) throws IOException {
        return new ManyHostsWeb(photos, hosts, imagesPerHost);
    }

    private void answer(HttpExchange ex, String host, List<byte[]> photos) throws IOException {
        String path = ex.getRequestURI().getPath();
        byte[] body;
        String type = "text/html";
        if (path.equals("/robots.txt")) {
            robotsReads.computeIfAbsent(host, k -> new AtomicInteger()).incrementAndGet();
            body = "User-agent: *\nAllow: /\n".getBytes(StandardCharsets.UTF_8);
            type = "text/plain";
        } else if (path.equals("/")) {
            StringBuilder page = new StringBuilder("<!doctype html><html><body>");
            for (int i = 0; i < imagesPerHost; i++) page.append("<img src=/img/").append(i).append(".jpg> ");
            body = page.append("</body></html>").toString().getBytes(StandardCharsets.UTF_8);
        } else if (path.matches("/img/\\d+\\.jpg") && Integer.parseInt(path.substring(5, path.length() - 4)) < imagesPerHost) {
            int i = Integer.parseInt(path.substring(5, path.length() - 4));
            body = DemoSite.tagged(photos.get(i % photos.size()), host + path);
            type = "image/jpeg";
            images.incrementAndGet();
        } else {
            ex.sendResponseHeaders(404, -1);
            ex.close();
            return;
        }
        ex.getResponseHeaders().add("Content-Type", type);
        ex.sendResponseHeaders(200, body.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(body);
        }
    }

    /** Each host's page, as http://127.0.1.N:PORT/. */
    public List<String> roots() {
        return List.copyOf(roots);
    }

    /** Every image URL of every host. */
    public List<String> imageUrls() {
        List<String> out = new ArrayList<>();
        for (String r : roots) for (int i = 0; i < imagesPerHost; i++) out.add(r + "img/" + i + ".jpg");
        return out;
    }

    /** The hosts' addresses, comma-separated: the value crawler.allow_private_hosts needs. */
    public String hostList() {
        return String.join(",", names);
    }

    /** How often each host's robots.txt was read, by host address. */
    public Map<String, Integer> robotsReads() {
        Map<String, Integer> out = new java.util.TreeMap<>();
        robotsReads.forEach((k, v) -> out.put(k, v.get()));
        return out;
    }

    public long imageAnswers() {
        return images.get();
    }

    @Override
    public void close() {
        servers.forEach(s -> s.stop(0));
        pool.shutdownNow();
    }
}
