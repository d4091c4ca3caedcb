package dev.facepipe.crawler;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.Executors;

/** The crawler tests' web: a JDK HTTP server on a free loopback port, and one way to answer. */
final class Loopback {
    private Loopback() {}

    /** A started server at address (a 127.0.0.x), every path to handler, on threads workers. */
    static HttpServer serve(InetAddress address, HttpHandler handler, int threads) throws IOException {
        HttpServer s = HttpServer.create(new InetSocketAddress(address, 0), 0);
        s.createContext("/", handler);
        s.setExecutor(Executors.newFixedThreadPool(threads));
        s.start();
        return s;
    }

    static HttpServer serve(HttpHandler handler, int threads) throws IOException {
        return serve(InetAddress.getLoopbackAddress(), handler, threads);
    }

    /** A whole answer with its length. */
    static void send(HttpExchange ex, int code, String type, byte[] body) throws IOException {
        ex.getResponseHeaders().add("Content-Type", type);
        ex.sendResponseHeaders(code, body.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(body);
        }
    }
}
