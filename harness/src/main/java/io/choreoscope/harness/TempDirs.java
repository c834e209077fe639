package io.choreoscope.harness;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;

/** Removes the temporary directories the harness creates for its services. */
public final class TempDirs {
    /** Set {@code -Dchoreoscope.keep-test-dirs=true} to keep the directories of {@link #deleteUnlessKept} for a post-mortem. */
    public static final String KEEP_PROPERTY = "choreoscope.keep-test-dirs";

    private TempDirs() {
    }

    /**
     * For a test's own work directory, called when the test ends however it ended: deletes it (a CI machine runs the
     * suite again and again, and every run's Kafka, ClickHouse and app data would otherwise stay in the temp dir),
     * unless {@value #KEEP_PROPERTY} is true. Never throws: a directory that cannot be deleted is reported on stdout.
     */
    public static void deleteUnlessKept(Path root) {
        if (root == null) {
            return;
        }
        if (Boolean.getBoolean(KEEP_PROPERTY)) {
            System.out.println("kept " + root + " (" + KEEP_PROPERTY + ")");
            return;
        }
        try {
            deleteRecursively(root);
        } catch (IOException | RuntimeException e) {
            System.out.println("could not delete " + root + ": " + e);
        }
    }

    /**
     * For a harness run from a {@code main} (the benchmarks): deletes {@code dir} when the JVM exits, after the run's
     * services were closed, unless {@value #KEEP_PROPERTY} is true. Returns {@code dir}.
     */
    public static Path deleteAtExit(Path dir) {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteUnlessKept(dir), "delete " + dir.getFileName()));
        return dir;
    }

    /**
     * Deletes a directory and everything under it; a missing directory is fine.
     *
     * @throws IOException when something cannot be deleted (callers decide whether a leftover matters)
     */
    public static void deleteRecursively(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.deleteIfExists(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
                Files.deleteIfExists(dir);
                return FileVisitResult.CONTINUE;
            }
        });
    }
}
