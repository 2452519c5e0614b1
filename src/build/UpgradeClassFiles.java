/*
 * Licensed under the Apache License, Version 2.0 (see LICENSE).
 *
 * Build step, run by Maven after the shade (pom.xml, exec-maven-plugin) as a single-file source
 * program: java -cp asm.jar src/build/UpgradeClassFiles.java target/keyhole.jar
 *
 * Rewrites the jar's class files older than Java 6 (version < 50: picocli and commons-math3 are
 * compiled for Java 5) as Java 8 class files (52), with the stack map frames that version needs,
 * computed by ASM. Why: a JDK 25 AOT cache (the launcher's, docs/benchmarks.md) skips such "old"
 * classes, so every new JVM loaded and verified them from the jar with the old verifier. The code
 * itself is unchanged. The jar is replaced only when every class was rewritten.
 */
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassVisitor;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.Opcodes;

import java.io.IOException;
import java.io.OutputStream;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Enumeration;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

public final class UpgradeClassFiles {
    static final int OLDEST_KEPT = 50;

    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            System.err.println("usage: UpgradeClassFiles JAR");
            System.exit(2);
        }
        Path jar = Path.of(args[0]);
        Path tmp = jar.resolveSibling(jar.getFileName() + ".upgrading");
        Map<String, Integer> perPackage = new TreeMap<>();
        // The jar's own classes answer ASM's "common superclass" questions while frames are computed.
        try (ZipFile zip = new ZipFile(jar.toFile());
             URLClassLoader classes = new URLClassLoader(new java.net.URL[]{jar.toUri().toURL()},
                     ClassLoader.getPlatformClassLoader());
             OutputStream os = Files.newOutputStream(tmp);
             ZipOutputStream out = new ZipOutputStream(os)) {
            for (Enumeration<? extends ZipEntry> e = zip.entries(); e.hasMoreElements(); ) {
                ZipEntry entry = e.nextElement();
                byte[] bytes = zip.getInputStream(entry).readAllBytes();
                String name = entry.getName();
                if (name.endsWith(".class") && !name.startsWith("META-INF/") && major(bytes) < OLDEST_KEPT) {
                    try {
                        bytes = upgrade(bytes, classes);
                    } catch (RuntimeException ex) {
                        throw new IllegalStateException(jar + ": " + name + ": cannot rewrite: " + ex, ex);
                    }
                    int slash = name.lastIndexOf('/');
                    perPackage.merge(slash < 0 ? "(default)" : name.substring(0, slash), 1, Integer::sum);
                }
                ZipEntry copy = new ZipEntry(name);
                copy.setTime(entry.getTime());
                out.putNextEntry(copy);
                out.write(bytes);
                out.closeEntry();
            }
        } catch (IOException | RuntimeException ex) {
            Files.deleteIfExists(tmp);
            throw ex;
        }
        Files.move(tmp, jar, StandardCopyOption.REPLACE_EXISTING);
        int total = perPackage.values().stream().mapToInt(Integer::intValue).sum();
        Map<String, Integer> roots = new TreeMap<>();
        perPackage.forEach((p, n) -> roots.merge(p.split("/").length > 4 ? p.substring(0, nthSlash(p, 4)) : p, n, Integer::sum));
        System.out.println("UpgradeClassFiles: " + jar + ": " + total + " class files from before Java 6 rewritten as Java 8 "
                + "class files with stack map frames " + roots);
    }

    static int major(byte[] classFile) {
        return classFile.length < 8 ? Integer.MAX_VALUE : ((classFile[6] & 0xff) << 8) | (classFile[7] & 0xff);
    }

    static byte[] upgrade(byte[] classFile, ClassLoader classes) {
        ClassReader reader = new ClassReader(classFile);
        ClassWriter writer = new ClassWriter(ClassWriter.COMPUTE_FRAMES) {
            @Override
            protected ClassLoader getClassLoader() {
                return classes;
            }
        };
        reader.accept(new ClassVisitor(Opcodes.ASM9, writer) {
            @Override
            public void visit(int version, int access, String name, String signature, String superName, String[] interfaces) {
                super.visit(Opcodes.V1_8, access, name, signature, superName, interfaces);
            }
        }, ClassReader.SKIP_FRAMES);
        return writer.toByteArray();
    }

    private static int nthSlash(String s, int n) {
        int i = -1;
        while (n-- > 0 && (i = s.indexOf('/', i + 1)) >= 0) { }
        return i < 0 ? s.length() : i;
    }
}
