package dev.facepipe.bench;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A loopback web that changes night by night, for bench nightly: host h at 127.0.2.(h+1), a root page
 * linking its pages, each page showing its images amid pageKb KB of other markup (as real pages
 * carry). Pages and images answer with an ETag of their bytes and 304 to a matching If-None-Match;
 * each image version is distinct bytes. Each night some images change
 * (the hot ones, at random), some are added to pages, some leave (half answer 404, half are only no
 * longer shown). Counts the body bytes and the requests it answers.
 */
final class ChangingWeb implements AutoCloseable {
    /** One image: where it is shown, its version, and since which night a change, an add or a removal waits. */
    static final class Image {
        final int host;
        final int page;
        final int id;
        final boolean hot;
        int version;
        boolean shown = true;
        boolean served = true;
        /** Night of the oldest change (or the add) no fetch has seen yet; 0: none. */
        int pendingSince;
        /** Night it began to answer 404; 0: never. */
        int goneSince;
        int fetchedVersion = -1;

        Image(int host, int page, int id, boolean hot, int night) {
            this.host = host;
            this.page = page;
            this.id = id;
            this.hot = hot;
            this.pendingSince = night;
        }
    }

    private final List<HttpServer> servers = new ArrayList<>();
    private final List<String> bases = new ArrayList<>();
    private final List<String> names = new ArrayList<>();
    final List<Image> images = new ArrayList<>();
    private final byte[] photo;
    private final int pages;
    private final Random random;
    final AtomicLong bytes = new AtomicLong();
    final AtomicLong requests = new AtomicLong();
    final AtomicLong notModified = new AtomicLong();
    /** Page answers (root and pages): all, 304s, and body bytes. */
    final AtomicLong pageRequests = new AtomicLong();
    final AtomicLong pagesNotModified = new AtomicLong();
    final AtomicLong pageBytes = new AtomicLong();
    private final byte[] filler;
    private final ExecutorService pool = Executors.newFixedThreadPool(16, r -> {
        Thread t = new Thread(r, "changing-web");
        t.setDaemon(true);
        return t;
    });

    ChangingWeb(byte[] photo, int hosts, int pages, int imagesPerPage, double hotShare, int pageKb, long seed)
            throws IOException {
        this.photo = photo;
        this.filler = ("<!--" + "x".repeat(Math.max(0, pageKb * 1024 - 7)) + "-->").getBytes(StandardCharsets.UTF_8);
        this.pages = pages;
        this.random = new Random(seed);
        for (int h = 0; h < hosts; h++) {
            String name = "127.0.2." + (h + 1);
            int host = h;
            HttpServer s = HttpServer.create(new InetSocketAddress(InetAddress.getByName(name), 0), 0);
            s.createContext("/", ex -> answer(ex, host));
            s.setExecutor(pool);
            s.start();
            servers.add(s);
            names.add(name);
            bases.add("http://" + name + ":" + s.getAddress().getPort());
            for (int p = 0; p < pages; p++) {
                for (int i = 0; i < imagesPerPage; i++) images.add(new Image(h, p, images.size(), random.nextDouble() < hotShare, 0));
            }
        }
    }

    List<String> seeds() {
        return bases.stream().map(b -> b + "/").toList();
    }

    String hostList() {
        return String.join(",", names);
    }

    String url(Image i) {
        return bases.get(i.host) + "/img/" + i.id + ".jpg";
    }

    /**
     * Night n's changes: each hot image changes with probability 1/2; added new images on random pages;
     * removed shown images leave (half answer 404, half stay served but no page shows them).
     */
    synchronized void night(int n, int added, int removed) {
        for (Image i : images) {
            if (i.hot && i.served && random.nextBoolean()) {
                i.version++;
                if (i.pendingSince == 0) i.pendingSince = n;
            }
        }
        for (int k = 0; k < added; k++) {
            images.add(new Image(random.nextInt(servers.size()), random.nextInt(pages), images.size(),
                    random.nextDouble() < 0.1, n));
        }
        for (int k = 0; k < removed; k++) {
            Image i = images.get(random.nextInt(images.size()));
            if (!i.shown) continue;
            i.shown = false;
            if (k % 2 == 0) {
                i.served = false;
                i.goneSince = n;
            }
        }
    }

