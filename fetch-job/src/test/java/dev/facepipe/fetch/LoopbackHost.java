package dev.facepipe.fetch;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.Executors;

/** A web host of the fetch tests on a loopback address of its own (127.0.0.x), and how it answers. */
final class LoopbackHost {
    private LoopbackHost() {}

    /** A started server at the address on a free port. */
    static HttpServer start(String address, HttpHandler handler) throws IOException {
        HttpServer s = HttpServer.create(new InetSocketAddress(InetAddress.getByName(address), 0), 0);
        s.createContext("/", handler);
        s.setExecutor(Executors.newFixedThreadPool(2));
        s.start();
        return s;
    }

    static String base(HttpServer s) {
        return "http://" + s.getAddress().getHostString() + ":" + s.getAddress().getPort();
    }

    /** Answers with the status and the body (none: an empty answer). */
    static void send(HttpExchange ex, int code, byte[] body) throws IOException {
        if (body == null || body.length == 0) {
            ex.sendResponseHeaders(code, -1);
            ex.close();
            return;
        }
        ex.sendResponseHeaders(code, body.length);
        try (OutputStream o = ex.getResponseBody()) {
            o.write(body);
        }
    }
}
