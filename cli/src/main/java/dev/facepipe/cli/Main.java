package dev.facepipe.cli;

import dev.facepipe.core.config.Config;
import dev.facepipe.core.config.ConfigException;
import dev.facepipe.core.model.ModelException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/** The one command-line entry: bin/facepipe locally, the same class under spark-submit. */
@Command(name = "facepipe", mixinStandardHelpOptions = true, version = "facepipe 0.1.0",
        description = "Face-ingestion pipeline: crawl, ingest, index and search faces.",
        subcommands = {ConfigCommand.class, ModelsCommand.class, VerifyCommand.class, EvalCommand.class, IngestCommand.class, ReembedCommand.class,
                BuildIndexCommand.class, ClusterCommand.class, SearchCommand.class, ServeCommand.class, AuditCommand.class, GcCommand.class,
                ForgetCommand.class,
                CrawlCommand.class, FetchCommand.class,
                RecrawlCommand.class, OptOutCommand.class,
                DemoSiteCommand.class,
                dev.facepipe.bench.BenchCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable, dev.facepipe.bench.BenchCommand.Host {

    @Option(names = "--conf", scope = ScopeType.INHERIT, paramLabel = "FILE",
            description = "User config file (properties) overlaid on conf/facepipe-defaults.properties.")
    Path confFile;

    @Option(names = "--set", scope = ScopeType.INHERIT, paramLabel = "KEY=VALUE",
            description = "Override one config key; repeatable; wins over file and environment.")
    List<String> overrides = new ArrayList<>();

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** Effective config: defaults, FACEPIPE_CONF, --conf, environment, then --set. */
    @Override
    public Config config() {
        Config.Builder b = Config.builder();
        String envFile = System.getenv(Config.ENV_CONF_FILE);
        if (envFile != null && !envFile.isBlank()) b.file(Path.of(envFile));
        if (confFile != null) b.file(confFile);
        b.environment(System.getenv());
        for (String s : overrides) b.set(s);
        return b.build();
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the command line and returns its exit code (0 ok, 1 failure of the work, 2 bad usage or setup). */
    public static int run(String... args) {
        CommandLine cl = new CommandLine(new Main());
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            PrintWriter err = cmd.getErr();
            if (ex instanceof ConfigException || ex instanceof ModelException) {
                err.println("facepipe: " + ex.getMessage());
                return 2;
            }
            err.println("facepipe " + cmd.getCommandName() + ": " + ex);
            ex.printStackTrace(err);
            return 1;
        });
        return cl.execute(args);
    }
}
