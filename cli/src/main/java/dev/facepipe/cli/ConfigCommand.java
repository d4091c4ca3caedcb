package dev.facepipe.cli;

import dev.facepipe.core.config.Config;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

@Command(name = "config", mixinStandardHelpOptions = true,
        description = "Print the effective configuration, one key=value a line, with where each value came from"
                + " (credentials show as ****).")
final class ConfigCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @Option(names = "--prefix", description = "Only keys starting with this prefix.")
    String prefix = "";

    @Override
    public Integer call() {
        Config cfg = main.config();
        for (Map.Entry<String, String> e : cfg.asMap().entrySet()) {
            if (!e.getKey().startsWith(prefix)) continue;
            System.out.println(e.getKey() + "=" + cfg.printable(e.getKey()) + "    # " + cfg.origin(e.getKey()));
        }
        return 0;
    }
}
