package dev.facepipe.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class FaceIdsTest {
    @Test
    void theSameFaceHasTheSameIdAndANonNegativeKey() {
        String id = FaceIds.faceId("img", "det", "model", 10.2f, 20.4f, 110.6f, 130.1f);
        assertEquals(32, id.length());
        assertEquals(id, FaceIds.faceId("img", "det", "model", 10.4f, 20.1f, 110.9f, 129.8f), "whole pixels");
        assertTrue(FaceIds.faceKey(id) >= 0);
        assertEquals(Long.parseUnsignedLong(id.substring(0, 16), 16) >>> 1, FaceIds.faceKey(id));
    }

    @Test
    void whatIsNotAFaceIdIsNamed() {
        for (String bad : new String[] {"f1234", "zz112233445566778899", "", null}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> FaceIds.faceKey(bad));
            assertTrue(e.getMessage().startsWith("not a face id: " + bad), e.getMessage());
        }
    }
}
