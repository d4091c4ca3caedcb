package dev.facepipe.e2e;

import java.nio.file.Path;
import java.util.Map;

/** The environment a nightly run gets in the tests: loopback allowed, every URL due each night, all under tmp. */
final class NightlyEnv {
    private NightlyEnv() {}

    static void apply(Map<String, String> env, Path tmp) {
        env.put("FACEPIPE_CRAWLER_ALLOW_PRIVATE_HOSTS", "127.0.0.1,127.0.0.2");
        env.put("FACEPIPE_RECRAWL_INITIAL_INTERVAL_S", "0");
        env.put("FACEPIPE_RECRAWL_MIN_INTERVAL_S", "0");
        env.put("FACEPIPE_CRAWLER_POLITENESS_DELAY_MS", "0");
        env.put("FACEPIPE_OPTOUT_STORE", tmp.resolve("privacy").toString());
        env.put("FACEPIPE_JOB_SPARK_MASTER", "local[2]");
        env.put("FACEPIPE_LOCK", tmp.resolve("lock").toString());
        env.put("FACEPIPE_LOG_DIR", tmp.resolve("logs").toString());
    }
}
