package dev.keyhole.refdata;

import java.util.List;

/**
 * What {@link ReferenceSetup} installed: refdata.json in the cache directory. File paths are
 * relative to the cache directory so the cache can be moved.
 */
public record RefManifest(String schema, String createdAt, List<PackageEntry> packages) {
    public static final String SCHEMA = "keyhole.refdata/1";

    public RefManifest {
        packages = List.copyOf(packages);
    }

    /** One npm package: its version and licence as it declares them, and the licence files it ships. */
    public record PackageEntry(String name, String version, String license, List<String> licenseFiles,
                               List<FileEntry> files) {
        public PackageEntry {
            licenseFiles = List.copyOf(licenseFiles);
            files = List.copyOf(files);
        }
    }

    public record FileEntry(String role, String path, long size, String sha256) {}

    /**
     * The manifest as refdata.json holds it (what Jackson's data binding writes for these records),
     * read from a tree. Lists that are missing, files without a role, path or numeric size are
     * errors (the set-up then runs again); other fields may be null.
     */
    public static RefManifest of(com.fasterxml.jackson.databind.JsonNode n) {
        java.util.List<PackageEntry> pkgs = new java.util.ArrayList<>();
        for (com.fasterxml.jackson.databind.JsonNode p : array(n, "packages")) {
            java.util.List<String> licences = new java.util.ArrayList<>();
            for (com.fasterxml.jackson.databind.JsonNode l : array(p, "licenseFiles")) licences.add(l.asText());
            java.util.List<FileEntry> files = new java.util.ArrayList<>();
            for (com.fasterxml.jackson.databind.JsonNode f : array(p, "files")) {
                com.fasterxml.jackson.databind.JsonNode size = f.get("size");
                if (size == null || !size.canConvertToLong()) throw new IllegalArgumentException("refdata.json: file size");
                files.add(new FileEntry(required(f, "role"), required(f, "path"), size.asLong(), text(f, "sha256")));
            }
            pkgs.add(new PackageEntry(text(p, "name"), text(p, "version"), text(p, "license"), licences, files));
        }
        return new RefManifest(text(n, "schema"), text(n, "createdAt"), pkgs);
    }

    private static Iterable<com.fasterxml.jackson.databind.JsonNode> array(com.fasterxml.jackson.databind.JsonNode n, String key) {
        com.fasterxml.jackson.databind.JsonNode a = n.get(key);
        if (a == null || !a.isArray()) throw new IllegalArgumentException("refdata.json: '" + key + "' is not a list");
        return a;
    }

    private static String required(com.fasterxml.jackson.databind.JsonNode n, String key) {
        String v = text(n, key);
        if (v == null) throw new IllegalArgumentException("refdata.json: a file without '" + key + "'");
        return v;
    }

    /** A text field, or null when absent or null (as a package may declare no licence). */
    private static String text(com.fasterxml.jackson.databind.JsonNode n, String key) {
        com.fasterxml.jackson.databind.JsonNode v = n.get(key);
        return v == null || v.isNull() ? null : v.asText();
    }

    public PackageEntry pkg(String name) {
        for (PackageEntry p : packages) if (p.name().equals(name)) return p;
        return null;
    }

    public FileEntry file(String role) {
        for (PackageEntry p : packages) for (FileEntry f : p.files()) if (f.role().equals(role)) return f;
        return null;
    }
}
