package dev.facepipe.crawler;

import static dev.facepipe.testing.Fixtures.ROOT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import dev.facepipe.core.config.Config;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.apache.avro.generic.GenericRecord;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.avro.AvroParquetReader;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Certificates are verified: an image served over HTTPS with a self-made certificate is not fetched
 * (an error row naming TLS, not retried), by crawl or by re-crawl, unless crawler.tls_verify=false.
 * crawler4j by itself trusts any certificate for any name.
 */
class TlsTest {
    private static final char[] PASS = "secret".toCharArray();
    @TempDir
    Path tmp;
    private HttpServer page;
    private HttpsServer images;
    private final AtomicInteger served = new AtomicInteger();

    @BeforeEach
    void start() throws Exception {
        Path ks = tmp.resolve("self.p12");
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair", "-alias", "site", "-keyalg", "RSA", "-keysize", "2048", "-dname", "CN=127.0.0.1",
                "-ext", "san=ip:127.0.0.1", "-validity", "2", "-storetype", "PKCS12", "-keystore", ks.toString(),
                "-storepass", "secret", "-keypass", "secret").redirectErrorStream(true).start();
        String said = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), "keytool: " + said);
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(ks)) {
            store.load(in, PASS);
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(store, PASS);
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(kmf.getKeyManagers(), null, null);
        byte[] photo = Files.readAllBytes(ROOT.resolve("fixtures/debian/grace_hopper.jpg"));
        images = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        images.setHttpsConfigurator(new HttpsConfigurator(tls));
        images.createContext("/", ex -> {
            served.incrementAndGet();
            Loopback.send(ex, 200, "image/jpeg", photo);
        });
        images.start();
        String img = "https://127.0.0.1:" + images.getAddress().getPort() + "/face.jpg";
        page = Loopback.serve(ex -> Loopback.send(ex, 200, "text/html",
                ("<html><body><img src='" + img + "'></body></html>").getBytes(StandardCharsets.UTF_8)), 2);
    }

    @AfterEach
    void stop() {
        page.stop(0);
        images.stop(0);
    }

    private Config cfg(boolean verify) {
        return Config.builder().set("crawler.allow_private_hosts", "127.0.0.1", "test")
                .set("crawler.politeness_delay_ms", "0", "test").set("crawler.retry_backoff_ms", "100", "test")
                .set("crawler.tls_verify", Boolean.toString(verify), "test").set("recrawl.discover", "false", "test")
                .set("crawler.work_dir", tmp.resolve("work").toString(), "test").build();
    }

    private static Map<String, GenericRecord> rows(String manifest) throws IOException {
        Map<String, GenericRecord> rows = new HashMap<>();
        try (ParquetReader<GenericRecord> r = AvroParquetReader.<GenericRecord>builder(HadoopInputFile.fromPath(
                new org.apache.hadoop.fs.Path(manifest), new Configuration())).build()) {
            for (GenericRecord g; (g = r.read()) != null; ) rows.put(g.get("url").toString(), g);
        }
        return rows;
    }

    @Test
    void aCertificateNobodyVouchesForIsRefusedUnlessToldOtherwise() throws Exception {
        String seed = "http://127.0.0.1:" + page.getAddress().getPort() + "/";
        String out = tmp.resolve("out").toString();
        CrawlJob.Result refused = CrawlJob.run(cfg(true), List.of(seed), out, "verified");
        GenericRecord row = rows(refused.manifest()).values().iterator().next();
        assertEquals("error", row.get("status").toString(), String.valueOf(row));
        assertTrue(row.get("error").toString().startsWith("TLS: "), row.get("error").toString());
        assertEquals(0, served.get(), "no request is sent over a connection to an untrusted server");
        assertEquals(0, refused.images());

        CrawlJob.Result trusted = CrawlJob.run(cfg(false), List.of(seed), out, "trusting");
        assertEquals(1, trusted.images(), trusted.summary());
        assertEquals("fetched", rows(trusted.manifest()).values().iterator().next().get("status").toString());

        // The re-crawl's conditional GETs follow the same rule.
        RecrawlJob.Result again = RecrawlJob.run(cfg(true), out, "re-verified", System.currentTimeMillis(), true);
        assertEquals(1, again.errors(), again.summary());
        assertEquals(List.of("host 127.0.0.1 answered none of 1 requests (it answered before)"), again.alarms());
        RecrawlJob.Result same = RecrawlJob.run(cfg(false), out, "re-trusting", System.currentTimeMillis(), true);
        assertEquals(0, same.errors(), same.summary());
        assertEquals(List.of(), same.alarms());
        assertEquals(1, same.notModified() + same.sameBytes(), same.summary());
    }
}
