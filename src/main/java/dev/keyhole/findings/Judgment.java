package dev.keyhole.findings;

import java.util.List;

/**
 * A key judgment in plain words. {@code confidence} is low, moderate or high and {@code reason}
 * says why; {@code evidence} are JSON-pointer-like references into findings.json (e.g.
 * "/activityMix/changes?dimension=origin&key=chinese").
 */
public record Judgment(String id, String text, String confidence, String reason, List<String> evidence) {}
