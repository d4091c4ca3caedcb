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
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A small web site on loopback for the demo and the tests, built from photos: pages with plain,
 * srcset, lazy and picture images, the same photo under several URLs, an og:image, robots.txt with
 * a disallowed folder, a noimageindex page, redirects (one to a private address), a broken link and
 * a fake image. Images and pages carry an ETag and answer 304 to a matching If-None-Match. Counts
 * requests per path so tests can see what was fetched.
 */
public final class DemoSite implements AutoCloseable {
    static {
        // The JDK server writes headers and body separately; with Nagle's algorithm on, each response
        // then waits for the client's delayed ACK (40 ms on Linux), which would cap a crawl at 25
        // requests/s per thread. Read once, when the first server starts: set it before.
        if (System.getProperty("sun.net.httpserver.nodelay") == null) {
            System.setProperty("sun.net.httpserver.nodelay", "true");
        }
    }

    private final HttpServer server;
    private final Map<String, byte[]> images = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> fullResponses = new ConcurrentHashMap<>();
    private final Map<String, String> pages = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> hits = new ConcurrentHashMap<>();

    /** Paths of the photos the site shows, in the order given. */
    public static final List<String> PHOTO_PATHS = List.of("/img/p0.jpg", "/img/p1.jpg", "/img/p2.jpg",
            "/img/p3.jpg", "/private/p4.jpg", "/img/p5.jpg", "/img/p6.jpg");

    /** Images on each archive page. */
    public static final int ARCHIVE_IMAGES_PER_PAGE = 4;

    private DemoSite(List<Path> photos, int archivePages, InetAddress address) throws IOException {
        for (int i = 0; i < PHOTO_PATHS.size(); i++) {
            images.put(PHOTO_PATHS.get(i), Files.readAllBytes(photos.get(i % photos.size())));
        }
        images.put("/img/copy-of-p0.jpg", images.get("/img/p0.jpg"));
        images.put("/img/p1-small.jpg", images.get("/img/p1.jpg"));
        images.put("/img/fake.jpg", "<html>not an image</html>".getBytes(StandardCharsets.UTF_8));
        pages.put("/robots.txt", "User-agent: *\nDisallow: /private/\n");
        pages.put("/", page("Demo", "<meta property=\"og:image\" content=\"/img/p0.jpg\">",
                "<a href=/people.html>people</a> <a href=/lazy.html>lazy</a> <a href=/gallery.html>gallery</a>"
                        + " <a href=/private/secret.html>secret</a> <a href=/noimg.html>no images</a>"
                        + " <a href=/odd.html>odd</a>" + (archivePages > 0 ? " <a href=/archive/>archive</a>" : "")));
        // The archive: many plain pages of photos under their own URLs, each file distinct (a JPEG
        // comment names it) like re-published copies, for crawls and ingests long enough to interrupt and time.
        StringBuilder index = new StringBuilder();
        for (int p = 0; p < archivePages; p++) {
            index.append("<a href=/archive/").append(p).append(".html>").append(p).append("</a> ");
            StringBuilder body = new StringBuilder();
            for (int j = 0; j < ARCHIVE_IMAGES_PER_PAGE; j++) {
                String img = "/archive/" + p + "-" + j + ".jpg";
                images.put(img, tagged(images.get(PHOTO_PATHS.get((p * ARCHIVE_IMAGES_PER_PAGE + j) % 4)), img));
                body.append("<img src=").append(img).append(" alt='Archive ").append(p).append('-').append(j)
                        .append("'> ");
            }
            pages.put("/archive/" + p + ".html", page("Archive " + p, "", body.toString()));
        }
        if (archivePages > 0) pages.put("/archive/", page("Archive", "", index.toString()));
        pages.put("/people.html", page("People", "",
                "<img src=/img/p0.jpg alt='Person zero'> <img src=/img/copy-of-p0.jpg alt='Copy'>"
                        + " <img src=/img/p1-small.jpg srcset='/img/p1-small.jpg 100w, /img/p1.jpg 800w' alt='One'>"));
        pages.put("/lazy.html", page("Lazy", "", "<img src=/img/placeholder.gif data-src=/img/p2.jpg alt=Two>"));
        pages.put("/gallery.html", page("Gallery", "",
                "<picture><source srcset='/img/p3.jpg 1200w'><img src=/img/p3-small.jpg alt=Three></picture>"));
        pages.put("/private/secret.html", page("Secret", "", "<img src=/private/p4.jpg alt=Four>"));
        pages.put("/noimg.html", page("No images", "<meta name=robots content=noimageindex>",
                "<img src=/img/p5.jpg alt=Five>"));
        pages.put("/odd.html", page("Odd", "", "<img src=/img/moved.jpg alt=Six> <img src=/img/missing.jpg>"
                + " <img src=/img/fake.jpg> <img src=/img/evil.jpg>"));
        server = HttpServer.create(new InetSocketAddress(address, 0), 0);
        server.createContext("/", this::handle);
        server.setExecutor(Executors.newFixedThreadPool(4, r -> {
            Thread t = new Thread(r, "demo-site");
            t.setDaemon(true);
            return t;
        }));
        server.start();
    }

    /** Starts the site on a free loopback port. */
    public static DemoSite start(List<Path> photos) throws IOException {
        return start(photos, 0);
    }

