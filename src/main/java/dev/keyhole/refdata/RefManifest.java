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

    public PackageEntry pkg(String name) {
        for (PackageEntry p : packages) if (p.name().equals(name)) return p;
        return null;
    }

    public FileEntry file(String role) {
        for (PackageEntry p : packages) for (FileEntry f : p.files()) if (f.role().equals(role)) return f;
        return null;
    }
}
