package dev.keyhole.analyses.mix;

import dev.keyhole.analyses.Counter2;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

class TopRowsTest {
    @Test
    void boundedTopEqualsFullSortWithTiesAndRest() {
        Random r = new Random(7);
        for (int n : new int[] {0, 1, 5, 200, 201, 3000}) {
            Map<String, Counter2> m = new HashMap<>();
            for (int i = 0; i < n; i++) {
                Counter2 c = new Counter2();
                c.add(r.nextInt(20), r.nextInt(5)); // many ties on flows and bytes: the id decides
                m.put("as:" + i, c);
            }
            List<Map.Entry<String, Counter2>> full = new ArrayList<>(m.entrySet());
            full.sort(Comparator.comparingLong((Map.Entry<String, Counter2> e) -> -e.getValue().flows)
                    .thenComparingLong(e -> -e.getValue().bytes).thenComparing(Map.Entry::getKey));
            ActivityMixAnalysis.Top top = ActivityMixAnalysis.top(m, 200);
            assertThat(top.rows()).containsExactlyElementsOf(full.subList(0, Math.min(200, n)));
            if (n <= 200) {
                assertThat(top.rest()).isNull();
                assertThat(top.restCount()).isZero();
            } else {
                long flows = 0, bytes = 0;
                for (Map.Entry<String, Counter2> e : full.subList(200, n)) {
                    flows += e.getValue().flows;
                    bytes += e.getValue().bytes;
                }
                assertThat(top.rest().flows).isEqualTo(flows);
                assertThat(top.rest().bytes).isEqualTo(bytes);
                assertThat(top.restCount()).isEqualTo(n - 200);
            }
        }
    }
}
