package dev.facepipe.core.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import org.junit.jupiter.api.Test;

/** The CPU's name for benchmarks and the level cache: different CPUs never share one. */
class MachineTest {
    /** What a cloud VM on AMD Zen 3 shows (the hypervisor hides the full model string). */
    private static final String ZEN3 = """
            processor\t: 0
            vendor_id\t: AuthenticAMD
            cpu family\t: 25
            model\t\t: 1
            model name\t: AMD EPYC
            stepping\t: 1
            flags\t\t: fpu sse sse2 avx fma avx2 bmi2 sha_ni

            processor\t: 1
            model name\t: something else
            """;

    /** And on Zen 5: the same model string. */
    private static final String ZEN5 = """
            processor\t: 0
            cpu family\t: 26
            model\t\t: 2
            model name\t: AMD EPYC
            stepping\t: 1
            flags\t\t: fpu avx fma avx2 avx512f avx512dq avx512bw avx512vl avx_vnni avx512_bf16 avx512_vnni
            """;

    @Test
    void twoCpusWithTheSameModelStringGetDifferentNames() {
        String zen3 = Machine.describe(ZEN3, "amd64", "2 cores");
        String zen5 = Machine.describe(ZEN5, "amd64", "2 cores");
        assertEquals("AMD EPYC [family 25 model 1 stepping 1; avx2 fma]", zen3, "the first processor's block only");
        assertEquals("AMD EPYC [family 26 model 2 stepping 1; avx2 fma avx512f avx512bw avx512vl avx512_vnni avx_vnni"
                + " avx512_bf16]", zen5);
        assertNotEquals(OptLevelCache.key(zen3, "1.23.2", "abc", 1), OptLevelCache.key(zen5, "1.23.2", "abc", 1));
    }

    @Test
    void armAndUnreadableMachinesAreNamedByWhatTheyShow() {
        String arm = """
                processor\t: 0
                BogoMIPS\t: 243.75
                Features\t: fp asimd aes asimddp sve i8mm bf16
                CPU implementer\t: 0x41
                CPU part\t: 0xd40
                """;
        assertEquals("aarch64 [implementer 0x41 part 0xd40; asimddp sve i8mm bf16]",
                Machine.describe(arm, "aarch64", "4 cores"));
        assertEquals("amd64 (2 cores)", Machine.describe("", "amd64", "2 cores"));
        assertEquals("CPU X [family 6 model 143 stepping 8; avx2]", Machine.describe(
                "model name : CPU X\ncpu family : 6\nmodel : 143\nstepping : 8\nflags : avx2 sse avx2\n", "amd64", "2"),
                "a flag listed twice");
    }

    @Test
    void thisMachinesNameIsNotEmpty() {
        assertNotEquals("", Machine.cpu());
    }
}
