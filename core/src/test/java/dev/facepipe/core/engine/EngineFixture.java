package dev.facepipe.core.engine;

import dev.facepipe.core.config.Config;

/** One engine per test JVM, as in production (sessions are shared). */
final class EngineFixture {
    static final Config CONFIG = Config.builder()
            .set("models.dir", dev.facepipe.testing.Fixtures.models().toString(), "test").build();
    static final FaceEngine ENGINE = FaceEngine.fromConfig(CONFIG);

    private EngineFixture() {}
}