    /** What a full re-crawl would download tonight: every page and every shown image: bytes, requests, page bytes. */
    synchronized long[] fullCrawl() {
        long b = 0, r = 0, html = 0;
        for (int h = 0; h < servers.size(); h++) {
            html += root(h).length;
            r += 2; // robots.txt and the root
            for (int p = 0; p < pages; p++) {
                html += page(h, p).length;
                r++;
            }
        }
        b += html;
        for (Image i : images) {
            if (i.shown && i.served) {
                b += body(i).length;
                r++;
            }
        }
        return new long[] {b, r, html};
    }

    private synchronized void answer(HttpExchange ex, int host) throws IOException {
        requests.incrementAndGet();
        String path = ex.getRequestURI().getPath();
        byte[] body = null;
        String type = "text/html";
        if (path.equals("/robots.txt")) {
            body = "User-agent: *\nAllow: /\n".getBytes(StandardCharsets.UTF_8);
            type = "text/plain";
        } else if (path.equals("/")) {
            body = root(host);
        } else if (path.matches("/p\\d+\\.html")) {
            int p = Integer.parseInt(path.substring(2, path.length() - 5));
            if (p < pages) body = page(host, p);
        }
        if (body != null && type.equals("text/html")) {
            pageRequests.incrementAndGet();
            String etag = "\"" + Integer.toHexString(java.util.Arrays.hashCode(body)) + "\"";
            ex.getResponseHeaders().add("ETag", etag);
            if (etag.equals(ex.getRequestHeaders().getFirst("If-None-Match"))) {
                pagesNotModified.incrementAndGet();
                ex.sendResponseHeaders(304, -1);
                ex.close();
                return;
            }
            pageBytes.addAndGet(body.length);
        } else if (path.matches("/img/\\d+\\.jpg")) {
            int id = Integer.parseInt(path.substring(5, path.length() - 4));
            Image i = id < images.size() ? images.get(id) : null;
            if (i != null && i.host == host && i.served) {
                String etag = "\"v" + i.version + "\"";
                ex.getResponseHeaders().add("ETag", etag);
                if (etag.equals(ex.getRequestHeaders().getFirst("If-None-Match"))) {
                    notModified.incrementAndGet();
                    ex.sendResponseHeaders(304, -1);
                    ex.close();
                    return;
                }
                body = body(i);
                type = "image/jpeg";
            }
        }
        if (body == null) {
            ex.sendResponseHeaders(404, -1);
            ex.close();
            return;
        }
        bytes.addAndGet(body.length);
        ex.getResponseHeaders().add("Content-Type", type);
        ex.sendResponseHeaders(200, body.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(body);
        }
    }

    private byte[] root(int host) {
        StringBuilder s = new StringBuilder("<!doctype html><html><body>");
        for (int p = 0; p < pages; p++) s.append("<a href=/p").append(p).append(".html>page ").append(p).append("</a> ");
        return s.append("</body></html>").toString().getBytes(StandardCharsets.UTF_8);
    }

    private byte[] page(int host, int p) {
        StringBuilder s = new StringBuilder("<!doctype html><html><body>").append(new String(filler, StandardCharsets.UTF_8));
        for (Image i : images) {
            if (i.host == host && i.page == p && i.shown) s.append("<img src=/img/").append(i.id).append(".jpg> ");
        }
        return s.append("</body></html>").toString().getBytes(StandardCharsets.UTF_8);
    }

    private byte[] body(Image i) {
        byte[] tag = ("#" + i.id + "/v" + i.version).getBytes(StandardCharsets.UTF_8);
        byte[] out = java.util.Arrays.copyOf(photo, photo.length + tag.length);
        System.arraycopy(tag, 0, out, photo.length, tag.length);
        return out;
    }

    @Override
    public void close() {
        servers.forEach(s -> s.stop(0));
        pool.shutdownNow();
    }
}
