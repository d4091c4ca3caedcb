package dev.facepipe.lifecycle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.Set;
import org.junit.jupiter.api.Test;

class ReportScrubberTest {
    private static String crop(String id) {
        return "<img width=96 height=96 alt='" + id + "' title='" + id + "' src='data:image/jpeg;base64,AAAA$1'>";
    }

    @Test
    void onlyTheForgottenFacesCropsGo() {
        String page = "<div>" + crop("aa") + crop("bb") + "</div><div class=group>" + crop("aa") + "</div>";
        String out = ReportScrubber.scrub(page, Set.of("aa"));
        assertEquals("<div>" + ReportScrubber.MARK + crop("bb") + "</div><div class=group>" + ReportScrubber.MARK
                + "</div>", out);
        assertSame(page, ReportScrubber.scrub(page, Set.of("cc")), "untouched when nothing is forgotten there");
    }
}
