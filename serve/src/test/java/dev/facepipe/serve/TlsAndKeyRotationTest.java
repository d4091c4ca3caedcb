package dev.facepipe.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.facepipe.core.config.Config;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The service over HTTPS from a PKCS12 keystore made by the JDK's keytool, a renewed certificate
 * served without a restart; API keys from a file, added and withdrawn without a restart.
 */
class TlsAndKeyRotationTest {
    private static final String KEY_A = "alice-key-0123456789", KEY_B = "bob-key-0123456789ab";
    private static final String PASSWORD = "test-password";

    /** A keystore with one EC key for 127.0.0.1, its certificate's subject CN=cn. */
    private static Path keystore(Path dir, String cn) throws Exception {
        Path p = dir.resolve(cn + ".p12");
        Process k = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair", "-keystore", p.toString(), "-storetype", "PKCS12", "-storepass", PASSWORD,
                "-alias", "serve", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=" + cn,
                "-ext", "SAN=ip:127.0.0.1", "-validity", "2").redirectErrorStream(true).start();
        String said = new String(k.getInputStream().readAllBytes());
        assertEquals(0, k.waitFor(), said);
        return p;
    }

    /** A client (its own connections and TLS sessions) that trusts exactly these keystores' certificates. */
    private static HttpClient trusting(Path... stores) throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        for (Path s : stores) {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            try (InputStream in = Files.newInputStream(s)) {
                ks.load(in, PASSWORD.toCharArray());
            }
            trust.setCertificateEntry(s.getFileName().toString(), ks.getCertificate("serve"));
        }
        TrustManagerFactory f = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        f.init(trust);
        SSLContext c = SSLContext.getInstance("TLS");
        c.init(null, f.getTrustManagers(), null);
        return HttpClient.newBuilder().sslContext(c).build();
    }

    /** The subject the service's certificate names, from a fresh connection. */
    private static String served(HttpClient http, int port) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + port + "/healthz"))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        return ((X509Certificate) r.sslSession().orElseThrow().getPeerCertificates()[0]).getSubjectX500Principal()
                .getName();
    }

    @Test
    void servesHttpsAndARenewedCertificateWithoutARestart(@TempDir Path tmp) throws Exception {
        TestIndex.publish(tmp.resolve("index"), "v-20260101-000000-000", 20, 2);
        Path first = keystore(tmp, "first"), second = keystore(tmp, "second");
        Path live = tmp.resolve("serve.p12");
        Files.copy(first, live);
        Config cfg = Config.builder().set("optout.store=" + tmp.resolve("optout"))
                .set("serve.cache_dir=" + tmp.resolve("cache")).set("serve.audit_dir=" + tmp.resolve("audit"))
                .set("serve.port=0").set("serve.follow_seconds=0").set("serve.warmup_queries=1")
                .set("serve.tls_keystore=" + live).set("serve.tls_password=" + PASSWORD).build();
        ServeSettings settings = ServeSettings.fromConfig(cfg);
        assertEquals("https", settings.scheme());
        assertFalse(settings.toString().contains(PASSWORD), "the password never prints");
        try (SearchService s = new SearchService(cfg, settings, tmp.resolve("index").toString(), null);
                ApiServer api = new ApiServer(s, settings)) {
            s.start();
            api.start();
            int port = api.port();
            assertEquals("CN=first", served(trusting(first, second), port));
            assertThrows(IOException.class, () -> HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + port + "/healthz")).build(), HttpResponse.BodyHandlers.ofString()),
                    "no plain HTTP on the TLS port");
            assertThrows(IOException.class, () -> served(trusting(second), port), "a client that trusts only the"
                    + " renewed certificate is refused until it is served");

            Path next = tmp.resolve("serve.p12.next");
            Files.copy(second, next);
            Files.move(next, live, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            Thread.sleep(ApiServer.RECHECK_MS + 100);
            assertEquals("CN=second", served(trusting(second), port), "renewed: new connections get it");

            Files.writeString(live, "not a keystore");
            Thread.sleep(ApiServer.RECHECK_MS + 100);
            assertEquals("CN=second", served(trusting(second), port), "a keystore that stops loading keeps the last");
        }
    }

    @Test
    void aKeystoreThatDoesNotLoadIsNamedAtStart(@TempDir Path tmp) throws Exception {
        Path ks = keystore(tmp, "first");
        ServeSettings.Tls wrong = new ServeSettings.Tls(ks, "wrong-password");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TlsKeys.context(wrong, 1000));
        assertTrue(e.getMessage().contains("serve.tls_keystore=" + ks), e.getMessage());
        assertFalse(e.getMessage().contains("wrong-password"), e.getMessage());
    }

    @Test
    void keysFromAFileAreAddedAndWithdrawnWithoutARestart(@TempDir Path tmp) throws Exception {
        Path file = tmp.resolve("keys");
        Files.writeString(file, "# who may ask\nalice:" + KEY_A + "\n");
        Access a = new Access(new KeyRing(Map.of(), file, 0), 100);
        assertEquals("alice", a.check(KEY_A).name());
        assertEquals(401, a.check(KEY_B).status());

        Files.writeString(file, "alice:" + KEY_A + "\nbob:" + KEY_B + "\n"); // rotation: the new key first...
        assertEquals("bob", a.check(KEY_B).name());
        assertEquals("alice", a.check(KEY_A).name());
        Files.writeString(file, "bob:" + KEY_B + "\n"); // ...then the old one goes
        assertEquals(401, a.check(KEY_A).status());
        assertEquals("bob", a.check(KEY_B).name());

        Files.writeString(file, "bob:" + KEY_B + "\nbroken-line\n");
        assertEquals("bob", a.check(KEY_B).name(), "a file that stops parsing keeps the keys it gave last");
        Files.writeString(file, "");
        assertEquals(401, a.check(KEY_B).status(), "an empty file: nobody, not everybody");
    }

    @Test
    void aBadKeysFileIsRefusedAtStartNamingTheLineNotTheKey(@TempDir Path tmp) throws Exception {
        Path file = tmp.resolve("keys");
        Files.writeString(file, "alice:" + KEY_A + "\nbob:short-key\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new KeyRing(Map.of(), file, 0));
        assertTrue(e.getMessage().contains("line 2"), e.getMessage());
        assertFalse(e.getMessage().contains("short-key"), e.getMessage());
        Files.writeString(file, "carol:" + KEY_A + "\n");
        e = assertThrows(IllegalArgumentException.class, () -> new KeyRing(Map.of(KEY_A, "alice"), file, 0));
        assertTrue(e.getMessage().contains("also in serve.api_keys"), e.getMessage());
        ServeSettings.fromConfig(Config.builder().set("serve.bind=0.0.0.0").set("serve.api_keys_file=" + file).build());
    }
}
