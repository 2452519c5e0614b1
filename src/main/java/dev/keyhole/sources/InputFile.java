package dev.keyhole.sources;

import java.nio.file.Path;

/** One input file with its detected format; {@code gzip} when it must be decompressed on read. */
public record InputFile(Path path, InputFormat format, boolean gzip, long size) {}