    /** Starts the site with an archive of this many extra pages ({@value #ARCHIVE_IMAGES_PER_PAGE} images each). */
    public static DemoSite start(List<Path> photos, int archivePages) throws IOException {
        return start(photos, archivePages, InetAddress.getLoopbackAddress().getHostAddress());
    }

    /** Starts the site on another loopback address (127.0.0.2, ...: another host for a multi-host test). */
    public static DemoSite start(List<Path> photos, int archivePages, String loopbackAddress) throws IOException {
        if (photos.isEmpty()) throw new IllegalArgumentException("the demo site needs at least one photo");
        InetAddress address = InetAddress.getByName(loopbackAddress);
        if (!address.isLoopbackAddress()) {
            throw new IllegalArgumentException(loopbackAddress + " is not a loopback address; the demo site serves only there");
        }
        return new DemoSite(photos, archivePages, address);
    }

    public String baseUrl() {
        return "http://" + server.getAddress().getAddress().getHostAddress() + ":" + server.getAddress().getPort();
    }

    public int hits(String path) {
        AtomicInteger n = hits.get(path);
        return n == null ? 0 : n.get();
    }

    public byte[] image(String path) {
        return images.get(path);
    }

    /** Changes what a path serves (for re-crawl tests); null removes it (then it answers 404). */
    public void replace(String path, byte[] bytes) {
        if (bytes == null) images.remove(path);
        else images.put(path, bytes);
    }

    /** Changes or adds a page (for re-crawl tests): an HTML page with this title and body. */
    public void putPage(String path, String title, String body) {
        pages.put(path, page(title, "", body));
    }

    /** Replaces the site's robots.txt (for re-crawl tests). */
    public void robots(String text) {
        pages.put("/robots.txt", text);
    }

    /** Responses with a body (200) for an image or page, as opposed to 304 Not Modified. */
    public int fullResponses(String path) {
        AtomicInteger n = fullResponses.get(path);
        return n == null ? 0 : n.get();
    }

    private void handle(HttpExchange ex) throws IOException {
        String path = ex.getRequestURI().getPath();
        hits.computeIfAbsent(path, k -> new AtomicInteger()).incrementAndGet();
        switch (path) {
            case "/img/moved.jpg" -> redirect(ex, "/img/p6.jpg");
            case "/img/evil.jpg" -> redirect(ex, "http://10.255.255.1/x.jpg");
            default -> {
                byte[] img = images.get(path);
                String page = pages.get(path);
                if (img != null) {
                    ex.getResponseHeaders().add("Content-Type", "image/jpeg");
                    sendUnlessNotModified(ex, path, img);
                } else if (page != null && path.endsWith(".txt")) {
                    ex.getResponseHeaders().add("Content-Type", "text/plain");
                    send(ex, 200, page.getBytes(StandardCharsets.UTF_8));
                } else if (page != null) {
                    ex.getResponseHeaders().add("Content-Type", "text/html; charset=utf-8");
                    sendUnlessNotModified(ex, path, page.getBytes(StandardCharsets.UTF_8));
                } else {
                    send(ex, 404, "not found".getBytes(StandardCharsets.UTF_8));
                }
            }
        }
    }

    /** An image or page with an ETag of its bytes: 304 to a matching If-None-Match, else the bytes (counted). */
    private void sendUnlessNotModified(HttpExchange ex, String path, byte[] body) throws IOException {
        String etag = "\"" + Integer.toHexString(java.util.Arrays.hashCode(body)) + "\"";
        ex.getResponseHeaders().add("ETag", etag);
        if (etag.equals(ex.getRequestHeaders().getFirst("If-None-Match"))) {
            ex.sendResponseHeaders(304, -1);
            ex.close();
            return;
        }
        fullResponses.computeIfAbsent(path, k -> new AtomicInteger()).incrementAndGet();
        send(ex, 200, body);
    }

    private static void redirect(HttpExchange ex, String to) throws IOException {
        ex.getResponseHeaders().add("Location", to);
        ex.sendResponseHeaders(302, -1);
        ex.close();
    }

    private static void send(HttpExchange ex, int code, byte[] body) throws IOException {
        ex.sendResponseHeaders(code, body.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(body);
        }
    }

    /** A JPEG with a comment segment (COM) after SOI: the same pixels, other bytes. Other formats as they are. */
    static byte[] tagged(byte[] image, String comment) {
        if (image.length < 2 || (image[0] & 0xFF) != 0xFF || (image[1] & 0xFF) != 0xD8) return image;
        byte[] text = comment.getBytes(StandardCharsets.US_ASCII);
        byte[] out = new byte[image.length + 4 + text.length];
        out[0] = (byte) 0xFF;
        out[1] = (byte) 0xD8;
        out[2] = (byte) 0xFF;
        out[3] = (byte) 0xFE;
        out[4] = (byte) ((text.length + 2) >> 8);
        out[5] = (byte) (text.length + 2);
        System.arraycopy(text, 0, out, 6, text.length);
        System.arraycopy(image, 2, out, 6 + text.length, image.length - 2);
        return out;
    }

    private static String page(String title, String head, String body) {
        return "<!doctype html><html><head><title>" + title + "</title>" + head + "</head><body>" + body
                + "</body></html>";
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
