package io.choreoscope.model;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/** Reads run beside one another: readers and the API start one on an executor and wait for it after their own. */
public final class Beside {
    private Beside() {
    }

    /** The result of a read started beside another; its failure is the caller's, rethrown as it was thrown. */
    public static <T> T joined(CompletableFuture<T> read) {
        try {
            return read.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw e;
        }
    }
}
