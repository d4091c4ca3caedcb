package dev.facepipe.cli;

import dev.facepipe.core.config.Config;
import dev.facepipe.core.engine.FaceEngine;
import dev.facepipe.serve.ApiServer;
import dev.facepipe.serve.SearchService;
import dev.facepipe.serve.ServeSettings;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

@Command(name = "serve", mixinStandardHelpOptions = true,
        description = "Serve the published index over HTTP until stopped: search by photo or embedding (JSON, see"
                + " /openapi.json), health, readiness and Prometheus metrics; follows CURRENT, swapping in each new"
                + " version warm. Settings: serve.* in conf.")
final class ServeCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @Option(names = "--index", required = true, paramLabel = "URI", description = "Index root (build-index's OUT).")
    String index;

    @Override
    public Integer call() throws Exception {
        Config cfg = main.config();
        ServeSettings settings;
        try {
            settings = ServeSettings.fromConfig(cfg);
        } catch (IllegalArgumentException e) {
            System.err.println("facepipe serve: " + e.getMessage());
            return 2;
        }
        long t0 = System.nanoTime();
        SearchService service = new SearchService(cfg, settings, index, FaceEngine.fromConfig(cfg));
        try {
            service.start();
        } catch (IllegalStateException e) {
            System.err.println("facepipe serve: " + e.getMessage());
            service.close();
            return 2;
        }
        ApiServer api;
        try {
            api = new ApiServer(service, settings);
        } catch (IllegalArgumentException e) {
            System.err.println("facepipe serve: " + e.getMessage());
            service.close();
            return 2;
        }
        api.start();
        if (settings.plainHttpWarning() != null) System.err.println("facepipe serve: warning: " + settings.plainHttpWarning());
        System.out.printf("facepipe serve: ready in %.1f s on %s://%s:%d (index version %s, %d vectors, keys %s)%n",
                (System.nanoTime() - t0) / 1e9, settings.scheme(), settings.bind(), api.port(), service.version(),
                service.vectors(),
                settings.keysRequired() ? "required" : "not required (loopback)");
        CountDownLatch stop = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            api.close();
            service.close();
            stop.countDown();
        }, "facepipe-serve-stop"));
        stop.await();
        return 0;
    }
}
