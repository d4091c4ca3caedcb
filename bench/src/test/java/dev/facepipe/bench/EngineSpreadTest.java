package dev.facepipe.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.facepipe.bench.BenchCommand.Engine.Figures;
import java.util.List;
import org.junit.jupiter.api.Test;

/** bench engine's summary over rounds: the median and the range of each figure, whatever the rounds' order. */
class EngineSpreadTest {
    private static Figures ratio(double r) {
        return new Figures(100 * r, r, 0.12, 0.07);
    }

    @Test
    void anOddNumberOfRoundsGivesTheMiddleOneAndTheRange() {
        List<Figures> rounds = List.of(ratio(0.83), ratio(0.78), ratio(0.80));
        assertEquals("0.80 (0.78-0.83)", BenchCommand.Engine.spread(rounds, Figures::ratio, 1, "%.2f"));
        assertEquals("80.0 (78.0-83.0)", BenchCommand.Engine.spread(rounds, Figures::facesPerSecond, 1, "%.1f"));
    }

    @Test
    void anEvenNumberOfRoundsGivesTheMeanOfTheMiddleTwo() {
        List<Figures> rounds = List.of(ratio(0.84), ratio(0.78), ratio(0.80), ratio(0.81));
        assertEquals("0.805 (0.780-0.840)", BenchCommand.Engine.spread(rounds, Figures::ratio, 1, "%.3f"));
    }

    @Test
    void sharesArePrintedAsPercent() {
        List<Figures> one = List.of(ratio(0.8));
        assertEquals("7.0% (7.0%-7.0%)", BenchCommand.Engine.spread(one, Figures::overheadShare, 100, "%.1f%%"));
    }
}
