package dev.facepipe.testing;

import java.net.URI;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import org.eclipse.jetty.util.component.AbstractLifeCycle;
import org.gaul.s3proxy.AuthenticationType;
import org.gaul.s3proxy.S3Proxy;
import org.jclouds.ContextBuilder;
import org.jclouds.blobstore.BlobStore;
import org.jclouds.blobstore.BlobStoreContext;

/**
 * A real S3 API server in this JVM (S3Proxy over an in-memory jclouds store) on a loopback port,
 * with fixed keys; it can be stopped and started again on the same port with its objects kept.
 * Each test class takes its own bucket names: Hadoop caches one s3a FileSystem per bucket and JVM,
 * and a cached one keeps the endpoint (port) of the server it was first made for.
 */
public final class S3Server implements AutoCloseable {
    public static final String ACCESS_KEY = "facepipe-test-access";
    public static final String SECRET_KEY = "facepipe-test-secret-do-not-log";

    private final BlobStoreContext context;
    private final BlobStore store;
    private S3Proxy proxy;
    private int port;

    private S3Server(String... buckets) throws Exception {
        context = ContextBuilder.newBuilder("transient").credentials("x", "y").overrides(new Properties())
                .build(BlobStoreContext.class);
        store = context.getBlobStore();
        for (String b : buckets) store.createContainerInLocation(null, b);
        start(0);
    }

    public static S3Server start(String... buckets) throws Exception {
        return new S3Server(buckets);
    }

    /** (Re)starts the server; port 0 picks a free one the first time. */
    public void start(int wanted) throws Exception {
        proxy = S3Proxy.builder().blobStore(store).endpoint(URI.create("http://127.0.0.1:" + wanted))
                .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ACCESS_KEY, SECRET_KEY)
                .ignoreUnknownHeaders(true).build();
        proxy.start();
        while (!AbstractLifeCycle.STARTED.equals(proxy.getState())) Thread.sleep(10);
        port = proxy.getPort();
    }

    public void restart() throws Exception {
        start(port);
    }

    public void stop() throws Exception {
        proxy.stop();
    }

    public String endpoint() {
        return "http://127.0.0.1:" + port;
    }

    public BlobStore store() {
        return store;
    }

    /** facepipe conf that points s3a at this server. */
    public Map<String, String> conf() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("storage.s3a.endpoint", endpoint());
        m.put("storage.s3a.path_style_access", "true");
        m.put("storage.s3a.access_key", ACCESS_KEY);
        m.put("storage.s3a.secret_key", SECRET_KEY);
        return m;
    }

    @Override
    public void close() throws Exception {
        proxy.stop();
        context.close();
    }
}
