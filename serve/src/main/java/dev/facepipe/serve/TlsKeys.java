package dev.facepipe.serve;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.Socket;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509KeyManager;

/**
 * The service's TLS key and certificate from a PKCS12 keystore (serve.tls_keystore), a {@link
 * WatchedFile} looked at during a handshake, so a renewed certificate is served to new connections
 * without a restart and a keystore that stops loading keeps the last good one. Written by hand: the
 * JDK's key managers read a keystore once, and Undertow takes one SSLContext for the life of its
 * listener. A handshake's alias carries the keystore generation it was chosen from, so its key and
 * chain come from the same file even when a reload lands between the two calls.
 */
final class TlsKeys extends X509ExtendedKeyManager {
    private final Path file;
    private final char[] password;
    private final WatchedFile<X509KeyManager> keystore;
    /** Key managers by generation: the current one and the one before, which a handshake in flight may name. */
    private final Map<Integer, X509KeyManager> generations = new ConcurrentHashMap<>();

    private TlsKeys(ServeSettings.Tls tls, long recheckMs) {
        this.file = tls.keystore();
        this.password = tls.password().toCharArray();
        this.keystore = new WatchedFile<>("serve.tls_keystore", file, recheckMs, this::load);
        generations.put(0, keystore.current().value());
    }

    /** A server SSLContext over the keystore; IllegalArgumentException naming the file when it does not load. */
    static SSLContext context(ServeSettings.Tls tls, long recheckMs) {
        try {
            SSLContext c = SSLContext.getInstance("TLS");
            c.init(new KeyManager[] {new TlsKeys(tls, recheckMs)}, null, null);
            return c;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("no TLS in this JVM: " + e.getMessage(), e);
        }
    }

    private X509KeyManager load(byte[] bytes) {
        try {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(new ByteArrayInputStream(bytes), password);
            KeyManagerFactory f = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            f.init(ks, password);
            for (KeyManager m : f.getKeyManagers()) if (m instanceof X509KeyManager x) return x;
            throw new IllegalArgumentException("serve.tls_keystore=" + file + " holds no X.509 key");
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalArgumentException("serve.tls_keystore=" + file + " does not load as PKCS12 with"
                    + " serve.tls_password: " + e.getMessage(), e);
        }
    }

    /** The generation of the keystore in force now, its key manager kept until the next change. */
    private int current() {
        WatchedFile.Loaded<X509KeyManager> now = keystore.current();
        int g = now.generation();
        if (generations.putIfAbsent(g, now.value()) == null) {
            generations.keySet().removeIf(old -> old < g - 1); // a handshake lasts well under an interval
        }
        return g;
    }

    private static String tag(int generation, String alias) {
        return alias == null ? null : generation + "/" + alias;
    }

    /** The key manager and its own alias named by a tagged alias, or null. */
    private X509KeyManager managerOf(String tagged) {
        int slash = tagged == null ? -1 : tagged.indexOf('/');
        if (slash < 0) return null;
        try {
            return generations.get(Integer.parseInt(tagged.substring(0, slash)));
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static String aliasOf(String tagged) {
        return tagged.substring(tagged.indexOf('/') + 1);
    }

    @Override
    public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
        int g = current();
        X509KeyManager m = generations.get(g);
        String alias = m instanceof X509ExtendedKeyManager x ? x.chooseEngineServerAlias(keyType, issuers, engine)
                : m.chooseServerAlias(keyType, issuers, null);
        return tag(g, alias);
    }

    @Override
    public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
        int g = current();
        return tag(g, generations.get(g).chooseServerAlias(keyType, issuers, socket));
    }

    @Override
    public String[] getServerAliases(String keyType, Principal[] issuers) {
        int g = current();
        String[] a = generations.get(g).getServerAliases(keyType, issuers);
        if (a == null) return null;
        return Arrays.stream(a).map(x -> tag(g, x)).toArray(String[]::new);
    }

    @Override
    public X509Certificate[] getCertificateChain(String alias) {
        X509KeyManager m = managerOf(alias);
        return m == null ? null : m.getCertificateChain(aliasOf(alias));
    }

    @Override
    public PrivateKey getPrivateKey(String alias) {
        X509KeyManager m = managerOf(alias);
        return m == null ? null : m.getPrivateKey(aliasOf(alias));
    }

    @Override
    public String[] getClientAliases(String keyType, Principal[] issuers) {
        return null; // a server only
    }

    @Override
    public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
        return null;
    }
}
